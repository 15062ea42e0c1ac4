// src/crypto/format.ts, frames: header, nonce, AAD layout, stream keys, frame counts, TLV.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  AAD_BYTES,
  compressionPays,
  decodeFrameHeader,
  decodeTlv,
  deriveStreamKeys,
  encodeFrameHeader,
  encodeTlv,
  frameAad,
  frameCountFits,
  frameCountFor,
  frameNonce,
  splitFrame,
} from '../../../src/crypto/format.js';
import { fromHex, testParams, throwsReason, toHex } from './helpers.js';

describe('frame header', () => {
  test('encodes version, flags, reserved and the BE32 index', () => {
    assert.equal(toHex(encodeFrameHeader(0, { final: false, zstd: false })), '0100000000000000');
    assert.equal(toHex(encodeFrameHeader(1, { final: true, zstd: false })), '0101000000000001');
    assert.equal(toHex(encodeFrameHeader(0x01020304, { final: false, zstd: true })), '0102000001020304');
    assert.equal(toHex(encodeFrameHeader(0xffffffff, { final: true, zstd: true })), '01030000ffffffff');
  });
  test('round-trips', () => {
    for (const index of [0, 1, 255, 65536, 0xffffffff]) {
      for (const final of [false, true]) {
        for (const zstd of [false, true]) {
          const h = decodeFrameHeader(encodeFrameHeader(index, { final, zstd }));
          assert.deepEqual(h, { version: 1, flags: (final ? 1 : 0) | (zstd ? 2 : 0), final, zstd, index });
        }
      }
    }
  });
  test('rejects a version other than 1', () => {
    for (const v of ['00', '02', 'ff'])
      throwsReason(() => decodeFrameHeader(fromHex(`${v}00000000000000`)), 'bad-version');
  });
  test('rejects every unknown flag bit', () => {
    for (let bit = 2; bit < 8; bit++) {
      const h = encodeFrameHeader(0, { final: true, zstd: true });
      h[1]! |= 1 << bit;
      throwsReason(() => decodeFrameHeader(h), 'bad-flags');
    }
  });
  test('rejects non-zero reserved bytes', () => {
    throwsReason(() => decodeFrameHeader(fromHex('0100010000000000')), 'bad-reserved');
    throwsReason(() => decodeFrameHeader(fromHex('0100000100000000')), 'bad-reserved');
  });
  test('rejects indexes outside u32 on encode', () => {
    for (const index of [-1, 1.5, 2 ** 32, Number.NaN]) {
      throwsReason(() => encodeFrameHeader(index, { final: false, zstd: false }), 'bad-params');
    }
  });
  test('splitFrame rejects frames shorter than 24 bytes and splits the rest', () => {
    for (const n of [0, 7, 8, 23]) throwsReason(() => splitFrame(new Uint8Array(n).fill(0)), 'short-frame');
    const frame = new Uint8Array(30);
    frame.set(encodeFrameHeader(5, { final: true, zstd: false }));
    const parts = splitFrame(frame);
    assert.equal(parts.header.index, 5);
    assert.equal(parts.ciphertext.length, 6);
    assert.equal(parts.tag.length, 16);
  });
});

describe('nonce and AAD', () => {
  const params = testParams({ part: 0x0a0b0c0d & 0x1fff, log2F: 18 });
  test('nonce = prefix ‖ BE32(index) ‖ final byte', () => {
    const prefix = fromHex('a1a2a3a4a5a6a7');
    assert.equal(toHex(frameNonce(prefix, 0x01020304, false)), 'a1a2a3a4a5a6a70102030400');
    assert.equal(toHex(frameNonce(prefix, 0, true)), 'a1a2a3a4a5a6a70000000001');
    throwsReason(() => frameNonce(fromHex('a1a2a3'), 0, true), 'bad-params');
  });
  test('AAD is 47 bytes at fixed offsets', () => {
    const header = encodeFrameHeader(7, { final: true, zstd: false });
    const aad = frameAad(params, header);
    assert.equal(aad.length, AAD_BYTES);
    assert.equal(aad[0], 1);
    assert.equal(aad[1], 1);
    assert.equal(aad[2], 18);
    assert.equal(toHex(aad.subarray(3, 11)), toHex(header));
    assert.equal(new DataView(aad.buffer).getUint32(11), params.part);
    assert.equal(toHex(aad.subarray(15, 31)), toHex(params.objectId));
    assert.equal(toHex(aad.subarray(31, 47)), toHex(params.salt));
  });
  test('AAD rejects out-of-format parameters', () => {
    const header = encodeFrameHeader(0, { final: false, zstd: false });
    throwsReason(() => frameAad({ ...params, part: 10001 }, header), 'bad-params');
    throwsReason(() => frameAad({ ...params, log2F: 15 }, header), 'bad-params');
    throwsReason(() => frameAad({ ...params, log2F: 21 }, header), 'bad-params');
    throwsReason(() => frameAad({ ...params, salt: new Uint8Array(15) }, header), 'bad-params');
    throwsReason(() => frameAad(params, header.subarray(0, 7)), 'bad-params');
  });
});

