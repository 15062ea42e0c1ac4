// TypeScript façade over the native addon (DESIGN habit 9: pure C++ → thin N-API glue → this).
// Loads native/build/Release/jetvault_native.node once per thread (main thread and each pool worker
// load their own instance; the addon is context-aware and keeps no static state).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { HashName, OpenBatch, OpenedBatch, SealBatch, SealedBatch, StreamParams } from './codec.js';
import { FormatError, type FormatErrorReason } from './format/errors.js';
import { packageRoot } from '../config/package-root.js';

/** The binding surface this façade was written against; native/binding/addon.cc kBindingVersion. */
export const BINDING_VERSION = 2;

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

/** The raw exports of jetvault_native.node (positional arguments; use the functions below). */
export interface NativeBinding {
  readonly bindingVersion: number;
  readonly addonVersion: string;
  /** Bytes of a serialised hash state. */
  readonly hashStateSize: number;
  /** Bytes hashFinal writes: md5 16 ‖ sha1 20 ‖ sha256 32 ‖ crc32 4 ‖ crc32c 4 ‖ crc64nvme 8. */
  readonly digestsSize: number;
  capabilities(): Capabilities;
  hashImplementations(): HashImplementations;
  hashInit(mask: number, state: Uint8Array): void;
  hashUpdate(state: Uint8Array, data: Uint8Array): void;
  /** Returns the number of bytes hashed. */
  hashFinal(state: Uint8Array, digests: Uint8Array): number;
  /** Returns how many frames were stored compressed. */
  sealBatch(
    dek: Uint8Array,
    objectId: Uint8Array,
    salt: Uint8Array,
    part: number,
    log2F: number,
    firstIndex: number,
    plaintext: Uint8Array,
    final: boolean,
    compress: boolean,
    level: number,
    out: Uint8Array,
    offsets: Uint32Array,
    hashState: Uint8Array | null,
  ): number;
  /** Returns the plaintext length written to out. */
  openBatch(
    dek: Uint8Array,
    objectId: Uint8Array,
    salt: Uint8Array,
    part: number,
    log2F: number,
    firstIndex: number,
    frames: Uint8Array,
    offsets: Uint32Array,
    expectFinal: boolean,
    out: Uint8Array,
    hashState: Uint8Array | null,
  ): number;
  zstdCompressedLength(data: Uint8Array, level: number): number;
  /** A CRC (0 CRC-32, 1 CRC-32C, 2 CRC-64/NVME) by one named implementation; null if this CPU lacks it. */
  crcWith(kind: 0 | 1 | 2, impl: string, data: Uint8Array): bigint | null;
}

/** Which code computes each CRC on this CPU ("pclmul", "sse42-3way", "armv8-crc", "table", …). */
export interface HashImplementations {
  readonly crc32: string;
  readonly crc32c: string;
  readonly crc64nvme: string;
}

export class NativeAddonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeAddonError';
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

/** Which code computes each CRC on this CPU (PCLMULQDQ folding, SSE4.2, ARMv8 CRC or tables). */
export function hashImplementations(): HashImplementations {
  return native().hashImplementations();
}

// ---------------------------------------------------------------------------------------------------
// Argument checks. Wrong types are TypeErrors, wrong sizes and values RangeErrors: both are caller
// bugs. What the *data* gets wrong (a frame that fails a §3 check) is a FormatError, below.
// ---------------------------------------------------------------------------------------------------

export const LOG2F_MIN = 16;
export const LOG2F_MAX = 20;
export const PART_MAX = 10_000;
export const FRAME_OVERHEAD = 24;
const U32_MAX = 0xffff_ffff;
const FLAG_ZSTD = 0x02;
/** zstd levels the addon accepts; 1 is the default (fast, and what the benchmarks measure). */
export const ZSTD_LEVEL_MIN = 1;
export const ZSTD_LEVEL_MAX = 19;

