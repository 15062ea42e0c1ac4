// The reference codec: the SealBatch/OpenBatch contract of codec.ts, batches, and ZSTD frames (real zstd
// frames made by the zstd CLI in test/fixtures/zstd/bodies.json, and hand-built raw/RLE frames).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  openBatch,
  openStream,
  packFrames,
  sealBatch,
  sealFrameBody,
  sealStream,
  unpackFrames,
} from '../../../src/crypto/reference.js';
import { inspectZstdFrame, xxh64 } from '../../../src/crypto/reference-zstd.js';
import { fromB64, pseudoRandom, readFixture, testParams, throwsReason } from './helpers.js';

const params = testParams();
const F = 2 ** params.log2F;

describe('sealBatch', () => {
  test('cuts frames of F bytes and marks only the last one FINAL', () => {
    const cases: [number, number[]][] = [
      [0, [0]],
      [1, [1]],
      [F - 1, [F - 1]],
      [F, [F]],
      [F + 1, [F, 1]],
      [2 * F + 5, [F, F, 5]],
    ];
    for (const [length, bodies] of cases) {
      const sealed = sealBatch({
        stream: params,
        firstIndex: 0,
        plaintext: pseudoRandom(length),
        final: true,
        compress: false,
      });
      const frames = unpackFrames(sealed);
      assert.deepEqual(
        frames.map((f) => f.length - 24),
        bodies,
        `length ${length}`,
      );
      assert.deepEqual(
        frames.map((f) => f[1]),
        bodies.map((_, i) => (i === bodies.length - 1 ? 1 : 0)),
      );
      assert.equal(sealed.compressed, 0);
      assert.equal(sealed.offsets.length, frames.length + 1);
    }
  });
  test('batches continue the stream: two batches give the same frames as one', () => {
    const plaintext = pseudoRandom(3 * F + 9, 4);
    const whole = unpackFrames(
      sealBatch({ stream: params, firstIndex: 0, plaintext, final: true, compress: false }),
    );
    const a = sealBatch({
      stream: params,
      firstIndex: 0,
      plaintext: plaintext.subarray(0, 2 * F),
      final: false,
      compress: false,
    });
    const b = sealBatch({
      stream: params,
      firstIndex: 2,
      plaintext: plaintext.subarray(2 * F),
      final: true,
      compress: false,
    });
    assert.deepEqual([...unpackFrames(a), ...unpackFrames(b)], whole);
  });
  test('a non-final batch holds whole frames only; an empty non-final batch is empty', () => {
    throwsReason(
      () =>
        sealBatch({
          stream: params,
          firstIndex: 0,
          plaintext: new Uint8Array(F + 1),
          final: false,
          compress: false,
        }),
      'bad-params',
    );
    const empty = sealBatch({
      stream: params,
      firstIndex: 0,
      plaintext: new Uint8Array(0),
      final: false,
      compress: false,
    });
    assert.deepEqual(empty.offsets, [0]);
  });
  test('compression is refused with a clear error', () => {
    throwsReason(
      () =>
        sealBatch({
          stream: params,
          firstIndex: 0,
          plaintext: new Uint8Array(10),
          final: true,
          compress: true,
        }),
      'unsupported',
    );
  });
  test('indexes stay inside u32', () => {
    throwsReason(
      () =>
        sealBatch({
          stream: params,
          firstIndex: 2 ** 32,
          plaintext: new Uint8Array(0),
          final: true,
          compress: false,
        }),
      'bad-params',
    );
    throwsReason(
      () =>
        sealBatch({
          stream: params,
          firstIndex: 2 ** 32 - 1,
          plaintext: new Uint8Array(F + 1),
          final: true,
          compress: false,
        }),
      'bad-params',
    );
    const last = sealBatch({
      stream: params,
      firstIndex: 2 ** 32 - 1,
      plaintext: new Uint8Array(3),
      final: true,
      compress: false,
    });
    assert.equal(
      openBatch({ stream: params, firstIndex: 2 ** 32 - 1, ...last, expectFinal: true }).plaintext.length,
      3,
    );
  });
  test('a stream with a fresh salt never repeats a frame', () => {
    const plaintext = new Uint8Array(F);
    const a = sealStream(params, plaintext)[0]!;
    const b = sealStream(testParams({ salt: pseudoRandom(16, 77) }), plaintext)[0]!;
    assert.notDeepEqual(a, b);
  });
});

