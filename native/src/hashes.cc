#include "hashes.h"

#include <cstring>

#include "crc.h"

namespace jetvault {

static_assert(sizeof(Md5Ctx) < 256 && sizeof(Sha1Ctx) < 256 && sizeof(Sha256Ctx) < 256,
              "context sizes are stored in one byte each");

HashState hash_init(uint8_t mask) noexcept {
  HashState st;
  st.mask = mask & kHashAll;
  if (st.mask & kHashMd5) MD5_Init(&st.md5);
  if (st.mask & kHashSha1) SHA1_Init(&st.sha1);
  if (st.mask & kHashSha256) SHA256_Init(&st.sha256);
  st.crc32 = kCrc32Init;
  st.crc32c = kCrc32cInit;
  st.crc64 = kCrc64NvmeInit;
  return st;
}

namespace {
constexpr size_t kMd5Off = kHashStateHeader;
constexpr size_t kSha1Off = kMd5Off + sizeof(Md5Ctx);
constexpr size_t kSha256Off = kSha1Off + sizeof(Sha1Ctx);
}  // namespace

const char* hash_load(const uint8_t* buf, size_t len, HashState& out) noexcept {
  if (len != kHashStateSize) return "hash state has the wrong length (not made by hashInit of this build)";
  if (buf[0] != kHashStateVersion) return "hash state has an unknown version";
  if ((buf[1] & ~kHashAll) != 0) return "hash state names unknown hashes";
  if (buf[2] != sizeof(Md5Ctx) || buf[3] != sizeof(Sha1Ctx) || buf[4] != sizeof(Sha256Ctx) || buf[5] != 0 ||
      buf[6] != 0 || buf[7] != 0) {
    return "hash state was made by another build of the addon";
  }
  HashState st;
  st.mask = buf[1];
  std::memcpy(&st.bytes, buf + 8, 8);
  std::memcpy(&st.crc32, buf + 16, 4);
  std::memcpy(&st.crc32c, buf + 20, 4);
  std::memcpy(&st.crc64, buf + 24, 8);
  std::memcpy(&st.md5, buf + kMd5Off, sizeof(Md5Ctx));
  std::memcpy(&st.sha1, buf + kSha1Off, sizeof(Sha1Ctx));
  std::memcpy(&st.sha256, buf + kSha256Off, sizeof(Sha256Ctx));
  // The buffered-bytes counters index OpenSSL's block buffers: a corrupted value would make the next
  // update write out of bounds, so they are checked even though the state never leaves the process.
  if (st.md5.num >= MD5_CBLOCK || st.sha1.num >= SHA_CBLOCK || st.sha256.num >= SHA256_CBLOCK ||
      ((st.mask & kHashSha256) != 0 && st.sha256.md_len != SHA256_DIGEST_LENGTH)) {
    return "hash state is corrupted";
  }
  out = st;
  return nullptr;
}

void hash_store(const HashState& st, uint8_t* buf) noexcept {
  std::memset(buf, 0, kHashStateHeader);
  buf[0] = kHashStateVersion;
  buf[1] = st.mask;
  buf[2] = static_cast<uint8_t>(sizeof(Md5Ctx));
  buf[3] = static_cast<uint8_t>(sizeof(Sha1Ctx));
  buf[4] = static_cast<uint8_t>(sizeof(Sha256Ctx));
  std::memcpy(buf + 8, &st.bytes, 8);
  std::memcpy(buf + 16, &st.crc32, 4);
  std::memcpy(buf + 20, &st.crc32c, 4);
  std::memcpy(buf + 24, &st.crc64, 8);
  std::memcpy(buf + kMd5Off, &st.md5, sizeof(Md5Ctx));
  std::memcpy(buf + kSha1Off, &st.sha1, sizeof(Sha1Ctx));
  std::memcpy(buf + kSha256Off, &st.sha256, sizeof(Sha256Ctx));
}

namespace {
// Every requested hash runs over one block before the next block is read, so a large buffer is
// read from memory once, not once per hash (the frame codec hands over blocks of this size).
constexpr size_t kHashBlock = 32 * 1024;

void update_block(HashState& st, const uint8_t* p, size_t n) noexcept {
  const uint8_t m = st.mask;
  if (m & kHashMd5) MD5_Update(&st.md5, p, n);
  if (m & kHashSha1) SHA1_Update(&st.sha1, p, n);
  if (m & kHashSha256) SHA256_Update(&st.sha256, p, n);
  if (m & kHashCrc32) st.crc32 = crc32_update(st.crc32, p, n);
  if (m & kHashCrc32c) st.crc32c = crc32c_update(st.crc32c, p, n);
  if (m & kHashCrc64Nvme) st.crc64 = crc64nvme_update(st.crc64, p, n);
}
}  // namespace

void hash_update(HashState& st, const uint8_t* p, size_t n) noexcept {
  st.bytes += n;
  if (st.mask == 0) return;
  while (n > 0) {
    const size_t b = n < kHashBlock ? n : kHashBlock;
    update_block(st, p, b);
    p += b;
    n -= b;
  }
}

namespace {
void put_be(uint8_t* out, uint64_t v, int bytes) noexcept {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}
}  // namespace

HashDigests hash_final(HashState st) noexcept {
  HashDigests d;
  d.mask = st.mask;
  d.bytes = st.bytes;
  if (st.mask & kHashMd5) MD5_Final(d.md5, &st.md5);
  if (st.mask & kHashSha1) SHA1_Final(d.sha1, &st.sha1);
  if (st.mask & kHashSha256) SHA256_Final(d.sha256, &st.sha256);
  put_be(d.crc32, crc32_final(st.crc32), 4);
  put_be(d.crc32c, crc32c_final(st.crc32c), 4);
  put_be(d.crc64nvme, crc64nvme_final(st.crc64), 8);
  return d;
}

}  // namespace jetvault
