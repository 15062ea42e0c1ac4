// Opening a batch of frames (docs/format.md §3): structure checks, AES-256-GCM, then zstd.
#include <openssl/crypto.h>

#include "frame_common.h"

namespace jetvault {

using namespace framedetail;

namespace {

// Decrypts `n` bytes of body into dst block by block, hashing each block right after it is
// decrypted (while it is in cache) into `hs` when `hash` is set, then verifies the tag.
// Returns 1 on success, 0 on a bad tag, -1 on an OpenSSL failure.
int gcm_open(EVP_CIPHER_CTX* ctx, const uint8_t* body, size_t n, const uint8_t* tag, uint8_t* dst,
             HashState* hs) noexcept {
  int outl = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagLen), const_cast<uint8_t*>(tag)) != 1) {
    return -1;
  }
  for (size_t off = 0; off < n; off += kBlock) {
    const size_t b = n - off < kBlock ? n - off : kBlock;
    if (EVP_DecryptUpdate(ctx, dst + off, &outl, body + off, static_cast<int>(b)) != 1 ||
        static_cast<size_t>(outl) != b) {
      return -1;
    }
    if (hs != nullptr) hash_update(*hs, dst + off, b);
  }
  return EVP_DecryptFinal_ex(ctx, dst + n, &outl) == 1 ? 1 : 0;
}

// The decrypted zstd body of one frame (F bytes, allocated on the first compressed frame of a call),
// wiped however the call ends.
struct Scratch {
  std::unique_ptr<uint8_t[]> buf;
  size_t len = 0;
  ~Scratch() {
    if (buf) OPENSSL_cleanse(buf.get(), len);
  }
};

}  // namespace

