// TypeScript façade over the native addon (DESIGN habit 9: pure C++ → thin N-API glue → this).
// Loads native/build/Release/jetvault_native.node once per thread (main thread and each pool worker
// load their own instance; the addon is context-aware and keeps no static state).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binding surface this façade was written against; native/binding/addon.cc kBindingVersion. */
export const BINDING_VERSION = 1;

const PACKAGE_NAME = 'jetvault';
const BINARY_RELATIVE_PATH = join('native', 'build', 'Release', 'jetvault_native.node');
const REBUILD_HINT =
  'Run `npm ci` (or `npm install`) in the jetvault directory to build it, or rebuild just the addon with ' +
  '`npx cmake-js compile --directory native --out native/build` (needs cmake, a C++17 compiler and libzstd-dev).';

/** What the machine and the addon's libraries offer; flags of another architecture are false. */
export interface Capabilities {
  /** Same spelling as process.arch. */
  readonly arch: string;
  readonly aesni: boolean;
  readonly pclmulqdq: boolean;
  readonly vaes: boolean;
  readonly vpclmulqdq: boolean;
  readonly avx2: boolean;
  readonly avx512f: boolean;
  readonly shaNi: boolean;
  readonly armAes: boolean;
  readonly armPmull: boolean;
  readonly armSha1: boolean;
  readonly armSha2: boolean;
  /** OpenSSL_version(OPENSSL_VERSION) at run time: Node's own OpenSSL, e.g. "OpenSSL 3.0.19 27 Jan 2026". */
  readonly opensslVersion: string;
  /** OPENSSL_VERSION_TEXT of the headers the addon was compiled with. */
  readonly opensslHeaderVersion: string;
  /** ZSTD_versionString() of the loaded libzstd, e.g. "1.5.4". */
  readonly zstdVersion: string;
}

/** The raw exports of jetvault_native.node. */
export interface NativeBinding {
  readonly bindingVersion: number;
  readonly addonVersion: string;
  capabilities(): Capabilities;
}

export class NativeAddonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeAddonError';
  }
}

/**
 * The directory holding jetvault's package.json. Walks up from this module, so it works both from
 * the compiled dist/src/crypto/native.js and from any other layout.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
        if (pkg.name === PACKAGE_NAME) return dir;
      } catch {
        // An unreadable package.json further down (e.g. a broken fixture): keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new NativeAddonError(`Cannot find the ${PACKAGE_NAME} package.json above ${from}`);
    }
    dir = parent;
  }
}

/** Where the addon binary is expected. */
export function nativeBinaryPath(): string {
  return join(packageRoot(), BINARY_RELATIVE_PATH);
}

/** Loads and checks an addon binary. Exported for tests; use {@link native} otherwise. */
export function loadNativeBinding(path: string): NativeBinding {
  if (!existsSync(path)) {
    throw new NativeAddonError(
      `The jetvault native addon is missing: ${path} does not exist. ${REBUILD_HINT}`,
    );
  }
  let binding: unknown;
  try {
    binding = createRequire(import.meta.url)(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const message = `The jetvault native addon at ${path} failed to load (${reason}). ${REBUILD_HINT}`;
    throw new NativeAddonError(message, { cause: err });
  }
  const b = binding as Partial<NativeBinding> | null;
  if (b === null || typeof b !== 'object' || typeof b.capabilities !== 'function') {
    throw new NativeAddonError(`${path} is not the jetvault native addon. ${REBUILD_HINT}`);
  }
  if (b.bindingVersion !== BINDING_VERSION) {
    throw new NativeAddonError(
      `The jetvault native addon at ${path} is stale: binding version ${String(b.bindingVersion)}, ` +
        `expected ${BINDING_VERSION}. ${REBUILD_HINT}`,
    );
  }
  return b as NativeBinding;
}

let loaded: NativeBinding | undefined;

/** The addon for this thread, loaded on first use. Throws {@link NativeAddonError} naming the fix. */
export function native(): NativeBinding {
  loaded ??= loadNativeBinding(nativeBinaryPath());
  return loaded;
}

/** CPU features and library versions, from the addon. */
export function capabilities(): Capabilities {
  return native().capabilities();
}
