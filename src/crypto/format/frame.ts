// Frames (docs/format.md §2, §3, §3.1): stream key derivation, the 8-byte header, the nonce and the
// 47-byte AAD. Pure functions; the codecs (native and src/crypto/reference.ts) build on them.
import type { StreamParams } from '../codec.js';
import {
  AAD_BYTES,
  ALG_AES_256_GCM,
  DEK_BYTES,
  FLAG_FINAL,
  FLAG_ZSTD,
  FORMAT_VERSION,
  FRAME_OVERHEAD,
  HEADER_BYTES,
  KNOWN_FLAGS,
  LABEL_STREAM,
  LOG2F_MAX,
  LOG2F_MIN,
  MAX_FRAME_INDEX,
  NONCE_BYTES,
  NONCE_PREFIX_BYTES,
  OBJECT_ID_BYTES,
  PART_MAX,
  SALT_BYTES,
  STREAM_KEY_BYTES,
  TAG_BYTES,
  frameSize,
} from './constants.js';
import { FormatError } from './errors.js';
import { ascii, be32, concatBytes, hkdfSha256, readBe32 } from './primitives.js';

export interface FrameHeader {
  version: number;
  /** The raw flags byte. */
  flags: number;
  final: boolean;
  zstd: boolean;
  index: number;
}

export interface FrameParts {
  header: FrameHeader;
  /** The 8 header bytes as stored (they are part of the AAD). */
  headerBytes: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export interface StreamKeys {
  key: Uint8Array;
  noncePrefix: Uint8Array;
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_FRAME_INDEX;

export function checkLog2F(log2F: number): void {
  if (!Number.isInteger(log2F) || log2F < LOG2F_MIN || log2F > LOG2F_MAX) {
    throw new FormatError(
      'bad-params',
      `log2F must be an integer in ${LOG2F_MIN}..${LOG2F_MAX}, got ${log2F}`,
    );
  }
}

export function checkPart(part: number): void {
  if (!Number.isInteger(part) || part < 0 || part > PART_MAX) {
    throw new FormatError('bad-params', `part must be 0 (single PUT) or 1..${PART_MAX}, got ${part}`);
  }
}

export function checkLength(name: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new FormatError('bad-params', `${name} must be ${length} bytes, got ${got}`);
  }
}

/** Throws 'bad-params' unless the stream parameters are inside the format (§1). */
export function checkStreamParams(params: StreamParams): void {
  checkLength('dek', params.dek, DEK_BYTES);
  checkLength('objectId', params.objectId, OBJECT_ID_BYTES);
  checkLength('salt', params.salt, SALT_BYTES);
  checkPart(params.part);
  checkLog2F(params.log2F);
}

export function checkFrameIndex(index: number): void {
  if (!isU32(index)) throw new FormatError('bad-params', `frame index must be a u32, got ${index}`);
}

/** §2: okm = HKDF(DEK, salt, "jetvault/v1/stream" ‖ object_id ‖ BE32(part), 39). */
export function deriveStreamKeys(params: StreamParams): StreamKeys {
  checkStreamParams(params);
  const info = concatBytes([ascii(LABEL_STREAM), params.objectId, be32(params.part)]);
  const okm = hkdfSha256(params.dek, params.salt, info, STREAM_KEY_BYTES + NONCE_PREFIX_BYTES);
  return { key: okm.slice(0, STREAM_KEY_BYTES), noncePrefix: okm.slice(STREAM_KEY_BYTES) };
}

/** §3: version (1) ‖ flags ‖ reserved (0, 0) ‖ BE32(index). */
export function encodeFrameHeader(index: number, flags: { final: boolean; zstd: boolean }): Uint8Array {
  checkFrameIndex(index);
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = FORMAT_VERSION;
  header[1] = (flags.final ? FLAG_FINAL : 0) | (flags.zstd ? FLAG_ZSTD : 0);
  header.set(be32(index), 4);
  return header;
}

/** Parses the first 8 bytes; rejects version ≠ 1, unknown flags and reserved ≠ 0. */
export function decodeFrameHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length < HEADER_BYTES)
    throw new FormatError('short-frame', `header needs 8 bytes, got ${bytes.length}`);
  const version = bytes[0]!;
  const flags = bytes[1]!;
  if (version !== FORMAT_VERSION)
    throw new FormatError('bad-version', `frame version ${version}, expected 1`);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new FormatError('bad-flags', `unknown frame flags 0x${flags.toString(16).padStart(2, '0')}`);
  }
  if (bytes[2] !== 0 || bytes[3] !== 0)
    throw new FormatError('bad-reserved', 'frame header reserved bytes are not 0');
  return {
    version,
    flags,
    final: (flags & FLAG_FINAL) !== 0,
    zstd: (flags & FLAG_ZSTD) !== 0,
    index: readBe32(bytes, 4),
  };
}

