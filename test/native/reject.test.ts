// Everything docs/format.md §3 and §3.2 tell a decoder to reject, on the native codec: each case
// fails with its own reason (the FormatError reasons the reference codec uses) and code, the
// output holds no unauthenticated plaintext, and the hash state is left as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamParams } from '../../src/crypto/codec.js';
import { FormatError } from '../../src/crypto/format/errors.js';
import { NativeFrameError, hashInit, openBatch, sealBatch } from '../../src/crypto/native.js';
import {
  concatFrames,
  decryptBody,
  encryptFrame,
  noise,
  splitFrames,
  stream,
  text,
} from './codec-helpers.js';

const LOG2F = 16;
const F = 2 ** LOG2F;

interface Case {
  frames: Uint8Array[];
  firstIndex?: number;
  expectFinal?: boolean;
  stream?: StreamParams;
}

function expectReject(
  s: StreamParams,
  c: Case,
  reason: string,
  code: string | RegExp,
  frame: number,
): NativeFrameError {
  const { frames, offsets } = concatFrames(c.frames);
  const out = new Uint8Array(c.frames.length * F).fill(0xaa);
  const state = hashInit(['md5', 'crc32c']);
  const before = Uint8Array.from(state);
  let caught: unknown;
  try {
    openBatch(
      {
        stream: c.stream ?? s,
        firstIndex: c.firstIndex ?? 0,
        frames,
        offsets,
        expectFinal: c.expectFinal ?? true,
      },
      out,
      state,
    );
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof NativeFrameError, `rejected (${String(caught)})`);
  assert.ok(caught instanceof FormatError);
  assert.equal(caught.reason, reason, caught.message);
  if (typeof code === 'string') assert.equal(caught.code, code, caught.message);
  else assert.match(caught.code, code);
  assert.equal(caught.frame, frame, caught.message);
  assert.deepEqual(state, before, 'hash state untouched');
  return caught;
}

/** Three sealed frames of a stream (0, 1 full; 2 FINAL, short). */
function sealed(s: StreamParams, compress = false): Uint8Array[] {
  const data = compress ? text(2 * F + 100) : noise(2 * F + 100, 3);
  const r = sealBatch({ stream: s, firstIndex: 0, plaintext: data, final: true, compress });
  return splitFrames(r.frames, r.offsets);
}

function edit(frame: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(frame);
  copy[at] = value;
  return copy;
}

