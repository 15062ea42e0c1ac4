// Versions of the libraries the addon runs against. Pure C++: no Node-API here (DESIGN habit 9).
#pragma once

namespace jetvault {

// OpenSSL_version(OPENSSL_VERSION) at run time, e.g. "OpenSSL 3.0.19 27 Jan 2026". The symbol comes
// from the node binary, so this is Node's OpenSSL.
const char* openssl_runtime_version() noexcept;

// OPENSSL_VERSION_TEXT of the headers the addon was compiled with (Node's bundled headers).
const char* openssl_header_version() noexcept;

// ZSTD_versionString() of the libzstd loaded at run time, e.g. "1.5.4".
const char* zstd_version() noexcept;

}  // namespace jetvault
