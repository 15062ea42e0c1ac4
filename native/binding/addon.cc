// Thin N-API glue over native/src (DESIGN habit 9): convert arguments and results, nothing else.
//
// The addon is loaded by the main thread and by every Piscina worker, each with its own napi_env.
// Napi::Addon gives one instance per environment (NODE_API_ADDON registers a context-aware module
// through napi_register_module_v1), and there is no mutable static state anywhere in the addon.
//
// Hot-path calls take their buffers as typed arrays and write into the caller's memory (output
// frames, plaintext, offsets, hash state): nothing is copied or allocated on the JS heap. The TS
// façade (src/crypto/native.ts) validates arguments first; the checks here only keep the C++ layer
// memory-safe, and fail with TypeError.
#include <napi.h>

#include <cstring>
#include <string>
#include <utility>

#include "cpu_features.h"
#include "crc.h"
#include "frames.h"
#include "hashes.h"
#include "library_versions.h"

namespace {

// Bumped whenever the JS-visible surface of the binding changes; src/crypto/native.ts refuses a
// binary with another value (a stale native/build after a pull) and says how to rebuild it.
constexpr uint32_t kBindingVersion = 2;

// Digest layout of hashFinal's output buffer.
constexpr size_t kDigestsLen = 16 + 20 + 32 + 4 + 4 + 8;

struct Bytes {
  uint8_t* data;
  size_t len;
};

[[noreturn]] void type_error(Napi::Env env, const std::string& what) {
  Napi::Error e = Napi::TypeError::New(env, what);
  e.Set("code", Napi::String::New(env, "ERR_JETVAULT_ARGUMENT"));
  throw e;
}

Bytes u8(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    type_error(info.Env(), std::string(name) + " must be a Uint8Array");
  }
  auto a = v.As<Napi::Uint8Array>();
  // A zero-length (or detached) array may have no data pointer; the C++ layer never reads it then.
  static const uint8_t kEmpty = 0;
  uint8_t* p = a.ByteLength() == 0 ? const_cast<uint8_t*>(&kEmpty) : a.Data();
  return Bytes{p, a.ByteLength()};
}

Bytes u8_len(const Napi::CallbackInfo& info, size_t i, const char* name, size_t len) {
  const Bytes b = u8(info, i, name);
  if (b.len != len) type_error(info.Env(), std::string(name) + " must be " + std::to_string(len) + " bytes");
  return b;
}

Napi::Uint32Array u32a(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    type_error(info.Env(), std::string(name) + " must be a Uint32Array");
  }
  return v.As<Napi::Uint32Array>();
}

uint32_t u32(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t min, uint32_t max) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) type_error(info.Env(), std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || d != static_cast<double>(static_cast<uint32_t>(d))) {
    type_error(info.Env(), std::string(name) + " must be an integer in " + std::to_string(min) + ".." +
                               std::to_string(max));
  }
  return static_cast<uint32_t>(d);
}

