#include "library_versions.h"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <zstd.h>

namespace jetvault {

const char* openssl_runtime_version() noexcept { return OpenSSL_version(OPENSSL_VERSION); }

const char* openssl_header_version() noexcept { return OPENSSL_VERSION_TEXT; }

const char* zstd_version() noexcept { return ZSTD_versionString(); }

}  // namespace jetvault
