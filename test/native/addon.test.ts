// The native addon on the main thread: it loads, reports the CPU truthfully, runs on Node's own
// OpenSSL and Debian's libzstd, and fails with a message that names the fix when it is missing.
import assert from 'node:assert/strict';
import { packageRoot } from '../../src/config/package-root.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BINDING_VERSION,
  NativeAddonError,
  capabilities,
  loadNativeBinding,
  native,
  nativeBinaryPath,
  type Capabilities,
} from '../../src/crypto/native.js';

const FLAG_KEYS = [
  'aesni',
  'pclmulqdq',
  'vaes',
  'vpclmulqdq',
  'avx2',
  'avx512f',
  'shaNi',
  'armAes',
  'armPmull',
  'armSha1',
  'armSha2',
] as const;
const X86_FLAGS = ['aesni', 'pclmulqdq', 'vaes', 'vpclmulqdq', 'avx2', 'avx512f', 'shaNi'] as const;
const ARM_FLAGS = ['armAes', 'armPmull', 'armSha1', 'armSha2'] as const;

/** The feature words of the first CPU in /proc/cpuinfo ("flags" on x86, "Features" on arm64). */
function cpuinfoFeatures(field: 'flags' | 'Features'): Set<string> {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field));
  assert.ok(line, `/proc/cpuinfo has no "${field}" line`);
  return new Set(
    line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/),
  );
}

/** "OpenSSL 3.0.19 27 Jan 2026" → "3.0.19"; process.versions.openssl "3.0.19+quic" → "3.0.19". */
function versionNumber(text: string): string {
  const m = /(\d+\.\d+\.\d+)/.exec(text);
  assert.ok(m?.[1], `no version number in ${JSON.stringify(text)}`);
  return m[1];
}

describe('native addon (main thread)', () => {
  it('is found under the package root and loads', () => {
    const root = packageRoot();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string };
    assert.equal(pkg.name, 'jetvault');
    assert.equal(nativeBinaryPath(), join(root, 'native', 'build', 'Release', 'jetvault_native.node'));
    assert.ok(existsSync(nativeBinaryPath()));
    const binding = native();
    assert.equal(binding.bindingVersion, BINDING_VERSION);
    assert.match(binding.addonVersion, /^\d+\.\d+\.\d+$/);
    assert.equal(native(), binding, 'loaded once per thread');
  });

  it('reports capabilities with the documented shape', () => {
    const caps = capabilities();
    assert.deepEqual(
      Object.keys(caps).sort(),
      [...FLAG_KEYS, 'arch', 'opensslVersion', 'opensslHeaderVersion', 'zstdVersion'].sort(),
    );
    for (const key of FLAG_KEYS) assert.equal(typeof caps[key], 'boolean', key);
    assert.equal(caps.arch, process.arch);
    // Each call asks the CPU again (no cached state in the addon): same answer.
    assert.deepEqual(capabilities(), caps);
  });

  it('reports false for every flag of another architecture', () => {
    const caps = capabilities();
    const foreign: readonly (keyof Capabilities)[] =
      process.arch === 'x64' ? ARM_FLAGS : process.arch === 'arm64' ? X86_FLAGS : FLAG_KEYS;
    for (const key of foreign) assert.equal(caps[key], false, key);
  });

  // jetvault runs on Linux x86-64 and arm64 (DESIGN: multi-arch containers); each checks its own flags.
  it('matches /proc/cpuinfo for this architecture', () => {
    const caps = capabilities();
    if (process.arch === 'arm64') {
      const features = cpuinfoFeatures('Features');
      assert.equal(caps.armAes, features.has('aes'));
      assert.equal(caps.armPmull, features.has('pmull'));
      assert.equal(caps.armSha1, features.has('sha1'));
      assert.equal(caps.armSha2, features.has('sha2'));
      return;
    }
    assert.equal(process.arch, 'x64', 'jetvault supports Linux x64 and arm64');
    const flags = cpuinfoFeatures('flags');
    const expected: Record<(typeof X86_FLAGS)[number], string> = {
      aesni: 'aes',
      pclmulqdq: 'pclmulqdq',
      vaes: 'vaes',
      vpclmulqdq: 'vpclmulqdq',
      avx2: 'avx2',
      avx512f: 'avx512f',
      shaNi: 'sha_ni',
    };
    for (const [key, flag] of Object.entries(expected) as [keyof typeof expected, string][]) {
      assert.equal(caps[key], flags.has(flag), `${key} vs cpuinfo "${flag}"`);
    }
  });

  it("runs on Node's own OpenSSL, compiled against Node's headers", () => {
    const caps = capabilities();
    assert.match(caps.opensslVersion, /^OpenSSL \d+\.\d+\.\d+/);
    const nodeOpenssl = process.versions.openssl;
    assert.ok(nodeOpenssl, 'this node has OpenSSL');
    assert.equal(versionNumber(caps.opensslVersion), versionNumber(nodeOpenssl));
    assert.equal(caps.opensslHeaderVersion, caps.opensslVersion);
  });

  it('does not link libcrypto/libssl, only libzstd', () => {
    // readelf comes with binutils, which the C++ toolchain that built the addon depends on.
    const dynamic = execFileSync('readelf', ['-d', nativeBinaryPath()], { encoding: 'utf8' });
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    assert.ok(needed.length > 0, 'readelf output parsed');
    assert.deepEqual(
      needed.filter((lib) => /libcrypto|libssl/.test(lib ?? '')),
      [],
    );
    assert.ok(
      needed.some((lib) => /^libzstd\.so/.test(lib ?? '')),
      `libzstd is a NEEDED entry: ${needed.join(', ')}`,
    );
  });

  it('reports the zstd version', () => {
    assert.match(capabilities().zstdVersion, /^1\.\d+\.\d+$/);
  });

  it('names the fix when the binary is missing', () => {
    const missing = join(tmpdir(), 'jetvault-no-such-dir', 'jetvault_native.node');
    assert.throws(
      () => loadNativeBinding(missing),
      (err: unknown) => {
        assert.ok(err instanceof NativeAddonError);
        assert.ok(err.message.includes(missing), err.message);
        assert.match(err.message, /npm ci/);
        assert.match(err.message, /cmake-js compile --directory native --out native\/build/);
        return true;
      },
    );
  });

  it('names the fix when the binary is not a loadable addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jetvault-native-'));
    try {
      const bogus = join(dir, 'jetvault_native.node');
      writeFileSync(bogus, 'not an ELF file');
      assert.throws(
        () => loadNativeBinding(bogus),
        (err: unknown) => {
          assert.ok(err instanceof NativeAddonError);
          assert.match(err.message, /failed to load/);
          assert.match(err.message, /npm ci/);
          assert.ok(err.cause instanceof Error);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
