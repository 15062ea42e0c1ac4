#include "cpu_features.h"

#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define JETVAULT_X86 1
#if defined(_MSC_VER)
#include <immintrin.h>
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
#define JETVAULT_ARM64 1
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef AT_HWCAP
#define AT_HWCAP 16
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#endif

namespace jetvault {
namespace {

constexpr const char* compiled_arch() noexcept {
#if defined(__x86_64__) || defined(_M_X64)
  return "x64";
#elif defined(__i386__) || defined(_M_IX86)
  return "ia32";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#elif defined(__arm__) || defined(_M_ARM)
  return "arm";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__loongarch64)
  return "loong64";
#else
  return "unknown";
#endif
}

#if defined(JETVAULT_X86)

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// Returns false when the leaf is above the CPU's maximum basic leaf.
bool cpuid(uint32_t leaf, uint32_t subleaf, CpuidRegs& r) noexcept {
#if defined(_MSC_VER)
  int max_regs[4];
  __cpuid(max_regs, 0);
  if (static_cast<uint32_t>(max_regs[0]) < leaf) return false;
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r.eax = static_cast<uint32_t>(regs[0]);
  r.ebx = static_cast<uint32_t>(regs[1]);
  r.ecx = static_cast<uint32_t>(regs[2]);
  r.edx = static_cast<uint32_t>(regs[3]);
  return true;
#else
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(leaf, subleaf, &a, &b, &c, &d) == 0) return false;
  r.eax = a;
  r.ebx = b;
  r.ecx = c;
  r.edx = d;
  return true;
#endif
}

// XCR0: which register states the OS saves on context switch. Only call when CPUID.1:ECX.OSXSAVE.
uint64_t xgetbv0() noexcept {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  // Inline asm rather than _xgetbv(), which would need -mxsave for this translation unit.
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
#endif
}

constexpr bool bit(uint32_t reg, unsigned n) noexcept { return ((reg >> n) & 1u) != 0; }

void detect_x86(CpuFeatures& f) noexcept {
  CpuidRegs l1;
  if (!cpuid(1, 0, l1)) return;
  f.aesni = bit(l1.ecx, 25);
  f.pclmulqdq = bit(l1.ecx, 1);

  const bool osxsave = bit(l1.ecx, 27);
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  // XMM (bit 1) + YMM (bit 2) state enabled by the OS.
  const bool os_avx = osxsave && (xcr0 & 0x6) == 0x6;
  // ... plus opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7).
  const bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;
  const bool avx = os_avx && bit(l1.ecx, 28);

  CpuidRegs l7;
  if (!cpuid(7, 0, l7)) return;
  f.sha_ni = bit(l7.ebx, 29);  // SSE-encoded: needs only XMM state, always saved on x86-64.
  f.avx2 = avx && bit(l7.ebx, 5);
  f.avx512f = os_avx512 && bit(l7.ebx, 16);
  // VAES / VPCLMULQDQ are VEX/EVEX-encoded: usable only with (at least) YMM state.
  f.vaes = avx && bit(l7.ecx, 9);
  f.vpclmulqdq = avx && bit(l7.ecx, 10);
}

#endif  // JETVAULT_X86

#if defined(JETVAULT_ARM64)

#if defined(__APPLE__)
bool sysctl_flag(const char* name) noexcept {
  int value = 0;
  size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}
#endif

void detect_arm64(CpuFeatures& f) noexcept {
#if defined(__linux__)
  // Bit numbers from the kernel's arch/arm64/include/uapi/asm/hwcap.h.
  const unsigned long hwcap = getauxval(AT_HWCAP);
  f.arm_aes = (hwcap & (1ul << 3)) != 0;    // HWCAP_AES
  f.arm_pmull = (hwcap & (1ul << 4)) != 0;  // HWCAP_PMULL
  f.arm_sha1 = (hwcap & (1ul << 5)) != 0;   // HWCAP_SHA1
  f.arm_sha2 = (hwcap & (1ul << 6)) != 0;   // HWCAP_SHA2
#elif defined(__APPLE__)
  f.arm_aes = sysctl_flag("hw.optional.arm.FEAT_AES");
  f.arm_pmull = sysctl_flag("hw.optional.arm.FEAT_PMULL");
  f.arm_sha1 = sysctl_flag("hw.optional.arm.FEAT_SHA1");
  f.arm_sha2 = sysctl_flag("hw.optional.arm.FEAT_SHA256");
#else
  (void)f;  // Unknown OS: report nothing rather than guess.
#endif
}

#endif  // JETVAULT_ARM64

}  // namespace

CpuFeatures detect_cpu_features() noexcept {
  CpuFeatures f;
  f.arch = compiled_arch();
#if defined(JETVAULT_X86)
  detect_x86(f);
#endif
#if defined(JETVAULT_ARM64)
  detect_arm64(f);
#endif
  return f;
}

}  // namespace jetvault
