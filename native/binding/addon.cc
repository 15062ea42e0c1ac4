// Thin N-API glue over native/src (DESIGN habit 9): convert arguments and results, nothing else.
//
// The addon is loaded by the main thread and by every Piscina worker, each with its own napi_env.
// Napi::Addon gives one instance per environment (NODE_API_ADDON registers a context-aware module
// through napi_register_module_v1), and there is no mutable static state anywhere in the addon.
#include <napi.h>

#include "cpu_features.h"
#include "library_versions.h"

namespace {

// Bumped whenever the JS-visible surface of the binding changes; src/crypto/native.ts refuses a
// binary with another value (a stale native/build after a pull) and says how to rebuild it.
constexpr uint32_t kBindingVersion = 1;

class JetvaultNative final : public Napi::Addon<JetvaultNative> {
 public:
  JetvaultNative(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("capabilities", &JetvaultNative::Capabilities, napi_enumerable),
                             InstanceValue("bindingVersion", Napi::Number::New(env, kBindingVersion),
                                           napi_enumerable),
                             InstanceValue("addonVersion", Napi::String::New(env, JETVAULT_ADDON_VERSION),
                                           napi_enumerable),
                         });
  }

 private:
  Napi::Value Capabilities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const jetvault::CpuFeatures cpu = jetvault::detect_cpu_features();
    Napi::Object out = Napi::Object::New(env);
    out.Set("arch", cpu.arch);
    out.Set("aesni", cpu.aesni);
    out.Set("pclmulqdq", cpu.pclmulqdq);
    out.Set("vaes", cpu.vaes);
    out.Set("vpclmulqdq", cpu.vpclmulqdq);
    out.Set("avx2", cpu.avx2);
    out.Set("avx512f", cpu.avx512f);
    out.Set("shaNi", cpu.sha_ni);
    out.Set("armAes", cpu.arm_aes);
    out.Set("armPmull", cpu.arm_pmull);
    out.Set("armSha1", cpu.arm_sha1);
    out.Set("armSha2", cpu.arm_sha2);
    out.Set("opensslVersion", jetvault::openssl_runtime_version());
    out.Set("opensslHeaderVersion", jetvault::openssl_header_version());
    out.Set("zstdVersion", jetvault::zstd_version());
    return out;
  }
};

}  // namespace

NODE_API_ADDON(JetvaultNative)
