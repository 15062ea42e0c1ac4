// One pass over plaintext for any of MD5, SHA-1, SHA-256, CRC-32, CRC-32C and CRC-64/NVME, with a
// state that is serialised to an opaque byte buffer between calls, so a stream's hashes can carry
// from one batch to the next, on any worker thread. Pure C++: no Node-API here (DESIGN habit 9).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hashes_ctx.h"

namespace jetvault {

enum HashBit : uint8_t {
  kHashMd5 = 1u << 0,
  kHashSha1 = 1u << 1,
  kHashSha256 = 1u << 2,
  kHashCrc32 = 1u << 3,
  kHashCrc32c = 1u << 4,
  kHashCrc64Nvme = 1u << 5,
};
constexpr uint8_t kHashAll = 0x3F;

// Serialised layout, version 1 (host byte order; opaque to TypeScript and valid only within the
// same build of the addon, which every thread of the process shares):
//   0  u8  version (1)            8  u64 plaintext bytes hashed
//   1  u8  mask (HashBit)        16  u32 CRC-32 register     20  u32 CRC-32C register
//   2  u8  sizeof(MD5_CTX)       24  u64 CRC-64/NVME register
//   3  u8  sizeof(SHA_CTX)       32  MD5_CTX, then SHA_CTX, then SHA256_CTX (OpenSSL's raw structs)
//   4  u8  sizeof(SHA256_CTX)
//   5..7 zero
constexpr uint8_t kHashStateVersion = 1;
constexpr size_t kHashStateHeader = 32;
constexpr size_t kHashStateSize = kHashStateHeader + sizeof(Md5Ctx) + sizeof(Sha1Ctx) + sizeof(Sha256Ctx);

struct HashState {
  uint8_t mask = 0;
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
  uint32_t crc32c = 0;
  uint64_t crc64 = 0;
  Md5Ctx md5{};
  Sha1Ctx sha1{};
  Sha256Ctx sha256{};
};

// Digest lengths; CRCs are big-endian, as S3 sends them (base64 of the BE bytes).
struct HashDigests {
  uint8_t mask = 0;
  uint64_t bytes = 0;
  uint8_t md5[16] = {};
  uint8_t sha1[20] = {};
  uint8_t sha256[32] = {};
  uint8_t crc32[4] = {};
  uint8_t crc32c[4] = {};
  uint8_t crc64nvme[8] = {};
};

// Starts the hashes in `mask` (bits outside kHashAll are the caller's bug: they are ignored).
HashState hash_init(uint8_t mask) noexcept;

// Reads a serialised state; returns nullptr on success or a message saying what is wrong.
const char* hash_load(const uint8_t* buf, size_t len, HashState& out) noexcept;
// Writes `st` into buf (kHashStateSize bytes).
void hash_store(const HashState& st, uint8_t* buf) noexcept;

// Feeds bytes to every hash in st.mask. Callers process plaintext in cache-sized blocks (the frame
// codec does this while encrypting the same block), so each byte comes from memory once.
void hash_update(HashState& st, const uint8_t* p, size_t n) noexcept;

// The digests of everything fed so far; `st` is taken by value, so the stream can go on.
HashDigests hash_final(HashState st) noexcept;

}  // namespace jetvault
