// Compile-time tables and folding constants for the reflected CRCs (crc.cc). Everything here is
// constexpr: immutable data in .rodata, computed by the compiler (no static mutable state).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace jetvault {
namespace crcdetail {

// Reflected (LSB-first) polynomials, i.e. the bit-reversed normal forms without the x^w term:
//   CRC-32 IEEE 0x04C11DB7, CRC-32C 0x1EDC6F41, CRC-64/NVME 0xAD93D23594C93659.
constexpr uint32_t kCrc32Poly = 0xEDB88320u;
constexpr uint32_t kCrc32cPoly = 0x82F63B78u;
constexpr uint64_t kCrc64NvmePoly = 0x9A6C9329AC4BC9B5ull;

template <typename T>
using Slice8 = std::array<std::array<T, 256>, 8>;

// table[k][b]: the register after byte b followed by k zero bytes, from a zero register.
template <typename T>
constexpr Slice8<T> make_slice8(T poly) {
  Slice8<T> t{};
  for (unsigned b = 0; b < 256; ++b) {
    T c = static_cast<T>(b);
    for (int i = 0; i < 8; ++i) c = (c & 1) ? static_cast<T>((c >> 1) ^ poly) : static_cast<T>(c >> 1);
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (unsigned b = 0; b < 256; ++b) {
      const T prev = t[k - 1][b];
      t[k][b] = static_cast<T>((prev >> 8) ^ t[0][prev & 0xFF]);
    }
  }
  return t;
}

template <typename T>
constexpr T bit_reverse(T v) {
  T r = 0;
  for (unsigned i = 0; i < sizeof(T) * 8; ++i) r = static_cast<T>((r << 1) | ((v >> i) & 1));
  return r;
}

// x^n mod P for a reflected polynomial of width `width`, returned in the 64-bit reflected layout
// the PCLMULQDQ folding uses (bit j <-> x^(63-j)).
constexpr uint64_t xpow_mod_refl64(uint64_t refl_poly, unsigned width, unsigned n) {
  const uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
  uint64_t normal = 0;  // normal form of P without x^width: bit i <-> x^i
  for (unsigned i = 0; i < width; ++i) normal |= ((refl_poly >> i) & 1) << (width - 1 - i);
  uint64_t r = 1;  // x^0, normal form
  for (unsigned i = 0; i < n; ++i) {
    const bool carry = ((r >> (width - 1)) & 1) != 0;
    r = (r << 1) & mask;
    if (carry) r ^= normal;
  }
  return bit_reverse<uint64_t>(r);
}

// The same constant in the 32-bit reflected layout (bit j <-> x^(31-j)), for CRC-32C shifts.
constexpr uint32_t xpow_mod_refl32(uint32_t refl_poly, unsigned n) {
  return static_cast<uint32_t>(xpow_mod_refl64(refl_poly, 32, n) >> 32);
}

// Folding constants for one 128-bit lane moved forward by `dist` bits: the low qword of the lane
// (the high-degree half H) is multiplied by x^(dist+63) mod P and the high qword (L) by
// x^(dist-1) mod P; the extra -1 absorbs the factor x that a carry-less product of two reflected
// operands carries.
struct FoldK {
  uint64_t for_lo;
  uint64_t for_hi;
};
constexpr FoldK fold_k(uint64_t refl_poly, unsigned width, unsigned dist) {
  return FoldK{xpow_mod_refl64(refl_poly, width, dist + 63), xpow_mod_refl64(refl_poly, width, dist - 1)};
}

// All the constants one CRC needs for 4-lane (64-byte) folding.
struct FoldSet {
  FoldK by512, by384, by256, by128;
};
constexpr FoldSet fold_set(uint64_t refl_poly, unsigned width) {
  return FoldSet{fold_k(refl_poly, width, 512), fold_k(refl_poly, width, 384), fold_k(refl_poly, width, 256),
                 fold_k(refl_poly, width, 128)};
}

// Constants for the 512-bit (VPCLMULQDQ) path: four zmm accumulators of four 128-bit lanes each
// fold 256 bytes per round, then join at 192/128/64-byte distances.
struct FoldSetWide {
  FoldK by2048, by1536, by1024, by512;
};
constexpr FoldSetWide fold_set_wide(uint64_t refl_poly, unsigned width) {
  return FoldSetWide{fold_k(refl_poly, width, 2048), fold_k(refl_poly, width, 1536),
                     fold_k(refl_poly, width, 1024), fold_k(refl_poly, width, 512)};
}

}  // namespace crcdetail
}  // namespace jetvault
