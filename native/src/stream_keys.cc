#include "stream_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>

namespace jetvault {

StreamKeys::~StreamKeys() { OPENSSL_cleanse(this, sizeof(*this)); }

namespace {
constexpr char kStreamInfoLabel[] = "jetvault/v1/stream";
constexpr size_t kStreamInfoLabelLen = sizeof(kStreamInfoLabel) - 1;
constexpr size_t kInfoLen = kStreamInfoLabelLen + kObjectIdLen + 4;
constexpr size_t kOkmLen = kStreamKeyLen + kNoncePrefixLen;
}  // namespace

bool derive_stream_keys(const StreamParams& params, StreamKeys& out) noexcept {
  uint8_t info[kInfoLen];
  std::memcpy(info, kStreamInfoLabel, kStreamInfoLabelLen);
  std::memcpy(info + kStreamInfoLabelLen, params.object_id, kObjectIdLen);
  uint8_t* be = info + kStreamInfoLabelLen + kObjectIdLen;
  be[0] = static_cast<uint8_t>(params.part >> 24);
  be[1] = static_cast<uint8_t>(params.part >> 16);
  be[2] = static_cast<uint8_t>(params.part >> 8);
  be[3] = static_cast<uint8_t>(params.part);

  // Fetched per call: OpenSSL caches the method, and holding it across calls would be static state.
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kctx == nullptr) return false;

  char digest[] = "SHA256";
  OSSL_PARAM ps[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(params.dek), kDekLen),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(params.salt), kSaltLen),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, kInfoLen),
      OSSL_PARAM_construct_end(),
  };
  uint8_t okm[kOkmLen];
  const bool ok = EVP_KDF_derive(kctx, okm, kOkmLen, ps) == 1;
  // Frees (and, in OpenSSL's HKDF, cleanses) its copy of the DEK.
  EVP_KDF_CTX_free(kctx);
  if (ok) {
    std::memcpy(out.key, okm, kStreamKeyLen);
    std::memcpy(out.nonce_prefix, okm + kStreamKeyLen, kNoncePrefixLen);
  }
  OPENSSL_cleanse(okm, sizeof(okm));
  return ok;
}

}  // namespace jetvault
