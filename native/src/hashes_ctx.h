// OpenSSL's low-level MD5/SHA contexts. They are deprecated in OpenSSL 3 but exported by node, and
// they are the only API whose state is a plain struct we can serialise between calls (an EVP_MD_CTX
// cannot be exported). The deprecation warnings are silenced here and only here.
#pragma once

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/md5.h>
#include <openssl/sha.h>

namespace jetvault {
using Md5Ctx = MD5_CTX;
using Sha1Ctx = SHA_CTX;
using Sha256Ctx = SHA256_CTX;
}  // namespace jetvault
