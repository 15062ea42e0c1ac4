// Per-stream key and nonce prefix, docs/format.md §2. Pure C++: no Node-API here (DESIGN habit 9).
#pragma once

#include <cstddef>
#include <cstdint>

namespace jetvault {

constexpr size_t kDekLen = 32;
constexpr size_t kObjectIdLen = 16;
constexpr size_t kSaltLen = 16;
constexpr size_t kStreamKeyLen = 32;
constexpr size_t kNoncePrefixLen = 7;
constexpr int kMinLog2F = 16;
constexpr int kMaxLog2F = 20;
constexpr uint32_t kMaxPart = 10000;

// Borrowed pointers into the caller's buffers, valid for the duration of one call.
struct StreamParams {
  const uint8_t* dek = nullptr;        // 32 bytes
  const uint8_t* object_id = nullptr;  // 16 bytes
  const uint8_t* salt = nullptr;       // 16 bytes
  uint32_t part = 0;                   // 0..10000
  uint8_t log2f = 0;                   // 16..20
};

// Key material lives on the stack of one seal/open call and is wiped when it goes out of scope.
struct StreamKeys {
  uint8_t key[kStreamKeyLen];
  uint8_t nonce_prefix[kNoncePrefixLen];

  StreamKeys() noexcept = default;
  StreamKeys(const StreamKeys&) = delete;
  StreamKeys& operator=(const StreamKeys&) = delete;
  ~StreamKeys();
};

// okm = HKDF-SHA256(IKM = DEK, salt = salt, info = "jetvault/v1/stream" ‖ object_id ‖ BE32(part), L = 39);
// key = okm[0..32), nonce_prefix = okm[32..39). Returns false if OpenSSL fails (e.g. HKDF unavailable).
bool derive_stream_keys(const StreamParams& params, StreamKeys& out) noexcept;

}  // namespace jetvault