/** Splits a whole frame (header ‖ ciphertext ‖ tag); rejects frames shorter than 24 bytes and bad headers. */
export function splitFrame(frame: Uint8Array): FrameParts {
  if (frame.length < FRAME_OVERHEAD) {
    throw new FormatError(
      'short-frame',
      `a frame needs at least ${FRAME_OVERHEAD} bytes, got ${frame.length}`,
    );
  }
  const headerBytes = frame.subarray(0, HEADER_BYTES);
  const header = decodeFrameHeader(headerBytes);
  return {
    header,
    headerBytes,
    ciphertext: frame.subarray(HEADER_BYTES, frame.length - TAG_BYTES),
    tag: frame.subarray(frame.length - TAG_BYTES),
  };
}

/** §3.1: nonce_prefix (7) ‖ BE32(index) ‖ (1 if FINAL else 0). */
export function frameNonce(noncePrefix: Uint8Array, index: number, final: boolean): Uint8Array {
  checkLength('noncePrefix', noncePrefix, NONCE_PREFIX_BYTES);
  checkFrameIndex(index);
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(noncePrefix, 0);
  nonce.set(be32(index), NONCE_PREFIX_BYTES);
  nonce[NONCE_BYTES - 1] = final ? 1 : 0;
  return nonce;
}

/**
 * §3.1: BE8(1) ‖ BE8(alg) ‖ BE8(log2F) ‖ header (8) ‖ BE32(part) ‖ object_id (16) ‖ salt (16), 47 bytes at
 * fixed offsets. `header` is the 8 header bytes of the frame.
 */
export function frameAad(
  params: Pick<StreamParams, 'objectId' | 'salt' | 'part' | 'log2F'>,
  header: Uint8Array,
): Uint8Array {
  checkLength('objectId', params.objectId, OBJECT_ID_BYTES);
  checkLength('salt', params.salt, SALT_BYTES);
  checkLength('header', header, HEADER_BYTES);
  checkPart(params.part);
  checkLog2F(params.log2F);
  const aad = new Uint8Array(AAD_BYTES);
  aad[0] = FORMAT_VERSION;
  aad[1] = ALG_AES_256_GCM;
  aad[2] = params.log2F;
  aad.set(header, 3);
  aad.set(be32(params.part), 11);
  aad.set(params.objectId, 15);
  aad.set(params.salt, 31);
  return aad;
}

/**
 * How many frames a stream of `size` plaintext bytes has when the writer knows the size: max(1, ⌈size/F⌉),
 * the last one holding 1..F bytes (0 only for the empty stream). A reader also accepts a stream whose
 * FINAL frame is empty after full frames (a writer that learnt the end late), so the envelope's frame count
 * decides; see {@link frameCountFits}.
 */
export function frameCountFor(size: number, log2F: number): number {
  checkLog2F(log2F);
  return Math.max(1, Math.ceil(size / frameSize(log2F)));
}

/** Whether `frames` frames can hold exactly `size` bytes: (frames − 1)·F ≤ size ≤ frames·F, frames ≥ 1. */
export function frameCountFits(frames: bigint, size: bigint, log2F: number): boolean {
  const f = BigInt(frameSize(log2F));
  return frames >= 1n && (frames - 1n) * f <= size && size <= frames * f;
}
