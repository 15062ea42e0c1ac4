#include "crc.h"

#include <cstring>

#include "crc_tables.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JETVAULT_CRC_X86 1
#include <immintrin.h>
#endif

#if defined(__aarch64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define JETVAULT_CRC_ARM64 1
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif

namespace jetvault {
namespace {

using namespace crcdetail;

// constexpr: built by the compiler, read-only at run time.
constexpr Slice8<uint32_t> kCrc32Table = make_slice8<uint32_t>(kCrc32Poly);
constexpr Slice8<uint32_t> kCrc32cTable = make_slice8<uint32_t>(kCrc32cPoly);
constexpr Slice8<uint64_t> kCrc64Table = make_slice8<uint64_t>(kCrc64NvmePoly);

inline uint64_t load_le64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

// Slicing-by-8, for both widths: the register is XORed into the first width/8 bytes of each word.
template <typename T>
T slice8_update(const Slice8<T>& t, T reg, const uint8_t* p, size_t len) noexcept {
  uint64_t c = reg;
  for (; len >= 8; p += 8, len -= 8) {
    const uint64_t v = load_le64(p) ^ c;
    c = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
        t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
  }
  for (; len > 0; ++p, --len) c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return static_cast<T>(c);
}

#if defined(JETVAULT_CRC_X86)

bool has_pclmul_sse41() noexcept {
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
bool has_pclmul() noexcept { return has_pclmul_sse41(); }

// Carry-less folding (Intel, "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ"),
// generic over the polynomial: four 128-bit lanes fold 64 bytes per round, then the lanes fold into
// one, then 16-byte rounds; the final 128-bit remainder is run through the table code from a zero
// register (which is exactly "multiply by x^w and reduce"), then the tail.
__attribute__((target("pclmul,sse4.1"))) inline __m128i fold(__m128i x, FoldK k, __m128i next) noexcept {
  const __m128i kk = _mm_set_epi64x(static_cast<long long>(k.for_hi), static_cast<long long>(k.for_lo));
  const __m128i a = _mm_clmulepi64_si128(x, kk, 0x00);
  const __m128i b = _mm_clmulepi64_si128(x, kk, 0x11);
  return _mm_xor_si128(_mm_xor_si128(a, b), next);
}

template <typename T>
__attribute__((target("pclmul,sse4.1"))) T pclmul_update(const Slice8<T>& table, const FoldSet& k, T reg,
                                                          const uint8_t* p, size_t len) noexcept {
  if (len < 64) return slice8_update(table, reg, p, len);
  auto load = [](const uint8_t* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
  __m128i x0 = _mm_xor_si128(load(p), _mm_set_epi64x(0, static_cast<long long>(static_cast<uint64_t>(reg))));
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  len -= 64;
  for (; len >= 64; p += 64, len -= 64) {
    x0 = fold(x0, k.by512, load(p));
    x1 = fold(x1, k.by512, load(p + 16));
    x2 = fold(x2, k.by512, load(p + 32));
    x3 = fold(x3, k.by512, load(p + 48));
  }
  __m128i x = fold(x0, k.by384, fold(x1, k.by256, fold(x2, k.by128, x3)));
  for (; len >= 16; p += 16, len -= 16) x = fold(x, k.by128, load(p));
  alignas(16) uint8_t rem[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(rem), x);
  const T r = slice8_update<T>(table, 0, rem, 16);
  return slice8_update(table, r, p, len);
}

// The same folding with 512-bit VPCLMULQDQ (AVX-512): 16 lanes of 128 bits in flight, 256 bytes per
// round; the lanes are then folded down to one xmm and finished as above.
#define JETVAULT_AVX512_TARGET "avx512f,vpclmulqdq,pclmul,sse4.1"
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's own _mm512_undefined_*() (`__m512i __Y = __Y;`) trips -Wmaybe-uninitialized when inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

__attribute__((target(JETVAULT_AVX512_TARGET))) inline __m512i k512(FoldK k) noexcept {
  return _mm512_broadcast_i32x4(
      _mm_set_epi64x(static_cast<long long>(k.for_hi), static_cast<long long>(k.for_lo)));
}

__attribute__((target(JETVAULT_AVX512_TARGET))) inline __m512i fold512(__m512i x, __m512i k,
                                                                       __m512i next) noexcept {
  const __m512i a = _mm512_clmulepi64_epi128(x, k, 0x00);
  const __m512i b = _mm512_clmulepi64_epi128(x, k, 0x11);
  return _mm512_ternarylogic_epi64(a, b, next, 0x96);  // a ^ b ^ next
}

// (A lambda would not inherit the target attribute.)
__attribute__((target(JETVAULT_AVX512_TARGET))) inline __m512i load(const uint8_t* q) noexcept {
  return _mm512_loadu_si512(reinterpret_cast<const void*>(q));
}

template <typename T>
__attribute__((target(JETVAULT_AVX512_TARGET))) T vpclmul512_update(const Slice8<T>& table, const FoldSet& k,
                                                                    const FoldSetWide& kw, T reg,
                                                                    const uint8_t* p, size_t len) noexcept {
  if (len < 256) return pclmul_update(table, k, reg, p, len);
  const __m512i r = _mm512_inserti32x4(_mm512_setzero_si512(),
                                       _mm_set_epi64x(0, static_cast<long long>(static_cast<uint64_t>(reg))), 0);
  __m512i x0 = _mm512_xor_si512(load(p), r);
  __m512i x1 = load(p + 64), x2 = load(p + 128), x3 = load(p + 192);
  p += 256;
  len -= 256;
  const __m512i k2048 = k512(kw.by2048);
  for (; len >= 256; p += 256, len -= 256) {
    x0 = fold512(x0, k2048, load(p));
    x1 = fold512(x1, k2048, load(p + 64));
    x2 = fold512(x2, k2048, load(p + 128));
    x3 = fold512(x3, k2048, load(p + 192));
  }
  const __m512i k512b = k512(kw.by512);
  __m512i x = fold512(x0, k512(kw.by1536), fold512(x1, k512(kw.by1024), fold512(x2, k512b, x3)));
  for (; len >= 64; p += 64, len -= 64) x = fold512(x, k512b, load(p));
  // Lane j holds bytes [16j, 16j + 16) of the last 64: the first lane is the highest degree.
  const __m128i l0 = _mm512_extracti32x4_epi32(x, 0), l1 = _mm512_extracti32x4_epi32(x, 1);
  const __m128i l2 = _mm512_extracti32x4_epi32(x, 2), l3 = _mm512_extracti32x4_epi32(x, 3);
  __m128i y = fold(l0, k.by384, fold(l1, k.by256, fold(l2, k.by128, l3)));
  for (; len >= 16; p += 16, len -= 16) {
    y = fold(y, k.by128, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  alignas(16) uint8_t rem[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(rem), y);
  const T rr = slice8_update<T>(table, 0, rem, 16);
  return slice8_update(table, rr, p, len);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

constexpr FoldSetWide kCrc32Wide = fold_set_wide(kCrc32Poly, 32);
constexpr FoldSetWide kCrc64Wide = fold_set_wide(kCrc64NvmePoly, 64);

// libgcc reports AVX-512 features only when the OS saves the ZMM state (it checks XGETBV).
bool has_vpclmul512() noexcept {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") && has_pclmul_sse41();
}

constexpr FoldSet kCrc32Fold = fold_set(kCrc32Poly, 32);
constexpr FoldSet kCrc32cFold = fold_set(kCrc32cPoly, 32);
constexpr FoldSet kCrc64Fold = fold_set(kCrc64NvmePoly, 64);

bool has_sse42() noexcept { return __builtin_cpu_supports("sse4.2"); }

// CRC-32C with the SSE4.2 crc32 instruction: three independent streams hide its 3-cycle latency;
// they are joined by shifting the first two registers forward with a carry-less multiply by
// x^(8·len) mod P, reduced by the crc32 instruction itself.
__attribute__((target("sse4.2,pclmul"))) inline uint32_t crc32c_shift(uint32_t reg, uint32_t xpow) noexcept {
  const __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(reg)),
                                            _mm_cvtsi32_si128(static_cast<int>(xpow)), 0x00);
  const uint64_t v = static_cast<uint64_t>(_mm_cvtsi128_si64(prod)) << 1;
  return _mm_crc32_u32(0, static_cast<uint32_t>(v)) ^ static_cast<uint32_t>(v >> 32);
}

template <size_t kLane>
__attribute__((target("sse4.2,pclmul"))) inline uint32_t crc32c_3way(uint32_t reg, const uint8_t*& p,
                                                                     size_t& len) noexcept {
  constexpr uint32_t k1 = xpow_mod_refl32(kCrc32cPoly, 8 * kLane);
  constexpr uint32_t k2 = xpow_mod_refl32(kCrc32cPoly, 16 * kLane);
  uint64_t a = reg;
  for (; len >= 3 * kLane; p += 3 * kLane, len -= 3 * kLane) {
    uint64_t b = 0, c = 0;
    for (size_t i = 0; i < kLane; i += 8) {
      a = _mm_crc32_u64(a, load_le64(p + i));
      b = _mm_crc32_u64(b, load_le64(p + kLane + i));
      c = _mm_crc32_u64(c, load_le64(p + 2 * kLane + i));
    }
    a = crc32c_shift(static_cast<uint32_t>(a), k2) ^ crc32c_shift(static_cast<uint32_t>(b), k1) ^
        static_cast<uint32_t>(c);
  }
  return static_cast<uint32_t>(a);
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42_1way(uint32_t reg, const uint8_t* p, size_t len) noexcept {
  uint64_t c = reg;
  for (; len >= 8; p += 8, len -= 8) c = _mm_crc32_u64(c, load_le64(p));
  uint32_t r = static_cast<uint32_t>(c);
  for (; len > 0; ++p, --len) r = _mm_crc32_u8(r, *p);
  return r;
}

__attribute__((target("sse4.2,pclmul"))) uint32_t crc32c_sse42(uint32_t reg, const uint8_t* p,
                                                               size_t len) noexcept {
  reg = crc32c_3way<4096>(reg, p, len);
  reg = crc32c_3way<256>(reg, p, len);
  return crc32c_sse42_1way(reg, p, len);
}

#endif  // JETVAULT_CRC_X86

#if defined(JETVAULT_CRC_ARM64)

bool has_arm_crc() noexcept { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }

__attribute__((target("+crc"))) uint32_t crc32c_armv8(uint32_t reg, const uint8_t* p, size_t len) noexcept {
  for (; len >= 8; p += 8, len -= 8) reg = __crc32cd(reg, load_le64(p));
  for (; len > 0; ++p, --len) reg = __crc32cb(reg, *p);
  return reg;
}

__attribute__((target("+crc"))) uint32_t crc32_armv8(uint32_t reg, const uint8_t* p, size_t len) noexcept {
  for (; len >= 8; p += 8, len -= 8) reg = __crc32d(reg, load_le64(p));
  for (; len > 0; ++p, --len) reg = __crc32b(reg, *p);
  return reg;
}

#endif  // JETVAULT_CRC_ARM64

}  // namespace

uint32_t crc32_update_table(uint32_t reg, const uint8_t* data, size_t len) noexcept {
  return slice8_update(kCrc32Table, reg, data, len);
}
uint32_t crc32c_update_table(uint32_t reg, const uint8_t* data, size_t len) noexcept {
  return slice8_update(kCrc32cTable, reg, data, len);
}
uint64_t crc64nvme_update_table(uint64_t reg, const uint8_t* data, size_t len) noexcept {
  return slice8_update(kCrc64Table, reg, data, len);
}

uint32_t crc32_update(uint32_t reg, const uint8_t* data, size_t len) noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_vpclmul512()) return vpclmul512_update(kCrc32Table, kCrc32Fold, kCrc32Wide, reg, data, len);
  if (has_pclmul()) return pclmul_update(kCrc32Table, kCrc32Fold, reg, data, len);
#elif defined(JETVAULT_CRC_ARM64)
  if (has_arm_crc()) return crc32_armv8(reg, data, len);
#endif
  return crc32_update_table(reg, data, len);
}

uint32_t crc32c_update(uint32_t reg, const uint8_t* data, size_t len) noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_sse42()) {
    return has_pclmul() ? crc32c_sse42(reg, data, len) : crc32c_sse42_1way(reg, data, len);
  }
  if (has_pclmul()) return pclmul_update(kCrc32cTable, kCrc32cFold, reg, data, len);
#elif defined(JETVAULT_CRC_ARM64)
  if (has_arm_crc()) return crc32c_armv8(reg, data, len);
#endif
  return crc32c_update_table(reg, data, len);
}

uint64_t crc64nvme_update(uint64_t reg, const uint8_t* data, size_t len) noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_vpclmul512()) return vpclmul512_update(kCrc64Table, kCrc64Fold, kCrc64Wide, reg, data, len);
  if (has_pclmul()) return pclmul_update(kCrc64Table, kCrc64Fold, reg, data, len);
