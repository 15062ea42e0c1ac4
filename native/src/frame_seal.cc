// Sealing a batch of frames (docs/format.md §3): hash + zstd (if it saves ≥ 3%) + AES-256-GCM.
#include <openssl/crypto.h>

#include "frame_common.h"

namespace jetvault {

using namespace framedetail;

const char* codec_status_code(CodecStatus s) noexcept {
  switch (s) {
    case CodecStatus::kOk: return "OK";
    case CodecStatus::kArgument: return "ERR_JETVAULT_ARGUMENT";
    case CodecStatus::kOpenssl: return "ERR_JETVAULT_OPENSSL";
    case CodecStatus::kOutOfMemory: return "ERR_JETVAULT_OUT_OF_MEMORY";
    case CodecStatus::kFrameTooShort: return "ERR_JETVAULT_FRAME_TOO_SHORT";
    case CodecStatus::kFrameTooLong: return "ERR_JETVAULT_FRAME_TOO_LONG";
    case CodecStatus::kFrameVersion: return "ERR_JETVAULT_FRAME_VERSION";
    case CodecStatus::kFrameFlags: return "ERR_JETVAULT_FRAME_FLAGS";
    case CodecStatus::kFrameReserved: return "ERR_JETVAULT_FRAME_RESERVED";
    case CodecStatus::kFrameIndex: return "ERR_JETVAULT_FRAME_INDEX";
    case CodecStatus::kFrameAfterFinal: return "ERR_JETVAULT_FRAME_AFTER_FINAL";
    case CodecStatus::kFinalEarly: return "ERR_JETVAULT_FINAL_EARLY";
    case CodecStatus::kFinalMissing: return "ERR_JETVAULT_FINAL_MISSING";
    case CodecStatus::kFrameLength: return "ERR_JETVAULT_FRAME_LENGTH";
    case CodecStatus::kFrameTag: return "ERR_JETVAULT_FRAME_TAG";
    case CodecStatus::kZstdTooLarge: return "ERR_JETVAULT_ZSTD_TOO_LARGE";
    case CodecStatus::kZstdCorrupt: return "ERR_JETVAULT_ZSTD_CORRUPT";
    case CodecStatus::kZstdTrailing: return "ERR_JETVAULT_ZSTD_TRAILING";
  }
  return "ERR_JETVAULT_UNKNOWN";
}

namespace {
constexpr size_t kZstdSlack = 1024;
}  // namespace

uint64_t seal_frame_count(uint64_t plain_len, int log2f, bool final) noexcept {
  if (log2f < kMinLog2F || log2f > kMaxLog2F) return 0;
  const uint64_t f = uint64_t{1} << log2f;
  if (!final) return (plain_len > 0 && plain_len % f == 0) ? plain_len / f : 0;
  return plain_len == 0 ? 1 : (plain_len + f - 1) / f;
}

long long zstd_compressed_length(const uint8_t* src, size_t len, int level) noexcept {
  const size_t bound = ZSTD_compressBound(len);
  std::unique_ptr<uint8_t[]> dst(new (std::nothrow) uint8_t[bound == 0 ? 1 : bound]);
  if (!dst) return -1;
  const size_t n = ZSTD_compress(dst.get(), bound, src, len, level);
  return ZSTD_isError(n) ? -1 : static_cast<long long>(n);
}

CodecResult seal_batch(const SealArgs& a) noexcept {
  CodecResult r;
  const uint64_t frames = seal_frame_count(a.plain_len, a.stream.log2f, a.final);
  if (frames == 0) {
    return fail(CodecStatus::kArgument, 0, 0, r, "plaintext length %zu is not allowed for a %s batch",
                a.plain_len, a.final ? "final" : "non-final");
  }
  if (frames - 1 > uint64_t{0xFFFFFFFF} - a.first_index) {
    return fail(CodecStatus::kArgument, 0, 0, r, "frame indexes would pass 2^32 - 1");
  }
  if (a.offsets_cap < frames + 1) return fail(CodecStatus::kArgument, 0, 0, r, "offsets array too small");
  const uint64_t need = uint64_t{a.plain_len} + kFrameOverhead * frames;
  if (a.out_cap < need || need > 0xFFFFFFFFull) {
    return fail(CodecStatus::kArgument, 0, 0, r, "output has room for %zu bytes, the frames need up to %llu",
                a.out_cap, static_cast<unsigned long long>(need));
  }

  StreamKeys keys;
  if (!derive_stream_keys(a.stream, keys)) return fail(CodecStatus::kOpenssl, 0, 0, r, "HKDF-SHA256 failed");
  CipherCtxPtr ctx;
  if (!gcm_context(keys, 1, ctx)) return fail(CodecStatus::kOpenssl, 0, 0, r, "AES-256-GCM setup failed");
  CCtxPtr cctx;
  if (a.compress) {
    cctx.reset(ZSTD_createCCtx());
    if (!cctx) return fail(CodecStatus::kOutOfMemory, 0, 0, r, "ZSTD_createCCtx failed");
  }
  // The hashes run on a local copy, stored back only when the whole batch succeeded.
  HashState hs;
  if (a.hashes != nullptr) hs = *a.hashes;

  uint8_t aad[kAadLen];
  aad_template(a.stream, aad);
  uint8_t nonce[12];
  const size_t f = size_t{1} << a.stream.log2f;
  size_t pos = 0;
  uint32_t compressed = 0;
  for (uint64_t k = 0; k < frames; ++k) {
    const uint32_t index = a.first_index + static_cast<uint32_t>(k);
    const uint8_t* src = a.plain + k * f;
    const size_t n = a.plain_len - k * f < f ? a.plain_len - k * f : f;
    const bool final = a.final && k == frames - 1;
    uint8_t* hdr = a.out + pos;
    uint8_t* body = hdr + kFrameHeaderLen;

    // zstd straight into the frame body. Kept only under the 3% rule: 100·len(zstd) ≤ 97·len(plain)
    // ⇔ len(zstd) ≤ floor(97·len/100). zstd needs a little room beyond what it finally writes (it
    // fails with dstSize_tooSmall ~9 bytes short of its output; the bytes are the same whatever the
    // capacity), so it gets kZstdSlack more than the limit, bounded by what is left of `out`, which
    // is always ≥ n + 16 here; the limit itself is checked on the result.
    size_t zlen = 0;
    if (cctx && n > 0) {
      if (a.hashes != nullptr) hash_update(hs, src, n);  // a separate pass: zstd reads the frame whole
      const size_t limit = n * 97 / 100;
      const size_t room = a.out_cap - pos - kFrameHeaderLen;
      const size_t cap = limit + kZstdSlack < room ? limit + kZstdSlack : room;
      const size_t c = ZSTD_compressCCtx(cctx.get(), body, cap, src, n, a.level);
      if (!ZSTD_isError(c) && c <= limit && c > 0) zlen = c;
    }
    const uint8_t flags = static_cast<uint8_t>((final ? kFlagFinal : 0) | (zlen > 0 ? kFlagZstd : 0));
    hdr[0] = kFormatVersion;
    hdr[1] = flags;
    hdr[2] = 0;
    hdr[3] = 0;
    put_be32(hdr + 4, index);
    std::memcpy(aad + kAadHeaderOff, hdr, kFrameHeaderLen);
    make_nonce(keys, index, final, nonce);

    int outl = 0;
    if (EVP_CipherInit_ex2(ctx.get(), nullptr, nullptr, nonce, 1, nullptr) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &outl, aad, static_cast<int>(kAadLen)) != 1) {
      return fail(CodecStatus::kOpenssl, static_cast<uint32_t>(k), index, r, "AES-256-GCM frame setup failed");
    }
    size_t blen;
    bool ok = true;
    if (zlen > 0) {
      // In place: OpenSSL allows out == in for GCM.
      ok = EVP_EncryptUpdate(ctx.get(), body, &outl, body, static_cast<int>(zlen)) == 1 &&
           static_cast<size_t>(outl) == zlen;
      blen = zlen;
      ++compressed;
    } else {
      // The fused pass: each block is hashed and encrypted while it is in cache.
      const bool hash_here = a.hashes != nullptr && !cctx;
      for (size_t off = 0; ok && off < n; off += kBlock) {
        const size_t b = n - off < kBlock ? n - off : kBlock;
        if (hash_here) hash_update(hs, src + off, b);
        ok = EVP_EncryptUpdate(ctx.get(), body + off, &outl, src + off, static_cast<int>(b)) == 1 &&
             static_cast<size_t>(outl) == b;
      }
      blen = n;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), body + blen, &outl) == 1 && outl == 0 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagLen), body + blen) == 1;
    if (!ok) return fail(CodecStatus::kOpenssl, static_cast<uint32_t>(k), index, r, "AES-256-GCM failed");
    a.offsets[k] = static_cast<uint32_t>(pos);
    pos += kFrameHeaderLen + blen + kTagLen;
  }
  a.offsets[frames] = static_cast<uint32_t>(pos);
  if (a.hashes != nullptr) *a.hashes = hs;
  r.out_len = pos;
  r.frames = static_cast<uint32_t>(frames);
  r.compressed = compressed;
  r.final = a.final;
  return r;
}

}  // namespace jetvault