describe('openBatch', () => {
  const plaintext = pseudoRandom(4 * F, 8);
  const frames = sealStream(params, plaintext);
  test('opens a middle batch without FINAL and reports final only at the end', () => {
    const mid = openBatch({
      stream: params,
      firstIndex: 1,
      ...packFrames(frames.slice(1, 3)),
      expectFinal: false,
    });
    assert.ok(Buffer.from(mid.plaintext).equals(plaintext.subarray(F, 3 * F)));
    assert.equal(mid.final, false);
    const end = openBatch({
      stream: params,
      firstIndex: 3,
      ...packFrames(frames.slice(3)),
      expectFinal: true,
    });
    assert.equal(end.final, true);
  });
  test('an empty batch is fine mid-stream', () => {
    assert.equal(
      openBatch({
        stream: params,
        firstIndex: 0,
        frames: new Uint8Array(0),
        offsets: [0],
        expectFinal: false,
      }).plaintext.length,
      0,
    );
  });
  test('accepts a FINAL empty frame after full frames (a writer that learnt the end late)', () => {
    const a = sealBatch({
      stream: params,
      firstIndex: 0,
      plaintext: plaintext.subarray(0, F),
      final: false,
      compress: false,
    });
    const b = sealBatch({
      stream: params,
      firstIndex: 1,
      plaintext: new Uint8Array(0),
      final: true,
      compress: false,
    });
    const all = [...unpackFrames(a), ...unpackFrames(b)];
    assert.equal(all[1]!.length, 24);
    assert.ok(Buffer.from(openStream(params, all, { expectedFrames: 2 })).equals(plaintext.subarray(0, F)));
  });
  test('rejects offsets that do not fit the buffer', () => {
    const packed = packFrames(frames.slice(0, 2));
    for (const offsets of [[], [0, 10, 5], [0, packed.frames.length + 1], [-1, 5]]) {
      throwsReason(
        () =>
          openBatch({ stream: params, firstIndex: 0, frames: packed.frames, offsets, expectFinal: false }),
        'bad-params',
      );
    }
  });
});

// zstd frames built by hand: raw and RLE blocks only, enough to reach every structural check.
const le = (n: number, bytes: number): number[] =>
  Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** i) & 0xff);
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const single = (contentSize: number, extraDescriptorBits = 0): number[] => [
  ...MAGIC,
  0xa0 | extraDescriptorBits,
  ...le(contentSize, 4),
];
const windowed = (windowDescriptor: number): number[] => [...MAGIC, 0x00, windowDescriptor];
const rawBlock = (data: Uint8Array, last: boolean): number[] => [
  ...le((data.length << 3) | (last ? 1 : 0), 3),
  ...data,
];
const rleBlock = (byte: number, n: number, last: boolean): number[] => [
  ...le((n << 3) | 2 | (last ? 1 : 0), 3),
  byte,
];
const zstd = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** Seals `body` as ZSTD frame 0 of `params` and opens it as a one-frame batch. */
function openZstd(body: Uint8Array, final: boolean): Uint8Array {
  const frame = sealFrameBody(params, 0, body, { final, zstd: true });
  return openBatch({ stream: params, firstIndex: 0, ...packFrames([frame]), expectFinal: final }).plaintext;
}

