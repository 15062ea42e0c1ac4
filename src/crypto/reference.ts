// The reference frame codec: an independent pure-TypeScript implementation of docs/format.md §2–§3 on
// node:crypto, implementing the SealBatch → SealedBatch and OpenBatch → OpenedBatch contract of codec.ts.
// Tests cross-check the native addon against it byte for byte and decode every golden vector with it.
//
// Compression: Node 20 has no zstd compressor, so sealing with `compress: true` throws 'unsupported';
// compressed frames come from the native codec or the golden vectors (sealFrameBody seals a given zstd body).
// Opening a ZSTD frame verifies the tag and AAD like any frame, and only then decompresses the body with
// fzstd under the F cap — see reference-zstd.ts for exactly what it checks.
//
// Rules on open, per frame in order (the native codec's order too): 24 ≤ length ('short-frame') ≤ F + 24
// ('too-large'), header ('bad-version', 'bad-flags', 'bad-reserved'), index ('bad-index'), FINAL placement
// ('trailing-frame' for a FINAL frame that is not the last one given, 'early-final' for a FINAL last frame
// when the caller expects more, 'missing-final' for a non-FINAL last frame when the caller expects the end),
// a non-final raw body of exactly F ('bad-length'), the tag ('bad-tag'), then decompression. Nothing is
// returned unless every frame of the batch passed; partial plaintext is wiped.
import type { OpenBatch, OpenedBatch, SealBatch, SealedBatch, StreamParams } from './codec.js';
import { FRAME_OVERHEAD, frameSize } from './format/constants.js';
import { FormatError } from './format/errors.js';
import {
  checkFrameIndex,
  deriveStreamKeys,
  encodeFrameHeader,
  frameAad,
  frameNonce,
  splitFrame,
  type FrameHeader,
} from './format/frame.js';
import { aesGcmOpen, aesGcmSeal, concatBytes } from './format/primitives.js';
import { decompressFrameBody } from './reference-zstd.js';

interface Stream {
  params: StreamParams;
  f: number;
  key: Uint8Array;
  noncePrefix: Uint8Array;
}

function stream(params: StreamParams): Stream {
  const { key, noncePrefix } = deriveStreamKeys(params);
  return { params, f: frameSize(params.log2F), key, noncePrefix };
}

function seal(
  s: Stream,
  index: number,
  body: Uint8Array,
  flags: { final: boolean; zstd: boolean },
): Uint8Array {
  if (body.length > s.f) throw new FormatError('too-large', `a frame body holds at most ${s.f} bytes`);
  const header = encodeFrameHeader(index, flags);
  const nonce = frameNonce(s.noncePrefix, index, flags.final);
  const { ciphertext, tag } = aesGcmSeal(s.key, nonce, frameAad(s.params, header), body);
  return concatBytes([header, ciphertext, tag]);
}

/** Decrypts one frame's body after checking its header and tag only (no FINAL/length rules). */
function openBody(
  s: Stream,
  expectedIndex: number,
  frame: Uint8Array,
): { header: FrameHeader; body: Uint8Array } {
  const { header, headerBytes, ciphertext, tag } = splitFrame(frame);
  if (header.index !== expectedIndex) {
    throw new FormatError('bad-index', `frame index ${header.index}, expected ${expectedIndex}`);
  }
  if (ciphertext.length > s.f)
    throw new FormatError('too-large', `frame body of ${ciphertext.length} bytes, F = ${s.f}`);
  const nonce = frameNonce(s.noncePrefix, header.index, header.final);
  const body = aesGcmOpen(s.key, nonce, frameAad(s.params, headerBytes), ciphertext, tag);
  if (body === undefined) throw new FormatError('bad-tag', `frame ${header.index} does not authenticate`);
  return { header, body };
}

/**
 * Seals one frame around a given body: the plaintext, or (with `zstd`) a zstd frame holding it. For golden
 * vectors and tests of compressed frames; it does not check that a ZSTD body is valid zstd.
 */
export function sealFrameBody(
  params: StreamParams,
  index: number,
  body: Uint8Array,
  flags: { final: boolean; zstd: boolean },
): Uint8Array {
  return seal(stream(params), index, body, flags);
}

