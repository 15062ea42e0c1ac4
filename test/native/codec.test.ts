// The native frame codec (docs/format.md §2–§3.2) on the main thread: round trips, frames checked
// by an independent decoder (node:crypto + fzstd), batches continuing a stream, and the zstd policy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  openBatch,
  openCapacity,
  sealBatch,
  sealCapacity,
  sealFrameCount,
  zstdCompressedLength,
} from '../../src/crypto/native.js';
import { concatFrames, decodeFrames, noise, splitFrames, stream, text } from './codec-helpers.js';

function sizes(f: number): number[] {
  return [0, 1, f - 1, f, f + 1, 3 * f, 3 * f + 1];
}

describe('native codec: round trips', () => {
  for (const log2F of [16, 18]) {
    const f = 2 ** log2F;
    for (const compress of [false, true]) {
      for (const size of sizes(f)) {
        it(`log2F ${log2F}, ${size} bytes, compress ${compress}`, () => {
          const s = stream(log2F, 7);
          const plaintext = compress ? text(size) : noise(size, size);
          const frameCount = Math.max(1, Math.ceil(size / f));
          assert.equal(sealFrameCount(size, log2F, true), frameCount);
          const out = new Uint8Array(sealCapacity(size, log2F, true));
          const sealed = sealBatch({ stream: s, firstIndex: 0, plaintext, final: true, compress }, out);
          assert.equal(sealed.frames.buffer, out.buffer, 'written into the caller buffer');
          assert.equal(sealed.offsets.length, frameCount + 1);
          assert.equal(sealed.offsets[0], 0);
          assert.equal(sealed.offsets[frameCount], sealed.frames.length);
          if (!compress) {
            assert.equal(sealed.compressed, 0);
            assert.equal(sealed.frames.length, size + 24 * frameCount);
          } else {
            // Every frame of text compresses, except one too short to save 3% (1 byte).
            const lastLength = size - (frameCount - 1) * f;
            assert.equal(sealed.compressed, lastLength >= 1000 ? frameCount : frameCount - 1);
          }

          // An independent decoder agrees on every byte, index and flag.
          const decoded = decodeFrames(s, sealed.frames, sealed.offsets);
          assert.deepEqual(decoded.plaintext, plaintext);
          assert.deepEqual(
            decoded.indexes,
            Array.from({ length: frameCount }, (_, i) => i),
          );
          decoded.flags.forEach((flags, k) => {
            assert.equal(flags & 1, k === frameCount - 1 ? 1 : 0, `FINAL only on the last frame (${k})`);
          });

          const batch = { stream: s, firstIndex: 0, frames: sealed.frames, offsets: sealed.offsets };
          const opened = openBatch({ ...batch, expectFinal: true });
          assert.equal(opened.final, true);
          assert.deepEqual(opened.plaintext, plaintext);
          // openCapacity is exact for uncompressed frames, F per compressed frame.
          const cap = openCapacity(sealed.frames, sealed.offsets, log2F);
          const lastLength = size - (frameCount - 1) * f;
          const expectedCap = compress ? sealed.compressed * f + (lastLength < 1000 ? lastLength : 0) : size;
          assert.equal(cap, expectedCap);
        });
      }
    }
  }

  it('writes frames back to back and leaves the rest of out untouched', () => {
    const s = stream(16);
    const out = new Uint8Array(sealCapacity(100_000, 16, true) + 10).fill(0xee);
    const sealed = sealBatch(
      { stream: s, firstIndex: 0, plaintext: text(100_000), final: true, compress: true },
      out,
    );
    assert.ok(out.subarray(sealed.frames.length).every((b) => b === 0xee));
  });
});

