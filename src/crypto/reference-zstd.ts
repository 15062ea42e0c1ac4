// How the reference codec verifies a ZSTD frame body (docs/format.md §3.2), after its tag verified:
//  1. It walks the body's structure itself (RFC 8878 §3.1.1) before decompressing anything: the body must be
//     exactly one zstd frame — magic, frame header (reserved bit clear, no dictionary), blocks up to the
//     Last_Block one (no reserved block type, no block larger than Block_Maximum_Size), the optional
//     content checksum — ending exactly at the end of the body; skippable frames, a second frame, trailing
//     bytes or a frame that runs past the body are 'bad-zstd'.
//  2. A declared Frame_Content_Size above F is 'too-large' before any allocation; a declared window above
//     2^27 (libzstd's default decoder limit) is 'bad-zstd', so fzstd never allocates more than that.
//  3. It decompresses with fzstd's streaming decoder, counting output block by block and stopping with
//     'too-large' as soon as it passes F; fzstd errors are 'bad-zstd'.
//  4. The output must equal the declared content size (when there is one) and, when the frame carries a
//     checksum, the low 32 bits of its XXH64 (fzstd does not check it; we do).
// The caller then requires exactly F bytes from a non-final frame ('bad-length').
import { Decompress } from 'fzstd';
import { FormatError } from './format/errors.js';
import { concatBytes } from './format/primitives.js';

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_WINDOW = 2 ** 27;
const MAX_BLOCK = 128 * 1024;

export interface ZstdFrameInfo {
  /** Frame_Content_Size when the header declares it. */
  contentSize: number | undefined;
  windowSize: number;
  hasChecksum: boolean;
  /** The stored content checksum (low 32 bits of XXH64, little-endian). */
  checksum: number | undefined;
}

const bad = (message: string): FormatError => new FormatError('bad-zstd', message);

function readLe(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[at + i]!;
  return value;
}

/** Walks one zstd frame that must fill `body` exactly; throws 'bad-zstd' / 'too-large' (content size > cap). */
export function inspectZstdFrame(body: Uint8Array, cap: number): ZstdFrameInfo {
  if (body.length < 6) throw bad('body too short for a zstd frame');
  if (readLe(body, 0, 4) !== ZSTD_MAGIC) throw bad('not a zstd frame (magic)');
  const descriptor = body[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) throw bad('reserved bit set in the frame header');
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
  let at = 5;
  let windowSize = 0;
  if (!singleSegment) {
    const wd = body[at++]!;
    const windowBase = 2 ** (10 + (wd >> 3));
    windowSize = windowBase + (windowBase / 8) * (wd & 7);
  }
  if (at + dictIdBytes > body.length) throw bad('truncated frame header');
  if (readLe(body, at, dictIdBytes) !== 0) throw bad('zstd dictionaries are not used in v1');
  at += dictIdBytes;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (at + fcsBytes > body.length) throw bad('truncated frame header');
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    contentSize = readLe(body, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    if (contentSize > cap)
      throw new FormatError('too-large', `zstd frame declares ${contentSize} bytes, cap ${cap}`);
    at += fcsBytes;
  }
  if (singleSegment) windowSize = contentSize!;
  if (windowSize > MAX_WINDOW) throw bad(`zstd window of ${windowSize} bytes`);
  const blockMax = Math.min(Math.max(windowSize, 1), MAX_BLOCK);
  let known = 0;
  for (;;) {
    if (at + 3 > body.length) throw bad('zstd frame does not end within the body');
    const head = readLe(body, at, 3);
    at += 3;
    const type = (head >> 1) & 3;
    const size = head >>> 3;
    if (type === 3) throw bad('reserved zstd block type');
    if (size > blockMax) throw bad(`zstd block of ${size} bytes, maximum ${blockMax}`);
    if (type === 0 || type === 1) {
      known += size;
      if (known > cap) throw new FormatError('too-large', `zstd frame holds more than ${cap} bytes`);
    }
    at += type === 1 ? 1 : size;
    if (at > body.length) throw bad('zstd frame does not end within the body');
    if ((head & 1) === 1) break;
  }
  let checksum: number | undefined;
  if (hasChecksum) {
    if (at + 4 > body.length) throw bad('zstd frame does not end within the body');
    checksum = readLe(body, at, 4);
    at += 4;
  }
  if (at !== body.length) throw bad(`${body.length - at} bytes after the zstd frame`);
  return { contentSize, windowSize, hasChecksum, checksum };
}

/** Decompresses a ZSTD frame body into at most `cap` bytes (see the header of this file). */
export function decompressFrameBody(body: Uint8Array, cap: number): Uint8Array {
  const info = inspectZstdFrame(body, cap);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.length;
    if (total > cap) throw new FormatError('too-large', `zstd frame decompresses past ${cap} bytes`);
    chunks.push(chunk.slice());
  });
  try {
    decoder.push(body, true);
  } catch (err) {
    for (const c of chunks) c.fill(0);
    if (err instanceof FormatError) throw err;
    throw new FormatError('bad-zstd', `zstd: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const out = concatBytes(chunks);
  for (const c of chunks) c.fill(0);
  const fail = (message: string): never => {
    out.fill(0);
    throw bad(message);
  };
  if (info.contentSize !== undefined && out.length !== info.contentSize) {
    fail(`zstd frame declares ${info.contentSize} bytes and holds ${out.length}`);
  }
  if (info.checksum !== undefined && Number(xxh64(out) & 0xffffffffn) !== info.checksum) {
    fail('zstd content checksum does not match');
  }
  return out;
}

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) & M64) + P4;

/** XXH64 (the zstd content checksum is its low 32 bits). Slow BigInt code: the reference path only. */
export function xxh64(data: Uint8Array, seed = 0n): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  let at = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed & M64;
    let v4 = (seed - P1) & M64;
    for (; at + 32 <= len; at += 32) {
      v1 = round(v1, dv.getBigUint64(at, true));
      v2 = round(v2, dv.getBigUint64(at + 8, true));
      v3 = round(v3, dv.getBigUint64(at + 16, true));
      v4 = round(v4, dv.getBigUint64(at + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    for (const v of [v1, v2, v3, v4]) h = merge(h, v) & M64;
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  for (; at + 8 <= len; at += 8) {
    h ^= round(0n, dv.getBigUint64(at, true));
    h = ((rotl(h, 27n) * P1) & M64) + P4;
    h &= M64;
  }
  if (at + 4 <= len) {
    h ^= (BigInt(dv.getUint32(at, true)) * P1) & M64;
    h = ((rotl(h, 23n) * P2) & M64) + P3;
    h &= M64;
    at += 4;
  }
  for (; at < len; at++) {
    h ^= (BigInt(data[at]!) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}