bool boolean(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) type_error(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

bool overlap(const Bytes& a, const Bytes& b) { return a.len > 0 && b.len > 0 && a.data < b.data + b.len && b.data < a.data + a.len; }

jetvault::StreamParams stream_params(const Napi::CallbackInfo& info) {
  jetvault::StreamParams s;
  s.dek = u8_len(info, 0, "dek", jetvault::kDekLen).data;
  s.object_id = u8_len(info, 1, "objectId", jetvault::kObjectIdLen).data;
  s.salt = u8_len(info, 2, "salt", jetvault::kSaltLen).data;
  s.part = u32(info, 3, "part", 0, jetvault::kMaxPart);
  s.log2f = static_cast<uint8_t>(u32(info, 4, "log2F", jetvault::kMinLog2F, jetvault::kMaxLog2F));
  return s;
}

// Optional hash state argument: null/undefined, or a Uint8Array made by hashInit.
bool load_hashes(const Napi::CallbackInfo& info, size_t i, jetvault::HashState& st, Bytes& buf) {
  if (info[i].IsNull() || info[i].IsUndefined()) return false;
  buf = u8(info, i, "hashState");
  if (const char* err = jetvault::hash_load(buf.data, buf.len, st)) type_error(info.Env(), err);
  return true;
}

[[noreturn]] void codec_error(Napi::Env env, const jetvault::CodecResult& r) {
  if (r.status == jetvault::CodecStatus::kArgument) type_error(env, r.message);
  Napi::Error e = Napi::Error::New(env, r.message);
  e.Set("code", Napi::String::New(env, jetvault::codec_status_code(r.status)));
  e.Set("frame", Napi::Number::New(env, r.frame));
  e.Set("index", Napi::Number::New(env, r.index));
  throw e;
}

class JetvaultNative final : public Napi::Addon<JetvaultNative> {
 public:
  JetvaultNative(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports,
                {
                    InstanceMethod("capabilities", &JetvaultNative::Capabilities, napi_enumerable),
                    InstanceMethod("hashImplementations", &JetvaultNative::HashImplementations, napi_enumerable),
                    InstanceMethod("crcWith", &JetvaultNative::CrcWith, napi_enumerable),
                    InstanceMethod("hashInit", &JetvaultNative::HashInit, napi_enumerable),
                    InstanceMethod("hashUpdate", &JetvaultNative::HashUpdate, napi_enumerable),
                    InstanceMethod("hashFinal", &JetvaultNative::HashFinal, napi_enumerable),
                    InstanceMethod("sealBatch", &JetvaultNative::SealBatch, napi_enumerable),
                    InstanceMethod("openBatch", &JetvaultNative::OpenBatch, napi_enumerable),
                    InstanceMethod("zstdCompressedLength", &JetvaultNative::ZstdCompressedLength, napi_enumerable),
                    InstanceValue("bindingVersion", Napi::Number::New(env, kBindingVersion), napi_enumerable),
                    InstanceValue("addonVersion", Napi::String::New(env, JETVAULT_ADDON_VERSION), napi_enumerable),
                    InstanceValue("hashStateSize", Napi::Number::New(env, jetvault::kHashStateSize), napi_enumerable),
                    InstanceValue("digestsSize", Napi::Number::New(env, kDigestsLen), napi_enumerable),
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

  Napi::Value HashImplementations(const Napi::CallbackInfo& info) {
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("crc32", jetvault::crc32_impl());
    out.Set("crc32c", jetvault::crc32c_impl());
    out.Set("crc64nvme", jetvault::crc64nvme_impl());
    return out;
  }

  // crcWith(kind, impl, data) → the CRC (final, as a bigint) of data by that implementation, or null
  // when this CPU lacks it. kind: 0 CRC-32, 1 CRC-32C, 2 CRC-64/NVME. For tests and benchmarks.
  Napi::Value CrcWith(const Napi::CallbackInfo& info) {
    const uint32_t kind = u32(info, 0, "kind", 0, 2);
    if (!info[1].IsString()) type_error(info.Env(), "impl must be a string");
    const std::string impl = info[1].As<Napi::String>().Utf8Value();
    const Bytes data = u8(info, 2, "data");
    uint64_t reg = ~uint64_t{0};
    if (!jetvault::crc_update_with(static_cast<int>(kind), impl.c_str(), &reg, data.data, data.len)) {
      return info.Env().Null();
    }
    const uint64_t final = kind == 2 ? ~reg : uint64_t{~static_cast<uint32_t>(reg)};
    return Napi::BigInt::New(info.Env(), final);
  }

  // hashInit(mask, state): writes a fresh state into `state` (hashStateSize bytes).
  Napi::Value HashInit(const Napi::CallbackInfo& info) {
    const uint32_t mask = u32(info, 0, "mask", 0, jetvault::kHashAll);
    const Bytes out = u8_len(info, 1, "hashState", jetvault::kHashStateSize);
    jetvault::hash_store(jetvault::hash_init(static_cast<uint8_t>(mask)), out.data);
    return info.Env().Undefined();
  }

  // hashUpdate(state, data): feeds data, updating `state` in place.
  Napi::Value HashUpdate(const Napi::CallbackInfo& info) {
    jetvault::HashState st;
    Bytes buf{};
    if (!load_hashes(info, 0, st, buf)) type_error(info.Env(), "hashState must be a Uint8Array");
    const Bytes data = u8(info, 1, "data");
    jetvault::hash_update(st, data.data, data.len);
    jetvault::hash_store(st, buf.data);
    return info.Env().Undefined();
  }

  // hashFinal(state, digests) → bytes hashed; digests (digestsSize bytes) receives
  // md5 16 ‖ sha1 20 ‖ sha256 32 ‖ crc32 4 ‖ crc32c 4 ‖ crc64nvme 8 (CRCs big-endian). `state` is unchanged.
  Napi::Value HashFinal(const Napi::CallbackInfo& info) {
    jetvault::HashState st;
    Bytes buf{};
    if (!load_hashes(info, 0, st, buf)) type_error(info.Env(), "hashState must be a Uint8Array");
    const Bytes out = u8_len(info, 1, "digests", kDigestsLen);
    const jetvault::HashDigests d = jetvault::hash_final(st);
    uint8_t* p = out.data;
    for (const auto& [src, n] : {std::pair<const uint8_t*, size_t>{d.md5, 16}, {d.sha1, 20}, {d.sha256, 32},
                                 {d.crc32, 4}, {d.crc32c, 4}, {d.crc64nvme, 8}}) {
      std::memcpy(p, src, n);
      p += n;
    }
    return Napi::Number::New(info.Env(), static_cast<double>(d.bytes));
  }

  // sealBatch(dek, objectId, salt, part, log2F, firstIndex, plaintext, final, compress, level, out,
  //           offsets, hashState | null) → number of frames stored compressed.
  Napi::Value SealBatch(const Napi::CallbackInfo& info) {
    jetvault::SealArgs a;
    a.stream = stream_params(info);
    a.first_index = u32(info, 5, "firstIndex", 0, 0xFFFFFFFFu);
    const Bytes plain = u8(info, 6, "plaintext");
    a.plain = plain.data;
    a.plain_len = plain.len;
    a.final = boolean(info, 7, "final");
    a.compress = boolean(info, 8, "compress");
    a.level = static_cast<int>(u32(info, 9, "level", 1, 19));
    const Bytes out = u8(info, 10, "out");
    if (overlap(plain, out)) type_error(info.Env(), "out must not overlap plaintext");
    a.out = out.data;
    a.out_cap = out.len;
    Napi::Uint32Array offsets = u32a(info, 11, "offsets");
    a.offsets = offsets.Data();
    a.offsets_cap = offsets.ElementLength();
    jetvault::HashState st;
    Bytes hbuf{};
    if (load_hashes(info, 12, st, hbuf)) a.hashes = &st;
    const jetvault::CodecResult r = jetvault::seal_batch(a);
    if (!r.ok()) codec_error(info.Env(), r);
    if (a.hashes != nullptr) jetvault::hash_store(st, hbuf.data);
    return Napi::Number::New(info.Env(), r.compressed);
  }

  // openBatch(dek, objectId, salt, part, log2F, firstIndex, frames, offsets, expectFinal, out,
  //           hashState | null) → plaintext bytes written to out.
  Napi::Value OpenBatch(const Napi::CallbackInfo& info) {
    jetvault::OpenArgs a;
    a.stream = stream_params(info);
    a.first_index = u32(info, 5, "firstIndex", 0, 0xFFFFFFFFu);
    const Bytes frames = u8(info, 6, "frames");
    a.frames = frames.data;
    a.frames_len = frames.len;
    Napi::Uint32Array offsets = u32a(info, 7, "offsets");
    if (offsets.ElementLength() < 2) type_error(info.Env(), "offsets must have at least 2 entries");
    a.offsets = offsets.Data();
    a.frame_count = offsets.ElementLength() - 1;
    a.expect_final = boolean(info, 8, "expectFinal");
    const Bytes out = u8(info, 9, "out");
    if (overlap(frames, out)) type_error(info.Env(), "out must not overlap frames");
    a.out = out.data;
    a.out_cap = out.len;
    jetvault::HashState st;
    Bytes hbuf{};
    if (load_hashes(info, 10, st, hbuf)) a.hashes = &st;
    const jetvault::CodecResult r = jetvault::open_batch(a);
    if (!r.ok()) codec_error(info.Env(), r);
    if (a.hashes != nullptr) jetvault::hash_store(st, hbuf.data);
    return Napi::Number::New(info.Env(), static_cast<double>(r.out_len));
  }

  // zstdCompressedLength(data, level) → length of the zstd frame of data at that level.
  Napi::Value ZstdCompressedLength(const Napi::CallbackInfo& info) {
    const Bytes data = u8(info, 0, "data");
    const int level = static_cast<int>(u32(info, 1, "level", 1, 19));
    const long long n = jetvault::zstd_compressed_length(data.data, data.len, level);
    if (n < 0) throw Napi::Error::New(info.Env(), "zstd compression failed");
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }
};

}  // namespace

NODE_API_ADDON(JetvaultNative)