function bytesArg(name: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

function intArg(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

function boolArg(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

function checkStream(stream: StreamParams): void {
  if (stream === null || typeof stream !== 'object') throw new TypeError('stream must be an object');
  bytesArg('stream.dek', stream.dek, 32);
  bytesArg('stream.objectId', stream.objectId, 16);
  bytesArg('stream.salt', stream.salt, 16);
  intArg('stream.part', stream.part, 0, PART_MAX);
  intArg('stream.log2F', stream.log2F, LOG2F_MIN, LOG2F_MAX);
}

function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === 0 || b.length === 0 || a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/**
 * Frames a seal batch of `length` plaintext bytes produces: length / F for a non-final batch (a
 * positive multiple of F), max(1, ⌈length / F⌉) for a final one — a stream of k·F bytes ends with a
 * full FINAL frame, and an empty final batch is one empty FINAL frame (format.md §3).
 */
export function sealFrameCount(length: number, log2F: number, final: boolean): number {
  intArg('plaintext length', length, 0, Number.MAX_SAFE_INTEGER);
  intArg('log2F', log2F, LOG2F_MIN, LOG2F_MAX);
  const f = 2 ** log2F;
  if (final) return Math.max(1, Math.ceil(length / f));
  if (length === 0 || length % f !== 0) {
    throw new RangeError(`a non-final batch must hold a positive multiple of F = ${f} bytes, got ${length}`);
  }
  return length / f;
}

/** Output bytes a seal batch needs at most: the plaintext plus 24 per frame (zstd only shrinks). */
export function sealCapacity(length: number, log2F: number, final: boolean): number {
  return length + FRAME_OVERHEAD * sealFrameCount(length, log2F, final);
}

/**
 * Output bytes opening these frames needs at most: F for a ZSTD frame, its body length otherwise.
 * Reads the (not yet authenticated) headers only to size the buffer; openBatch checks everything.
 */
export function openCapacity(frames: Uint8Array, offsets: readonly number[], log2F: number): number {
  const f = 2 ** intArg('log2F', log2F, LOG2F_MIN, LOG2F_MAX);
  let total = 0;
  for (let k = 0; k + 1 < offsets.length; k++) {
    const start = offsets[k]!;
    const length = offsets[k + 1]! - start;
    if (length < FRAME_OVERHEAD) continue;
    total += (frames[start + 1]! & FLAG_ZSTD) !== 0 ? f : Math.min(f, length - FRAME_OVERHEAD);
  }
  return total;
}

function offsetsArg(offsets: readonly number[], framesLength: number): Uint32Array {
  if (!Array.isArray(offsets)) throw new TypeError('offsets must be an array of numbers');
  if (offsets.length < 2) throw new RangeError('offsets must hold frameCount + 1 ≥ 2 entries');
  const out = new Uint32Array(offsets.length);
  let previous = 0;
  offsets.forEach((o, i) => {
    intArg(`offsets[${i}]`, o, previous, framesLength);
    out[i] = previous = o;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Frame errors: one FormatError (src/crypto/format/errors.ts) with the same reasons the reference
// codec uses, plus the addon's code and where in the batch it happened.
// ---------------------------------------------------------------------------------------------------

const REASONS: Readonly<Record<string, FormatErrorReason>> = {
  ERR_JETVAULT_FRAME_TOO_SHORT: 'short-frame',
  ERR_JETVAULT_FRAME_TOO_LONG: 'too-large',
  ERR_JETVAULT_FRAME_VERSION: 'bad-version',
  ERR_JETVAULT_FRAME_FLAGS: 'bad-flags',
  ERR_JETVAULT_FRAME_RESERVED: 'bad-reserved',
  ERR_JETVAULT_FRAME_INDEX: 'bad-index',
  ERR_JETVAULT_FRAME_AFTER_FINAL: 'trailing-frame',
  ERR_JETVAULT_FINAL_EARLY: 'early-final',
  ERR_JETVAULT_FINAL_MISSING: 'missing-final',
  ERR_JETVAULT_FRAME_LENGTH: 'bad-length',
  ERR_JETVAULT_FRAME_TAG: 'bad-tag',
  ERR_JETVAULT_ZSTD_TOO_LARGE: 'too-large',
  ERR_JETVAULT_ZSTD_CORRUPT: 'bad-zstd',
  ERR_JETVAULT_ZSTD_TRAILING: 'bad-zstd',
};

/** A frame the native codec refused. `frame` is its position in the batch, `index` the index it should carry. */
export class NativeFrameError extends FormatError {
  readonly code: string;
  readonly frame: number;
  readonly index: number;

  constructor(code: string, frame: number, index: number, detail: string) {
    super(REASONS[code] ?? 'bad-params', `${code} batch frame ${frame} index ${index}: ${detail}`);
    this.name = 'NativeFrameError';
    this.code = code;
    this.frame = frame;
    this.index = index;
  }

  /**
   * Rebuilds the error from its message: errors thrown in a worker cross to the main thread by
   * structured clone, which keeps the message but not the class or extra properties.
   */
  static fromMessage(message: string): NativeFrameError | undefined {
    const m = /^[a-z-]+: (ERR_JETVAULT_[A-Z_]+) batch frame (\d+) index (\d+): ([^]*)$/.exec(message);
    if (!m || REASONS[m[1]!] === undefined) return undefined;
    return new NativeFrameError(m[1]!, Number(m[2]), Number(m[3]), m[4]!);
  }
}

function rethrow(err: unknown): never {
  const e = err as { code?: unknown; frame?: unknown; index?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string' && REASONS[e.code] !== undefined) {
    throw new NativeFrameError(e.code, Number(e.frame), Number(e.index), String(e.message));
  }
  throw err;
}

// ---------------------------------------------------------------------------------------------------
// Hashes: one pass for any of MD5, SHA-1, SHA-256, CRC-32, CRC-32C, CRC-64/NVME. The state is an
// opaque byte buffer (docs/native.md) updated in place; it moves between calls and worker threads
// of this process like any other buffer.
// ---------------------------------------------------------------------------------------------------

export const HASH_NAMES: readonly HashName[] = ['md5', 'sha1', 'sha256', 'crc32', 'crc32c', 'crc64nvme'];
const DIGEST_LAYOUT: readonly (readonly [HashName, number, number])[] = [
  ['md5', 0, 16],
  ['sha1', 16, 36],
  ['sha256', 36, 68],
  ['crc32', 68, 72],
  ['crc32c', 72, 76],
  ['crc64nvme', 76, 84],
];

/** Digests of the requested hashes (CRCs as big-endian bytes, as S3 sends them) and the bytes hashed. */
export type HashDigests = { readonly bytes: number } & { readonly [K in HashName]?: Uint8Array };

function hashMask(names: Iterable<HashName>): number {
  let mask = 0;
  for (const name of names) {
    const bit = HASH_NAMES.indexOf(name);
    if (bit < 0)
      throw new RangeError(`unknown hash ${JSON.stringify(name)}; known: ${HASH_NAMES.join(', ')}`);
    mask |= 1 << bit;
  }
  return mask;
}

/** A fresh hash state for `names` (any subset of {@link HASH_NAMES}, possibly empty). */
export function hashInit(names: Iterable<HashName>): Uint8Array {
  const binding = native();
  const state = new Uint8Array(binding.hashStateSize);
  binding.hashInit(hashMask(names), state);
  return state;
}

function stateArg(state: unknown): Uint8Array {
  return bytesArg('hashState', state, native().hashStateSize);
}

/** The hashes a state computes. */
export function hashStateNames(state: Uint8Array): HashName[] {
  const mask = stateArg(state)[1]!;
  return HASH_NAMES.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

/** Feeds `data` to every hash of `state`, in place, for paths without encryption. Returns `state`. */
export function hashUpdate(state: Uint8Array, data: Uint8Array): Uint8Array {
  native().hashUpdate(stateArg(state), bytesArg('data', data));
  return state;
}

/** The digests of everything fed so far. `state` is not changed: the stream may go on. */
export function hashFinal(state: Uint8Array): HashDigests {
  const binding = native();
  const digests = new Uint8Array(binding.digestsSize);
  const bytes = binding.hashFinal(stateArg(state), digests);
  const out: { bytes: number } & { [K in HashName]?: Uint8Array } = { bytes };
  const mask = state[1]!;
  DIGEST_LAYOUT.forEach(([name, from, to], bit) => {
    if ((mask & (1 << bit)) !== 0) out[name] = digests.slice(from, to);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The frame codec (codec.ts contract). Both calls write into a caller-owned `out` (allocated here
// when omitted), and update an optional hash state in place with the plaintext, in the same pass.
// ---------------------------------------------------------------------------------------------------

export interface SealResult extends SealedBatch {
  /** The hash state passed in, updated with this batch's plaintext. */
  readonly hashState: Uint8Array | undefined;
}

export interface OpenResult extends OpenedBatch {
  /** The hash state passed in, updated with this batch's plaintext (only if every frame authenticated). */
  readonly hashState: Uint8Array | undefined;
}

/**
 * Seals a batch into `out` (at least {@link sealCapacity} bytes; the result's `frames` is a view of it).
 * `level` is the zstd level used when `batch.compress` is set.
 */
export function sealBatch(batch: SealBatch, out?: Uint8Array, hashState?: Uint8Array, level = 1): SealResult {
  if (batch === null || typeof batch !== 'object') throw new TypeError('batch must be an object');
  const { stream } = batch;
  checkStream(stream);
  const plaintext = bytesArg('plaintext', batch.plaintext);
  const final = boolArg('final', batch.final);
  const compress = boolArg('compress', batch.compress);
  intArg('level', level, ZSTD_LEVEL_MIN, ZSTD_LEVEL_MAX);
  const frames = sealFrameCount(plaintext.length, stream.log2F, final);
  const firstIndex = intArg('firstIndex', batch.firstIndex, 0, U32_MAX - (frames - 1));
  const capacity = plaintext.length + FRAME_OVERHEAD * frames;
  if (capacity > U32_MAX) throw new RangeError('a batch must stay under 4 GiB of frames');
  const target = out === undefined ? new Uint8Array(capacity) : bytesArg('out', out);
  if (target.length < capacity) {
    throw new RangeError(`out holds ${target.length} bytes; this batch needs ${capacity}`);
  }
  if (overlaps(target, plaintext)) throw new RangeError('out must not overlap plaintext');
  const state = hashState === undefined ? null : stateArg(hashState);
  if (state && overlaps(state, target)) throw new RangeError('hashState must not overlap out');
  const offsets = new Uint32Array(frames + 1);
  let compressed: number;
  try {
    compressed = native().sealBatch(
      stream.dek,
      stream.objectId,
      stream.salt,
      stream.part,
      stream.log2F,
      firstIndex,
      plaintext,
      final,
      compress,
      level,
      target,
      offsets,
      state,
    );
  } catch (err) {
    rethrow(err);
  }
  return {
    frames: target.subarray(0, offsets[frames]),
    offsets: Array.from(offsets),
    compressed,
    hashState: state ?? undefined,
  };
}

/**
 * Opens a batch into `out` (at least {@link openCapacity} bytes; the result's `plaintext` is a view of it).
 * Throws a {@link NativeFrameError} (a FormatError) for any frame format.md §3 rejects; then `out`
 * holds no unauthenticated plaintext and must be discarded, and the hash state is unchanged.
 */
export function openBatch(batch: OpenBatch, out?: Uint8Array, hashState?: Uint8Array): OpenResult {
  if (batch === null || typeof batch !== 'object') throw new TypeError('batch must be an object');
  const { stream } = batch;
  checkStream(stream);
  const frames = bytesArg('frames', batch.frames);
  const expectFinal = boolArg('expectFinal', batch.expectFinal);
  // A batch of no frames (offsets [0]) is what the reference accepts: nothing, or a missing FINAL.
  if (Array.isArray(batch.offsets) && batch.offsets.length === 1 && batch.offsets[0] === 0) {
    if (expectFinal) throw new FormatError('missing-final', 'no frames where the FINAL one is expected');
    return { plaintext: new Uint8Array(0), final: false, hashState };
  }
  const offsets = offsetsArg(batch.offsets, frames.length);
  const firstIndex = intArg('firstIndex', batch.firstIndex, 0, U32_MAX - (offsets.length - 2));
  const capacity = openCapacity(frames, batch.offsets, stream.log2F);
  const target = out === undefined ? new Uint8Array(capacity) : bytesArg('out', out);
  if (target.length < capacity) {
    throw new RangeError(`out holds ${target.length} bytes; these frames need up to ${capacity}`);
  }
  if (overlaps(target, frames)) throw new RangeError('out must not overlap frames');
  const state = hashState === undefined ? null : stateArg(hashState);
  if (state && overlaps(state, target)) throw new RangeError('hashState must not overlap out');
  let length: number;
  try {
    length = native().openBatch(
      stream.dek,
      stream.objectId,
      stream.salt,
      stream.part,
      stream.log2F,
      firstIndex,
      frames,
      offsets,
      expectFinal,
      target,
      state,
    );
  } catch (err) {
    rethrow(err);
  }
  // The addon enforces that the last frame is FINAL exactly when expectFinal is set.
  return { plaintext: target.subarray(0, length), final: expectFinal, hashState: state ?? undefined };
}

/** Length of the zstd frame the addon makes of `data` at `level` (tests, benchmarks, diagnostics). */
export function zstdCompressedLength(data: Uint8Array, level = 1): number {
  intArg('level', level, ZSTD_LEVEL_MIN, ZSTD_LEVEL_MAX);
  return native().zstdCompressedLength(bytesArg('data', data), level);
}