/** Checks one frame's header, index and tag and returns its header and raw body (not decompressed). */
export function openFrameBody(
  params: StreamParams,
  index: number,
  frame: Uint8Array,
): { header: FrameHeader; body: Uint8Array } {
  return openBody(stream(params), index, frame);
}

export function sealBatch(batch: SealBatch): SealedBatch {
  const s = stream(batch.stream);
  if (batch.compress) {
    throw new FormatError(
      'unsupported',
      'the reference codec cannot compress (Node 20 has no zstd): seal compressed frames with the native codec',
    );
  }
  checkFrameIndex(batch.firstIndex);
  const { plaintext, final } = batch;
  if (!final && plaintext.length % s.f !== 0) {
    throw new FormatError(
      'bad-params',
      `a non-final batch holds whole frames of ${s.f} bytes, got ${plaintext.length}`,
    );
  }
  const count = final ? Math.max(1, Math.ceil(plaintext.length / s.f)) : plaintext.length / s.f;
  if (count > 0) checkFrameIndex(batch.firstIndex + count - 1);
  const frames: Uint8Array[] = [];
  const offsets = [0];
  for (let k = 0; k < count; k++) {
    const body = plaintext.subarray(k * s.f, Math.min((k + 1) * s.f, plaintext.length));
    const frame = seal(s, batch.firstIndex + k, body, { final: final && k === count - 1, zstd: false });
    frames.push(frame);
    offsets.push(offsets[k]! + frame.length);
  }
  return { frames: concatBytes(frames), offsets, compressed: 0 };
}

function checkOffsets(frames: Uint8Array, offsets: readonly number[]): void {
  if (offsets.length < 1) throw new FormatError('bad-params', 'offsets needs frameCount + 1 entries');
  let previous = 0;
  for (const o of offsets) {
    if (!Number.isInteger(o) || o < previous || o > frames.length) {
      throw new FormatError('bad-params', 'offsets must ascend within the frames buffer');
    }
    previous = o;
  }
}

export function openBatch(batch: OpenBatch): OpenedBatch {
  const s = stream(batch.stream);
  checkFrameIndex(batch.firstIndex);
  checkOffsets(batch.frames, batch.offsets);
  const count = batch.offsets.length - 1;
  if (count === 0) {
    if (batch.expectFinal)
      throw new FormatError('missing-final', 'no frames where the FINAL frame is expected');
    return { plaintext: new Uint8Array(0), final: false };
  }
  const pieces: Uint8Array[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const frame = batch.frames.subarray(batch.offsets[k], batch.offsets[k + 1]);
      const expected = batch.firstIndex + k;
      const last = k === count - 1;
      // Same order of checks as the native codec: length bounds, header, index, FINAL placement, sizes, tag.
      if (frame.length > s.f + FRAME_OVERHEAD) {
        throw new FormatError('too-large', `frame of ${frame.length} bytes, longer than F + 24`);
      }
      const { header } = splitFrame(frame);
      if (expected > 0xffffffff || header.index !== expected) {
        throw new FormatError('bad-index', `frame index ${header.index}, expected ${expected}`);
      }
      if (header.final && !last)
        throw new FormatError('trailing-frame', `frames follow the FINAL frame ${expected}`);
      if (last && header.final && !batch.expectFinal) {
        throw new FormatError('early-final', `frame ${expected} is FINAL but the stream should go on`);
      }
      if (last && !header.final && batch.expectFinal) {
        throw new FormatError('missing-final', `frame ${expected} should be FINAL`);
      }
      const bodyLength = frame.length - FRAME_OVERHEAD;
      if (bodyLength > s.f)
        throw new FormatError('too-large', `frame body of ${bodyLength} bytes, F = ${s.f}`);
      if (!header.final && !header.zstd && bodyLength !== s.f) {
        throw new FormatError(
          'bad-length',
          `non-final frame ${expected} holds ${bodyLength} bytes, not F = ${s.f}`,
        );
      }
      const { body } = openBody(s, expected, frame);
      let plain = body;
      if (header.zstd) {
        try {
          plain = decompressFrameBody(body, s.f);
        } finally {
          body.fill(0);
        }
      }
      pieces.push(plain);
      if (!header.final && plain.length !== s.f) {
        throw new FormatError(
          'bad-length',
          `non-final frame ${expected} decompresses to ${plain.length} bytes, not F`,
        );
      }
    }
    return { plaintext: concatBytes(pieces), final: batch.expectFinal };
  } finally {
    for (const p of pieces) p.fill(0);
  }
}