#endif
  return crc64nvme_update_table(reg, data, len);
}

bool crc_update_with(int kind, const char* impl, uint64_t* reg, const uint8_t* data, size_t len) noexcept {
  const auto is = [impl](const char* name) { return std::strcmp(impl, name) == 0; };
  const uint32_t r32 = static_cast<uint32_t>(*reg);
  if (is("table")) {
    *reg = kind == 0   ? crc32_update_table(r32, data, len)
           : kind == 1 ? crc32c_update_table(r32, data, len)
                       : crc64nvme_update_table(*reg, data, len);
    return kind >= 0 && kind <= 2;
  }
#if defined(JETVAULT_CRC_X86)
  if (is("pclmul") && has_pclmul()) {
    if (kind == 0) *reg = pclmul_update(kCrc32Table, kCrc32Fold, r32, data, len);
    if (kind == 1) *reg = pclmul_update(kCrc32cTable, kCrc32cFold, r32, data, len);
    if (kind == 2) *reg = pclmul_update(kCrc64Table, kCrc64Fold, *reg, data, len);
    return kind >= 0 && kind <= 2;
  }
  if (is("vpclmul-avx512") && has_vpclmul512() && (kind == 0 || kind == 2)) {
    *reg = kind == 0 ? vpclmul512_update(kCrc32Table, kCrc32Fold, kCrc32Wide, r32, data, len)
                     : vpclmul512_update(kCrc64Table, kCrc64Fold, kCrc64Wide, *reg, data, len);
    return true;
  }
  if (is("sse42") && has_sse42() && kind == 1) {
    *reg = crc32c_sse42_1way(r32, data, len);
    return true;
  }
  if (is("sse42-3way") && has_sse42() && has_pclmul() && kind == 1) {
    *reg = crc32c_sse42(r32, data, len);
    return true;
  }
#elif defined(JETVAULT_CRC_ARM64)
  if (is("armv8-crc") && has_arm_crc() && kind <= 1) {
    *reg = kind == 0 ? crc32_armv8(r32, data, len) : crc32c_armv8(r32, data, len);
    return kind >= 0;
  }
#endif
  return false;
}

const char* crc32_impl() noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_vpclmul512()) return "vpclmul-avx512";
  if (has_pclmul()) return "pclmul";
#elif defined(JETVAULT_CRC_ARM64)
  if (has_arm_crc()) return "armv8-crc";
#endif
  return "table";
}

const char* crc32c_impl() noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_sse42()) return has_pclmul() ? "sse42-3way" : "sse42";
  if (has_pclmul()) return "pclmul";
#elif defined(JETVAULT_CRC_ARM64)
  if (has_arm_crc()) return "armv8-crc";
#endif
  return "table";
}

const char* crc64nvme_impl() noexcept {
#if defined(JETVAULT_CRC_X86)
  if (has_vpclmul512()) return "vpclmul-avx512";
  if (has_pclmul()) return "pclmul";
#endif
  return "table";
}

}  // namespace jetvault
