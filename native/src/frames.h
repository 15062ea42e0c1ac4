// The v1 frame codec, docs/format.md §3: batches of frames sealed (zstd if it pays, then
// AES-256-GCM) and opened into caller-owned buffers, with the plaintext hashes fused into the same
// pass. Pure C++: no Node-API here (DESIGN habit 9); no allocation per frame, no static state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hashes.h"
#include "stream_keys.h"

namespace jetvault {

constexpr size_t kFrameHeaderLen = 8;
constexpr size_t kTagLen = 16;
constexpr size_t kFrameOverhead = kFrameHeaderLen + kTagLen;  // 24
constexpr size_t kAadLen = 47;
constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kAlgAes256Gcm = 1;
constexpr uint8_t kFlagFinal = 0x01;
constexpr uint8_t kFlagZstd = 0x02;
constexpr int kDefaultZstdLevel = 1;

// Why a call failed. Codes are stable strings (they reach TypeScript as `code`); frame errors carry
// the position of the frame in the batch and its expected index.
enum class CodecStatus {
  kOk,
  kArgument,  // the caller broke a precondition the TS façade should have caught
  kOpenssl,
  kOutOfMemory,
  kFrameTooShort,
  kFrameTooLong,
  kFrameVersion,
  kFrameFlags,
  kFrameReserved,
  kFrameIndex,
  kFrameAfterFinal,
  kFinalEarly,
  kFinalMissing,
  kFrameLength,
  kFrameTag,
  kZstdTooLarge,
  kZstdCorrupt,
  kZstdTrailing,
};

const char* codec_status_code(CodecStatus s) noexcept;

struct CodecResult {
  CodecStatus status = CodecStatus::kOk;
  // For frame errors: position of the frame in the batch and the index it was expected to carry.
  uint32_t frame = 0;
  uint32_t index = 0;
  char message[192] = {};
  // Bytes written to the output (seal: frames; open: plaintext).
  size_t out_len = 0;
  uint32_t frames = 0;
  uint32_t compressed = 0;
  bool final = false;

  bool ok() const noexcept { return status == CodecStatus::kOk; }
};

// Frames a seal batch produces: L / F for a non-final batch (L a positive multiple of F), and
// max(1, ceil(L / F)) for a final one (a stream of k·F bytes ends with a full FINAL frame; an empty
// final batch is one empty FINAL frame). 0 if the length is not allowed.
uint64_t seal_frame_count(uint64_t plain_len, int log2f, bool final) noexcept;

struct SealArgs {
  StreamParams stream;
  uint32_t first_index = 0;
  const uint8_t* plain = nullptr;
  size_t plain_len = 0;
  bool final = false;
  bool compress = false;
  int level = kDefaultZstdLevel;
  // Room for plain_len + 24 · frames bytes (compression only ever shrinks a frame).
  uint8_t* out = nullptr;
  size_t out_cap = 0;
  // frames + 1 entries: frame k is out[offsets[k] .. offsets[k+1]).
  uint32_t* offsets = nullptr;
  size_t offsets_cap = 0;
  // Updated with the plaintext when not null.
  HashState* hashes = nullptr;
};

CodecResult seal_batch(const SealArgs& a) noexcept;

struct OpenArgs {
  StreamParams stream;
  uint32_t first_index = 0;
  const uint8_t* frames = nullptr;
  size_t frames_len = 0;
  // frame_count + 1 non-decreasing offsets into `frames`.
  const uint32_t* offsets = nullptr;
  size_t frame_count = 0;
  bool expect_final = false;
  uint8_t* out = nullptr;
  size_t out_cap = 0;
  // Updated with the plaintext when not null, and only if every frame authenticated.
  HashState* hashes = nullptr;
};

// Checks and decrypts each frame into `out`. A frame's plaintext is hashed and decompressed only
// after its tag verified; if the tag fails, the bytes already decrypted for that frame are wiped
// before returning, so `out` never holds unauthenticated plaintext.
CodecResult open_batch(const OpenArgs& a) noexcept;

// Length of the zstd frame `level` makes of src (diagnostics, tests, benchmarks); -1 on error.
long long zstd_compressed_length(const uint8_t* src, size_t len, int level) noexcept;

}  // namespace jetvault