describe('stream keys (§2)', () => {
  test('okm = HKDF-SHA256(DEK, salt, "jetvault/v1/stream" ‖ object_id ‖ BE32(part), 39), split 32 + 7', () => {
    const p = testParams({ part: 3 });
    const info = Buffer.concat([Buffer.from('jetvault/v1/stream'), p.objectId, Buffer.from([0, 0, 0, 3])]);
    // HKDF by hand from HMAC (RFC 5869 §2), independent of hkdfSync.
    const prk = createHmac('sha256', p.salt).update(p.dek).digest();
    const t1 = createHmac('sha256', prk)
      .update(info)
      .update(Buffer.from([1]))
      .digest();
    const t2 = createHmac('sha256', prk)
      .update(t1)
      .update(info)
      .update(Buffer.from([2]))
      .digest();
    const okm = Buffer.concat([t1, t2]).subarray(0, 39);
    const keys = deriveStreamKeys(p);
    assert.equal(toHex(keys.key), toHex(okm.subarray(0, 32)));
    assert.equal(toHex(keys.noncePrefix), toHex(okm.subarray(32, 39)));
  });
  test('a different salt, part or object id gives different keys', () => {
    const a = deriveStreamKeys(testParams());
    for (const other of [
      testParams({ part: 1 }),
      testParams({ salt: new Uint8Array(16) }),
      testParams({ objectId: new Uint8Array(16) }),
    ]) {
      const b = deriveStreamKeys(other);
      assert.notEqual(toHex(a.key), toHex(b.key));
      assert.notEqual(toHex(a.noncePrefix), toHex(b.noncePrefix));
    }
  });
  test('rejects short keys instead of padding them', () => {
    throwsReason(() => deriveStreamKeys(testParams({ dek: new Uint8Array(31) })), 'bad-params');
    throwsReason(() => deriveStreamKeys(testParams({ objectId: new Uint8Array(17) })), 'bad-params');
    throwsReason(() => deriveStreamKeys(testParams({ part: -1 })), 'bad-params');
    throwsReason(() => deriveStreamKeys(testParams({ log2F: 16.5 })), 'bad-params');
  });
});

test('frame counts', () => {
  const F = 65536;
  assert.deepEqual(
    [0, 1, F - 1, F, F + 1, 2 * F + 5].map((n) => frameCountFor(n, 16)),
    [1, 1, 1, 1, 2, 3],
  );
  assert.equal(frameCountFits(1n, 0n, 16), true);
  assert.equal(frameCountFits(1n, BigInt(F), 16), true);
  assert.equal(frameCountFits(2n, BigInt(F), 16), true, 'a full frame then an empty FINAL one');
  assert.equal(frameCountFits(2n, BigInt(F - 1), 16), false);
  assert.equal(frameCountFits(1n, BigInt(F + 1), 16), false);
  assert.equal(frameCountFits(0n, 0n, 16), false);
});

test('compression is kept only when it saves at least 3%', () => {
  assert.equal(compressionPays(97, 100), true);
  assert.equal(compressionPays(98, 100), false);
  assert.equal(compressionPays(63569, 65536), true);
  assert.equal(compressionPays(63570, 65536), false);
});

describe('TLV', () => {
  const known = new Set([1, 2, 3]);
  test('round-trips', () => {
    const bytes = encodeTlv([
      { type: 1, value: fromHex('aa') },
      { type: 3, value: new Uint8Array(0) },
    ]);
    assert.equal(toHex(bytes), '0100000001aa0300000000');
    const fields = decodeTlv(bytes, known, 'bad-envelope');
    assert.deepEqual([...fields.keys()], [1, 3]);
    assert.equal(toHex(fields.get(1)!), 'aa');
  });
  test('encode refuses unsorted, repeated or out-of-range types', () => {
    const v = new Uint8Array(0);
    throwsReason(
      () =>
        encodeTlv([
          { type: 2, value: v },
          { type: 1, value: v },
        ]),
      'bad-params',
    );
    throwsReason(
      () =>
        encodeTlv([
          { type: 2, value: v },
          { type: 2, value: v },
        ]),
      'bad-params',
    );
    throwsReason(() => encodeTlv([{ type: 0, value: v }]), 'bad-params');
    throwsReason(() => encodeTlv([{ type: 256, value: v }]), 'bad-params');
  });
  test('decode rejects disorder, repeats, unknown types and truncation with the given reason', () => {
    throwsReason(() => decodeTlv(fromHex('02000000000100000000'), known, 'bad-meta'), 'bad-meta');
    throwsReason(() => decodeTlv(fromHex('01000000000100000000'), known, 'bad-envelope'), 'bad-envelope');
    throwsReason(() => decodeTlv(fromHex('0400000000'), known, 'bad-envelope'), 'bad-envelope');
    throwsReason(() => decodeTlv(fromHex('01000000'), known, 'bad-envelope'), 'bad-envelope');
    throwsReason(() => decodeTlv(fromHex('0100000002aa'), known, 'bad-envelope'), 'bad-envelope');
    throwsReason(() => decodeTlv(fromHex('01ffffffffaa'), known, 'bad-envelope'), 'bad-envelope');
  });
});