describe('native codec: open rejects (§3)', () => {
  const s = stream(LOG2F, 2);
  const [f0, f1, f2] = sealed(s) as [Uint8Array, Uint8Array, Uint8Array];

  it('accepts the untouched frames', () => {
    const { frames, offsets } = concatFrames([f0, f1, f2]);
    assert.equal(
      openBatch({ stream: s, firstIndex: 0, frames, offsets, expectFinal: true }).plaintext.length,
      2 * F + 100,
    );
  });

  it('a frame shorter than 24 bytes', () => {
    expectReject(s, { frames: [f0, f1.subarray(0, 23)] }, 'short-frame', 'ERR_JETVAULT_FRAME_TOO_SHORT', 1);
    expectReject(s, { frames: [new Uint8Array(0)] }, 'short-frame', 'ERR_JETVAULT_FRAME_TOO_SHORT', 0);
  });

  it('a frame longer than F + 24 bytes', () => {
    const long = new Uint8Array(F + 25);
    long.set(f0);
    expectReject(s, { frames: [long] }, 'too-large', 'ERR_JETVAULT_FRAME_TOO_LONG', 0);
  });

  it('version ≠ 1', () => {
    expectReject(s, { frames: [edit(f0, 0, 2), f1, f2] }, 'bad-version', 'ERR_JETVAULT_FRAME_VERSION', 0);
    expectReject(s, { frames: [f0, f1, edit(f2, 0, 0)] }, 'bad-version', 'ERR_JETVAULT_FRAME_VERSION', 2);
  });

  it('unknown flag bits', () => {
    for (const bit of [2, 3, 4, 5, 6, 7]) {
      const e = expectReject(
        s,
        { frames: [f0, edit(f1, 1, 1 << bit)] },
        'bad-flags',
        'ERR_JETVAULT_FRAME_FLAGS',
        1,
      );
      assert.match(e.message, /unknown flag bits/);
    }
  });

  it('reserved ≠ 0', () => {
    expectReject(s, { frames: [edit(f0, 2, 1)] }, 'bad-reserved', 'ERR_JETVAULT_FRAME_RESERVED', 0);
    expectReject(s, { frames: [edit(f0, 3, 0x80)] }, 'bad-reserved', 'ERR_JETVAULT_FRAME_RESERVED', 0);
  });

  it('an index other than the one expected', () => {
    const e = expectReject(
      s,
      { frames: [f1, f2], firstIndex: 0 },
      'bad-index',
      'ERR_JETVAULT_FRAME_INDEX',
      0,
    );
    assert.match(e.message, /carries index 1, expected 0/);
    expectReject(s, { frames: [f0, f2] }, 'bad-index', 'ERR_JETVAULT_FRAME_INDEX', 1);
    expectReject(s, { frames: [f0, f0] }, 'bad-index', 'ERR_JETVAULT_FRAME_INDEX', 1);
    expectReject(s, { frames: [f1, f0, f2], firstIndex: 0 }, 'bad-index', 'ERR_JETVAULT_FRAME_INDEX', 0);
    // A rewritten index fails the tag (the header is in the AAD).
    const moved = Uint8Array.from(f1);
    moved[7] = 0;
    expectReject(s, { frames: [moved], expectFinal: false }, 'bad-tag', 'ERR_JETVAULT_FRAME_TAG', 0);
  });

  it('a FINAL frame before the expected last frame', () => {
    const e = expectReject(
      s,
      { frames: [f2], firstIndex: 2, expectFinal: false },
      'early-final',
      'ERR_JETVAULT_FINAL_EARLY',
      0,
    );
    assert.match(e.message, /FINAL frame \(index 2\) before the expected last frame/);
  });

  it('a missing FINAL frame (truncation)', () => {
    expectReject(s, { frames: [f0, f1] }, 'missing-final', 'ERR_JETVAULT_FINAL_MISSING', 1);
    // Clearing FINAL on the real last frame to hide the truncation fails the tag.
    const full = sealBatch({
      stream: s,
      firstIndex: 0,
      plaintext: noise(2 * F),
      final: true,
      compress: false,
    });
    const [g0, g1] = splitFrames(full.frames, full.offsets) as [Uint8Array, Uint8Array];
    expectReject(
      s,
      { frames: [g0, edit(g1, 1, 0)], expectFinal: false },
      'bad-tag',
      'ERR_JETVAULT_FRAME_TAG',
      1,
    );
    // Setting FINAL on an earlier frame to cut the stream short fails the tag (nonce and AAD change).
    expectReject(s, { frames: [f0, edit(f1, 1, 1)] }, 'bad-tag', 'ERR_JETVAULT_FRAME_TAG', 1);
  });

  it('any frame after the FINAL one', () => {
    const extra = encryptFrame(s, { index: 3, flags: 1 }, noise(10));
    const e = expectReject(
      s,
      { frames: [f0, f1, f2, extra] },
      'trailing-frame',
      'ERR_JETVAULT_FRAME_AFTER_FINAL',
      3,
    );
    assert.match(e.message, /follows the FINAL frame/);
  });

  it('a non-final frame whose plaintext is not exactly F bytes', () => {
    const short = encryptFrame(s, { index: 0, flags: 0 }, noise(F - 1));
    expectReject(s, { frames: [short, f1, f2] }, 'bad-length', 'ERR_JETVAULT_FRAME_LENGTH', 0);
    const empty = encryptFrame(s, { index: 1, flags: 0 }, new Uint8Array(0));
    expectReject(s, { frames: [f0, empty, f2] }, 'bad-length', 'ERR_JETVAULT_FRAME_LENGTH', 1);
  });

  it('a bad tag, and wipes what it had decrypted of that frame', () => {
    for (const at of [8, 8 + F / 2, f1.length - 1]) {
      const bad = edit(f1, at, f1[at]! ^ 0x01);
      const { frames, offsets } = concatFrames([f0, bad, f2]);
      const out = new Uint8Array(3 * F).fill(0xaa);
      assert.throws(
        () => openBatch({ stream: s, firstIndex: 0, frames, offsets, expectFinal: true }, out),
        (err: unknown) => err instanceof NativeFrameError && err.reason === 'bad-tag' && err.frame === 1,
      );
      assert.ok(
        out.subarray(F, 2 * F).every((b) => b === 0),
        'the failed frame is wiped',
      );
      assert.ok(
        out.subarray(2 * F).every((b) => b === 0xaa),
        'later frames were never written',
      );
    }
  });

  it('a frame moved to another part, object or stream fails its tag', () => {
    const other = (patch: Partial<StreamParams>): StreamParams => ({ ...s, ...patch });
    for (const moved of [
      other({ part: 3 }),
      other({ objectId: stream(LOG2F).objectId }),
      other({ salt: stream(LOG2F).salt }),
      other({ dek: stream(LOG2F).dek }),
    ]) {
      expectReject(s, { frames: [f0, f1, f2], stream: moved }, 'bad-tag', 'ERR_JETVAULT_FRAME_TAG', 0);
    }
    // log2F is in the AAD too (a FINAL frame, whose length fits any F).
    expectReject(
      s,
      { frames: [f2], firstIndex: 2, stream: other({ log2F: 17 }) },
      'bad-tag',
      'ERR_JETVAULT_FRAME_TAG',
      0,
    );
  });
});

