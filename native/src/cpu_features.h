// CPU features relevant to jetvault's byte work (AES-GCM, GHASH, SHA, CRC, zstd).
// Pure C++: no Node-API here (DESIGN habit 9).
#pragma once

namespace jetvault {

struct CpuFeatures {
  // Node's process.arch spelling: "x64", "arm64", "ia32", "arm", ... ("unknown" otherwise).
  const char* arch = "unknown";

  // x86-64 (CPUID; the AVX-encoded ones also require the OS to save YMM/ZMM state, via XGETBV).
  bool aesni = false;
  bool pclmulqdq = false;
  bool vaes = false;
  bool vpclmulqdq = false;
  bool avx2 = false;
  bool avx512f = false;
  bool sha_ni = false;

  // arm64 (getauxval(AT_HWCAP) on Linux, sysctl on macOS).
  bool arm_aes = false;
  bool arm_pmull = false;
  bool arm_sha1 = false;
  bool arm_sha2 = false;
};

// Queries the CPU on every call: cheap, and keeps the addon free of mutable static state.
CpuFeatures detect_cpu_features() noexcept;

}  // namespace jetvault