describe('ZSTD frames (reference decompression)', () => {
  interface Body {
    name: string;
    plaintextLength: number;
    plaintextSha256Hex: string;
    zstdBase64: string;
  }
  const bodies = new Map(readFixture<{ cases: Body[] }>('zstd', 'bodies.json').cases.map((c) => [c.name, c]));
  const body = (name: string): Uint8Array => fromB64(bodies.get(name)!.zstdBase64);
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

  for (const name of ['fcs-64k-level19', 'fcs-64k-checksum', 'stdin-64k-checksum-no-fcs']) {
    test(`${name}: a non-final frame decompresses to exactly F`, () => {
      const out = openZstd(body(name), false);
      assert.equal(out.length, F);
      assert.equal(sha(out), bodies.get(name)!.plaintextSha256Hex);
      assert.equal(openZstd(body(name), true).length, F, 'and as a FINAL frame');
    });
  }
  for (const name of ['fcs-1000', 'stdin-1000-checksum-no-fcs']) {
    test(`${name}: a short FINAL frame opens, a short non-final one is bad-length`, () => {
      assert.equal(sha(openZstd(body(name), true)), bodies.get(name)!.plaintextSha256Hex);
      throwsReason(() => openZstd(body(name), false), 'bad-length');
    });
  }
  test('more than F bytes is too-large, declared or not', () => {
    throwsReason(() => openZstd(body('fcs-65537-over-cap'), true), 'too-large');
    throwsReason(() => openZstd(body('stdin-65537-no-fcs-over-cap'), true), 'too-large');
    throwsReason(
      () => openZstd(zstd(single(F), rleBlock(7, 65536, false), rleBlock(7, 1, true)), true),
      'too-large',
    );
  });
  test('a ZSTD frame in a stream: compressed first frame, raw FINAL frame', () => {
    const first = sealFrameBody(params, 0, body('fcs-64k-level19'), { final: false, zstd: true });
    const second = sealFrameBody(params, 1, Uint8Array.of(1, 2, 3), { final: true, zstd: false });
    const out = openStream(params, [first, second]);
    assert.equal(out.length, F + 3);
  });
  test('the tag is checked before decompression', () => {
    const frame = sealFrameBody(params, 0, zstd([0, 0, 0, 0]), { final: true, zstd: true });
    frame[10]! ^= 1;
    throwsReason(
      () => openBatch({ stream: params, firstIndex: 0, ...packFrames([frame]), expectFinal: true }),
      'bad-tag',
    );
  });
  test('a wrong content checksum is bad-zstd', () => {
    const b = body('stdin-1000-checksum-no-fcs').slice();
    b[b.length - 1]! ^= 1;
    throwsReason(() => openZstd(b, true), 'bad-zstd');
  });
  test('a body that is not exactly one zstd frame is bad-zstd', () => {
    const good = body('fcs-1000');
    const bad: [string, Uint8Array][] = [
      ['a trailing byte', Uint8Array.from([...good, 0])],
      ['truncated', good.subarray(0, good.length - 1)],
      ['two frames', Uint8Array.from([...good, ...good])],
      ['a skippable frame', zstd([0x50, 0x2a, 0x4d, 0x18], le(0, 4))],
      ['garbage', pseudoRandom(64, 9)],
      ['empty', new Uint8Array(0)],
      ['reserved descriptor bit', zstd(single(1, 0x08), rawBlock(Uint8Array.of(1), true))],
      ['a dictionary id', zstd([...MAGIC, 0xa1, 5, ...le(1, 4)], rawBlock(Uint8Array.of(1), true))],
      ['reserved block type', zstd(single(1), le((1 << 3) | 6 | 1, 3), [1])],
      ['a block larger than the window', zstd(single(2), rawBlock(Uint8Array.of(1, 2, 3), true))],
      ['a window over 2^27', zstd(windowed(18 << 3), rawBlock(Uint8Array.of(1), true))],
      ['content size that disagrees', zstd(single(3), rawBlock(Uint8Array.of(1, 2), true))],
      ['no last block', zstd(single(2), rawBlock(Uint8Array.of(1, 2), false))],
      [
        'corrupt compressed block',
        Uint8Array.from([...good.subarray(0, 12), ...pseudoRandom(good.length - 12, 3)]),
      ],
    ];
    for (const [name, b] of bad) throwsReason(() => openZstd(b, true), 'bad-zstd', name);
  });
  test('hand-built frames: raw and RLE blocks, with and without content size and checksum', () => {
    const data = pseudoRandom(1000, 12);
    assert.ok(Buffer.from(openZstd(zstd(single(1000), rawBlock(data, true)), true)).equals(data));
    const rle = openZstd(zstd(single(F), rleBlock(0x61, F / 2, false), rleBlock(0x61, F / 2, true)), false);
    assert.ok(rle.every((b) => b === 0x61) && rle.length === F);
    const checksum = Number(xxh64(data) & 0xffffffffn);
    const withChecksum = zstd([...MAGIC, 0x04, 10 << 3], rawBlock(data, true), le(checksum, 4));
    assert.ok(Buffer.from(openZstd(withChecksum, true)).equals(data));
    assert.deepEqual(inspectZstdFrame(withChecksum, F), {
      contentSize: undefined,
      windowSize: 1 << 20,
      hasChecksum: true,
      checksum,
    });
    assert.equal(openZstd(zstd(single(0), rawBlock(new Uint8Array(0), true)), true).length, 0);
  });
  test('XXH64 known answers', () => {
    assert.equal(xxh64(new Uint8Array(0)).toString(16), 'ef46db3751d8e999');
    // awslabs/aws-checksums tests/xxhash_test.c
    assert.equal(xxh64(new Uint8Array(Buffer.from('Hello world'))).toString(16), 'c500b0c912b376d8');
  });
});