CodecResult open_batch(const OpenArgs& a) noexcept {
  CodecResult r;
  if (a.frame_count == 0) return fail(CodecStatus::kArgument, 0, 0, r, "no frames to open");
  if (a.frame_count - 1 > uint64_t{0xFFFFFFFF} - a.first_index) {
    return fail(CodecStatus::kArgument, 0, 0, r, "frame indexes would pass 2^32 - 1");
  }
  for (size_t k = 0; k < a.frame_count; ++k) {
    if (a.offsets[k] > a.offsets[k + 1]) return fail(CodecStatus::kArgument, 0, 0, r, "offsets decrease");
  }
  if (a.offsets[a.frame_count] > a.frames_len) {
    return fail(CodecStatus::kArgument, 0, 0, r, "offsets point past the end of the frames");
  }

  StreamKeys keys;
  if (!derive_stream_keys(a.stream, keys)) return fail(CodecStatus::kOpenssl, 0, 0, r, "HKDF-SHA256 failed");
  CipherCtxPtr ctx;
  if (!gcm_context(keys, 0, ctx)) return fail(CodecStatus::kOpenssl, 0, 0, r, "AES-256-GCM setup failed");
  DCtxPtr dctx;                        // created on the first compressed frame, once per call
  Scratch scratch;
  HashState hs;
  if (a.hashes != nullptr) hs = *a.hashes;
  HashState* hp = a.hashes != nullptr ? &hs : nullptr;

  uint8_t aad[kAadLen];
  aad_template(a.stream, aad);
  uint8_t nonce[12];
  const size_t f = size_t{1} << a.stream.log2f;
  size_t pos = 0;
  bool last_final = false;
  CodecResult err;
  for (size_t k = 0; k < a.frame_count; ++k) {
    const uint32_t fk = static_cast<uint32_t>(k);
    const uint32_t want = a.first_index + fk;
    const bool last = k == a.frame_count - 1;
    const uint8_t* frame = a.frames + a.offsets[k];
    const size_t flen = a.offsets[k + 1] - a.offsets[k];
    if (flen < kFrameOverhead) {
      return fail(CodecStatus::kFrameTooShort, fk, want, err, "frame is %zu bytes, shorter than 24", flen);
    }
    if (flen > f + kFrameOverhead) {
      return fail(CodecStatus::kFrameTooLong, fk, want, err, "frame is %zu bytes, longer than F + 24 = %zu", flen,
                  f + kFrameOverhead);
    }
    if (frame[0] != kFormatVersion) {
      return fail(CodecStatus::kFrameVersion, fk, want, err, "frame version %u is not 1", unsigned{frame[0]});
    }
    const uint8_t flags = frame[1];
    if ((flags & ~(kFlagFinal | kFlagZstd)) != 0) {
      return fail(CodecStatus::kFrameFlags, fk, want, err, "frame has unknown flag bits 0x%02x", unsigned{flags});
    }
    if (frame[2] != 0 || frame[3] != 0) {
      return fail(CodecStatus::kFrameReserved, fk, want, err, "frame reserved field is 0x%02x%02x, not 0",
                  unsigned{frame[2]}, unsigned{frame[3]});
    }
    const uint32_t index = get_be32(frame + 4);
    if (index != want) {
      return fail(CodecStatus::kFrameIndex, fk, want, err, "frame carries index %u, expected %u", index, want);
    }
    const bool final = (flags & kFlagFinal) != 0;
    const bool zstd = (flags & kFlagZstd) != 0;
    if (final && !last) {
      return fail(CodecStatus::kFrameAfterFinal, fk + 1, want + 1, err,
                  "a frame follows the FINAL frame (index %u)", index);
    }
    if (final && !a.expect_final) {
      return fail(CodecStatus::kFinalEarly, fk, want, err, "FINAL frame (index %u) before the expected last frame",
                  index);
    }
    if (!final && last && a.expect_final) {
      return fail(CodecStatus::kFinalMissing, fk, want, err,
                  "the last frame (index %u) is not FINAL: the stream is truncated", index);
    }
    const size_t n = flen - kFrameOverhead;
    if (!zstd && !final && n != f) {
      return fail(CodecStatus::kFrameLength, fk, want, err, "non-final frame holds %zu plaintext bytes, not F = %zu",
                  n, f);
    }
    const size_t room = zstd ? f : n;
    if (a.out_cap - pos < room) {
      return fail(CodecStatus::kArgument, fk, want, err, "output too small for frame %u", fk);
    }

    std::memcpy(aad + kAadHeaderOff, frame, kFrameHeaderLen);
    make_nonce(keys, index, final, nonce);
    int outl = 0;
    if (EVP_CipherInit_ex2(ctx.get(), nullptr, nullptr, nonce, 0, nullptr) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &outl, aad, static_cast<int>(kAadLen)) != 1) {
      return fail(CodecStatus::kOpenssl, fk, want, err, "AES-256-GCM frame setup failed");
    }
    const uint8_t* body = frame + kFrameHeaderLen;
    const uint8_t* tag = body + n;
    uint8_t* dst = a.out + pos;

    if (!zstd) {
      const int v = gcm_open(ctx.get(), body, n, tag, dst, hp);
      if (v != 1) {
        OPENSSL_cleanse(dst, n);  // never leave unauthenticated plaintext in the caller's buffer
        if (v < 0) return fail(CodecStatus::kOpenssl, fk, want, err, "AES-256-GCM failed");
        return fail(CodecStatus::kFrameTag, fk, want, err, "frame (index %u) failed authentication", index);
      }
      pos += n;
      last_final = final;
      continue;
    }

    if (!scratch.buf) {
      scratch.buf.reset(new (std::nothrow) uint8_t[f]);
      scratch.len = scratch.buf ? f : 0;
      dctx.reset(ZSTD_createDCtx());
      if (!scratch.buf || !dctx) return fail(CodecStatus::kOutOfMemory, fk, want, err, "out of memory for zstd");
    }
    uint8_t* zbody = scratch.buf.get();
    const int v = gcm_open(ctx.get(), body, n, tag, zbody, nullptr);
    if (v != 1) {
      if (v < 0) return fail(CodecStatus::kOpenssl, fk, want, err, "AES-256-GCM failed");
      return fail(CodecStatus::kFrameTag, fk, want, err, "frame (index %u) failed authentication", index);
    }
    // Authenticated: now (and only now) look inside the zstd body.
    const size_t zframe = ZSTD_findFrameCompressedSize(zbody, n);
    if (ZSTD_isError(zframe)) {
      return fail(CodecStatus::kZstdTrailing, fk, want, err, "zstd frame does not end within the body (%s)",
                  ZSTD_getErrorName(zframe));
    }
    if (zframe != n) {
      return fail(CodecStatus::kZstdTrailing, fk, want, err, "%zu bytes follow the zstd frame in the body",
                  n - zframe);
    }
    const unsigned long long content = ZSTD_getFrameContentSize(zbody, n);
    if (content == ZSTD_CONTENTSIZE_ERROR) {
      return fail(CodecStatus::kZstdCorrupt, fk, want, err, "zstd frame header is invalid");
    }
    if (content != ZSTD_CONTENTSIZE_UNKNOWN && content > f) {
      return fail(CodecStatus::kZstdTooLarge, fk, want, err, "zstd body declares %llu bytes, more than F = %zu",
                  content, f);
    }
    const size_t d = ZSTD_decompressDCtx(dctx.get(), dst, f, zbody, n);
    if (ZSTD_isError(d)) {
      OPENSSL_cleanse(dst, f);
      if (ZSTD_getErrorCode(d) == ZSTD_error_dstSize_tooSmall) {
        return fail(CodecStatus::kZstdTooLarge, fk, want, err, "zstd body decompresses to more than F = %zu", f);
      }
      return fail(CodecStatus::kZstdCorrupt, fk, want, err, "zstd body is corrupt (%s)", ZSTD_getErrorName(d));
    }
    if (!final && d != f) {
      return fail(CodecStatus::kFrameLength, fk, want, err,
                  "non-final frame decompresses to %zu plaintext bytes, not F = %zu", d, f);
    }
    if (hp != nullptr) hash_update(*hp, dst, d);
    pos += d;
    last_final = final;
  }
  if (a.hashes != nullptr) *a.hashes = hs;
  r.out_len = pos;
  r.frames = static_cast<uint32_t>(a.frame_count);
  r.final = last_final;
  return r;
}

}  // namespace jetvault
