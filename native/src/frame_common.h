// Pieces shared by frame_seal.cc and frame_open.cc: the AAD and nonce layouts of docs/format.md §3.1,
// RAII owners for the OpenSSL and zstd contexts (created once per call), and error reporting.
#pragma once

#include <openssl/evp.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>

#include "frames.h"

namespace jetvault {
namespace framedetail {

// The plaintext is hashed and encrypted in blocks of this size, so each block is read from memory
// once and stays in L1/L2 while every hash and the cipher run over it.
constexpr size_t kBlock = 32 * 1024;

inline void put_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline uint32_t get_be32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// aad = BE8(1) ‖ BE8(alg) ‖ BE8(log2F) ‖ header (8) ‖ BE32(part) ‖ object_id (16) ‖ salt (16)
constexpr size_t kAadHeaderOff = 3;
inline void aad_template(const StreamParams& s, uint8_t aad[kAadLen]) noexcept {
  aad[0] = kFormatVersion;
  aad[1] = kAlgAes256Gcm;
  aad[2] = s.log2f;
  std::memset(aad + kAadHeaderOff, 0, kFrameHeaderLen);
  put_be32(aad + 11, s.part);
  std::memcpy(aad + 15, s.object_id, kObjectIdLen);
  std::memcpy(aad + 31, s.salt, kSaltLen);
}

// nonce = nonce_prefix (7) ‖ BE32(i) ‖ (0x01 if FINAL else 0x00)
inline void make_nonce(const StreamKeys& k, uint32_t index, bool final, uint8_t nonce[12]) noexcept {
  std::memcpy(nonce, k.nonce_prefix, kNoncePrefixLen);
  put_be32(nonce + 7, index);
  nonce[11] = final ? 1 : 0;
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }  // cleanses the key schedule
};
struct CipherFree {
  void operator()(EVP_CIPHER* c) const noexcept { EVP_CIPHER_free(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const noexcept { ZSTD_freeDCtx(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherFree>;
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxFree>;
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxFree>;

// An AES-256-GCM context keyed once for the whole call (enc = 1 seal, 0 open); per frame only the
// IV is set again.
inline bool gcm_context(const StreamKeys& keys, int enc, CipherCtxPtr& ctx) noexcept {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  ctx.reset(EVP_CIPHER_CTX_new());
  return cipher && ctx && EVP_CipherInit_ex2(ctx.get(), cipher.get(), keys.key, nullptr, enc, nullptr) == 1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
inline CodecResult
fail(CodecStatus status, uint32_t frame, uint32_t index, CodecResult& r, const char* fmt, ...) noexcept {
  r.status = status;
  r.frame = frame;
  r.index = index;
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(r.message, sizeof(r.message), fmt, ap);
  va_end(ap);
  return r;
}

}  // namespace framedetail
}  // namespace jetvault