describe('native codec: open rejects bad zstd bodies (§3.2), after the tag verified', () => {
  const s = stream(LOG2F, 1);
  // A zstd body holding F/2 bytes, taken from a sealed FINAL frame, to re-wrap in other frames.
  const half = sealBatch({ stream: s, firstIndex: 0, plaintext: text(F / 2), final: true, compress: true });
  assert.equal(half.compressed, 1);
  const zHalf = decryptBody(s, half.frames);
  // A zstd body holding 2F bytes (made at log2F + 1).
  const s17 = { ...s, log2F: LOG2F + 1 };
  const big = sealBatch({ stream: s17, firstIndex: 0, plaintext: text(2 * F), final: true, compress: true });
  const zBig = decryptBody(s17, big.frames);

  it('a body that decompresses to more than F (declared content size)', () => {
    const frame = encryptFrame(s, { index: 0, flags: 3 }, zBig);
    expectReject(s, { frames: [frame] }, 'too-large', 'ERR_JETVAULT_ZSTD_TOO_LARGE', 0);
  });

  it('a body that decompresses to more than F (no content size in the header)', () => {
    // Rewrite the zstd frame header: single-segment with a 4-byte content size → a window
    // descriptor (2^17) and no content size, so only the capped decompression can catch it.
    const fhd = zBig[4]!;
    assert.equal(fhd & 0x20, 0x20, 'single segment');
    const fcsBytes = [1, 2, 4, 8][fhd >> 6]!;
    const rest = zBig.subarray(5 + fcsBytes);
    const body = new Uint8Array(
      Buffer.concat([zBig.subarray(0, 4), Buffer.from([fhd & 0x07, 7 << 3]), rest]),
    );
    const frame = encryptFrame(s, { index: 0, flags: 3 }, body);
    expectReject(s, { frames: [frame] }, 'too-large', 'ERR_JETVAULT_ZSTD_TOO_LARGE', 0);
  });

  it('a zstd stream that does not end within the body', () => {
    const frame = encryptFrame(s, { index: 0, flags: 3 }, zHalf.subarray(0, zHalf.length - 1));
    expectReject(s, { frames: [frame] }, 'bad-zstd', 'ERR_JETVAULT_ZSTD_TRAILING', 0);
  });

  it('bytes after the zstd frame (including a second frame)', () => {
    for (const body of [Buffer.concat([zHalf, Buffer.from([0])]), Buffer.concat([zHalf, zHalf])]) {
      const frame = encryptFrame(s, { index: 0, flags: 3 }, new Uint8Array(body));
      expectReject(s, { frames: [frame] }, 'bad-zstd', 'ERR_JETVAULT_ZSTD_TRAILING', 0);
    }
  });

  it('a body that is not zstd', () => {
    const frame = encryptFrame(s, { index: 0, flags: 3 }, noise(1000));
    expectReject(s, { frames: [frame] }, 'bad-zstd', 'ERR_JETVAULT_ZSTD_TRAILING', 0);
    const corrupt = Uint8Array.from(zHalf);
    corrupt.fill(0xff, 6, 12);
    const frame2 = encryptFrame(s, { index: 0, flags: 3 }, corrupt);
    expectReject(s, { frames: [frame2] }, 'bad-zstd', /^ERR_JETVAULT_ZSTD_(CORRUPT|TRAILING)$/, 0);
  });

  it('a non-final frame that decompresses to fewer than F bytes', () => {
    const frame = encryptFrame(s, { index: 0, flags: 2 }, zHalf);
    expectReject(s, { frames: [frame], expectFinal: false }, 'bad-length', 'ERR_JETVAULT_FRAME_LENGTH', 0);
  });

  it('a compressed frame with a bad tag is rejected before zstd looks at it', () => {
    const frame = edit(half.frames, 10, half.frames[10]! ^ 1);
    expectReject(s, { frames: [frame] }, 'bad-tag', 'ERR_JETVAULT_FRAME_TAG', 0);
  });
});