/** The reference codec as a value, for code that takes a codec (tests, the tamper suite). */
export const referenceCodec = { name: 'reference', seal: sealBatch, open: openBatch } as const;

/** Frames back to back with their offsets, as SealedBatch/OpenBatch carry them. */
export function packFrames(frames: readonly Uint8Array[]): { frames: Uint8Array; offsets: number[] } {
  const offsets = [0];
  for (const f of frames) offsets.push(offsets[offsets.length - 1]! + f.length);
  return { frames: concatBytes(frames), offsets };
}

export function unpackFrames(batch: { frames: Uint8Array; offsets: readonly number[] }): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = 0; k + 1 < batch.offsets.length; k++) {
    out.push(batch.frames.slice(batch.offsets[k], batch.offsets[k + 1]));
  }
  return out;
}

export interface StreamOptions {
  /** Frames per batch (default 4), so whole-stream helpers also exercise batch boundaries. */
  batchFrames?: number;
}

/** Seals a whole stream, batch by batch; returns one Uint8Array per frame. */
export function sealStream(
  params: StreamParams,
  plaintext: Uint8Array,
  options: StreamOptions & { compress?: boolean } = {},
): Uint8Array[] {
  const f = frameSize(params.log2F);
  const per = options.batchFrames ?? 4;
  const count = Math.max(1, Math.ceil(plaintext.length / f));
  const frames: Uint8Array[] = [];
  for (let first = 0; first < count; first += per) {
    const end = Math.min(first + per, count);
    const sealed = sealBatch({
      stream: params,
      firstIndex: first,
      plaintext: plaintext.subarray(first * f, Math.min(end * f, plaintext.length)),
      final: end === count,
      compress: options.compress ?? false,
    });
    frames.push(...unpackFrames(sealed));
  }
  return frames;
}

/**
 * Opens a whole stream given as its frames in storage order, batch by batch, enforcing the FINAL and
 * ordering rules across batches. `expectedFrames` (the envelope's count) makes the stream's end known:
 * fewer frames is 'missing-final' (or 'early-final' if the last one given is FINAL), more is
 * 'trailing-frame'. Without it, the frames given are the whole stream.
 */
export function openStream(
  params: StreamParams,
  frames: readonly Uint8Array[],
  options: StreamOptions & { expectedFrames?: number } = {},
): Uint8Array {
  const per = options.batchFrames ?? 4;
  const expected = options.expectedFrames ?? frames.length;
  if (!Number.isInteger(expected) || expected < 1) {
    if (frames.length === 0) throw new FormatError('missing-final', 'no frames');
    throw new FormatError('bad-params', `expectedFrames must be ≥ 1, got ${expected}`);
  }
  const take = Math.min(frames.length, expected);
  const pieces: Uint8Array[] = [];
  try {
    for (let first = 0; first < take; first += per) {
      const end = Math.min(first + per, take);
      const packed = packFrames(frames.slice(first, end));
      try {
        const opened = openBatch({
          stream: params,
          firstIndex: first,
          ...packed,
          expectFinal: end === expected,
        });
        pieces.push(opened.plaintext);
      } catch (err) {
        if (err instanceof FormatError && err.reason === 'early-final' && end < frames.length) {
          throw new FormatError('trailing-frame', `frames follow the FINAL frame ${end - 1}`);
        }
        throw err;
      }
    }
    if (frames.length < expected)
      throw new FormatError('missing-final', `${frames.length} of ${expected} frames`);
    if (frames.length > expected)
      throw new FormatError('trailing-frame', `${frames.length - expected} frames after the FINAL one`);
    return concatBytes(pieces);
  } finally {
    for (const p of pieces) p.fill(0);
  }
}
