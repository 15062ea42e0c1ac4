// CRC-32 (IEEE, as zlib and S3's x-amz-checksum-crc32), CRC-32C (Castagnoli) and CRC-64/NVME.
// Pure C++: no Node-API here (DESIGN habit 9).
//
// Every function updates a *register* (the reflected CRC state before the final XOR): start from
// kCrcInit*, feed bytes in any number of calls, and finish with crc*_final. Hardware paths
// (PCLMULQDQ folding and the SSE4.2 crc32 instruction on x86-64, the ARMv8 CRC instructions on
// arm64) are picked per call from the CPU's features; the table code is the fallback and the
// reference the fast paths are tested against.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jetvault {

constexpr uint32_t kCrc32Init = 0xFFFFFFFFu;
constexpr uint32_t kCrc32cInit = 0xFFFFFFFFu;
constexpr uint64_t kCrc64NvmeInit = 0xFFFFFFFFFFFFFFFFull;

uint32_t crc32_update(uint32_t reg, const uint8_t* data, size_t len) noexcept;
uint32_t crc32c_update(uint32_t reg, const uint8_t* data, size_t len) noexcept;
uint64_t crc64nvme_update(uint64_t reg, const uint8_t* data, size_t len) noexcept;

constexpr uint32_t crc32_final(uint32_t reg) noexcept { return ~reg; }
constexpr uint32_t crc32c_final(uint32_t reg) noexcept { return ~reg; }
constexpr uint64_t crc64nvme_final(uint64_t reg) noexcept { return ~reg; }

// The portable table code alone (slicing-by-8), for tests and benchmarks of the fast paths.
uint32_t crc32_update_table(uint32_t reg, const uint8_t* data, size_t len) noexcept;
uint32_t crc32c_update_table(uint32_t reg, const uint8_t* data, size_t len) noexcept;
uint64_t crc64nvme_update_table(uint64_t reg, const uint8_t* data, size_t len) noexcept;

// Every implementation, callable by name for tests and benchmarks ("table", "pclmul",
// "vpclmul-avx512", "sse42", "sse42-3way", "armv8-crc"). kind: 0 CRC-32, 1 CRC-32C, 2 CRC-64/NVME.
// Returns false (and leaves *reg alone) when this CPU or build lacks that implementation for that CRC.
bool crc_update_with(int kind, const char* impl, uint64_t* reg, const uint8_t* data, size_t len) noexcept;

// Which implementation crc*_update uses on this CPU, e.g. "pclmul", "sse42", "armv8-crc", "table".
const char* crc32_impl() noexcept;
const char* crc32c_impl() noexcept;
const char* crc64nvme_impl() noexcept;

}  // namespace jetvault