describe('native codec: batches continue a stream', () => {
  for (const compress of [false, true]) {
    it(`gives the same frames as one big call (compress ${compress})`, () => {
      const log2F = 16;
      const f = 2 ** log2F;
      const s = stream(log2F, 3);
      const plaintext = new Uint8Array(7 * f + 123);
      plaintext.set(noise(4 * f, 9));
      plaintext.set(text(3 * f + 123), 4 * f);
      const whole = sealBatch({ stream: s, firstIndex: 0, plaintext, final: true, compress });
      assert.equal(whole.offsets.length, 9);

      const cuts = [0, 2 * f, 3 * f, 6 * f, plaintext.length];
      const pieces: Uint8Array[] = [];
      for (let b = 0; b + 1 < cuts.length; b++) {
        const batch = sealBatch({
          stream: s,
          firstIndex: cuts[b]! / f,
          plaintext: plaintext.subarray(cuts[b], cuts[b + 1]),
          final: b === cuts.length - 2,
          compress,
        });
        pieces.push(...splitFrames(batch.frames, batch.offsets));
      }
      assert.deepEqual(pieces, splitFrames(whole.frames, whole.offsets));

      // Opened in other batches than they were sealed in, the plaintext is the same.
      const all = splitFrames(whole.frames, whole.offsets);
      const opened: Uint8Array[] = [];
      for (const [from, to] of [
        [0, 3],
        [3, 4],
        [4, 8],
      ] as const) {
        const { frames, offsets } = concatFrames(all.slice(from, to));
        const r = openBatch({ stream: s, firstIndex: from, frames, offsets, expectFinal: to === 8 });
        assert.equal(r.final, to === 8);
        opened.push(r.plaintext);
      }
      assert.deepEqual(new Uint8Array(Buffer.concat(opened)), plaintext);
    });
  }

  it('an empty final batch after full frames is one empty FINAL frame', () => {
    const s = stream(16);
    const first = sealBatch({
      stream: s,
      firstIndex: 0,
      plaintext: noise(2 ** 16),
      final: false,
      compress: false,
    });
    const last = sealBatch({
      stream: s,
      firstIndex: 1,
      plaintext: new Uint8Array(0),
      final: true,
      compress: true,
    });
    assert.deepEqual(last.offsets, [0, 24]);
    assert.equal(last.frames[1], 1, 'FINAL, not ZSTD');
    const { frames, offsets } = concatFrames([first.frames, last.frames]);
    const r = openBatch({ stream: s, firstIndex: 0, frames, offsets, expectFinal: true });
    assert.equal(r.plaintext.length, 2 ** 16);
  });

  it('frame indexes can reach 2^32 - 1', () => {
    const s = stream(16);
    const r = sealBatch({
      stream: s,
      firstIndex: 0xffff_ffff,
      plaintext: text(10),
      final: true,
      compress: false,
    });
    assert.deepEqual(decodeFrames(s, r.frames, r.offsets).indexes, [0xffff_ffff]);
  });
});

describe('native codec: zstd policy (§3.2)', () => {
  it('keeps zstd for compressible data and not for random data', () => {
    const f = 2 ** 16;
    const s = stream(16);
    const plaintext = new Uint8Array(4 * f);
    plaintext.set(text(f), 0);
    plaintext.set(noise(f, 5), f);
    plaintext.set(text(f), 2 * f);
    plaintext.set(noise(f, 6), 3 * f);
    const r = sealBatch({ stream: s, firstIndex: 0, plaintext, final: true, compress: true });
    assert.equal(r.compressed, 2);
    const flags = decodeFrames(s, r.frames, r.offsets).flags;
    assert.deepEqual(
      flags.map((x) => x & 2),
      [2, 0, 2, 0],
    );
    const lengths = r.offsets.slice(1).map((o, k) => o - r.offsets[k]!);
    assert.equal(lengths[1], f + 24, 'random frame stored as is');
    assert.ok(lengths[0]! < f / 10, 'text frame compressed');
  });

  it('compress: false never compresses', () => {
    const r = sealBatch({
      stream: stream(16),
      firstIndex: 0,
      plaintext: text(50_000),
      final: true,
      compress: false,
    });
    assert.equal(r.compressed, 0);
    assert.equal(r.frames[1], 1);
  });

  // Random prefix + zeros: search for lengths where 100·len(zstd) is exactly 97·len(plain), and just above.
  function findCase(wanted: (diff: number) => boolean): Uint8Array {
    const random = noise(4000, 7);
    for (let r = 2000; r < 4000; r++) {
      for (let n = Math.ceil(r / 100) * 100 - 100; n < r + 400; n += 1) {
        if (n < r) continue;
        const data = new Uint8Array(n);
        data.set(random.subarray(0, r));
        const c = zstdCompressedLength(data, 1);
        if (wanted(100 * c - 97 * n)) return data;
      }
    }
    throw new Error('no boundary case found');
  }

  for (const [name, wanted, kept] of [
    ['exactly 3% saved: kept', (d: number) => d === 0, true],
    ['just under 3% saved: not kept', (d: number) => d > 0 && d <= 3, false],
  ] as const) {
    it(name, () => {
      const data = findCase(wanted);
      const s = stream(16);
      const r = sealBatch({ stream: s, firstIndex: 0, plaintext: data, final: true, compress: true });
      assert.equal(r.compressed, kept ? 1 : 0);
      const c = zstdCompressedLength(data, 1);
      assert.equal(r.frames.length, (kept ? c : data.length) + 24);
      assert.deepEqual(openBatch({ stream: s, firstIndex: 0, ...r, expectFinal: true }).plaintext, data);
    });
  }
});
