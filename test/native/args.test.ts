// Argument validation: the façade refuses caller bugs with TypeError (wrong type) or RangeError
// (wrong size or value) before the addon runs; the binding itself refuses wrong types with TypeError.
import assert from 'node:assert/strict';
import { FormatError } from '../../src/crypto/format.js';
import { describe, it } from 'node:test';
import type { OpenBatch, SealBatch } from '../../src/crypto/codec.js';
import {
  native,
  openBatch,
  sealBatch,
  sealCapacity,
  sealFrameCount,
  zstdCompressedLength,
} from '../../src/crypto/native.js';
import { noise, stream } from './codec-helpers.js';

const F = 2 ** 16;

function seal(patch: Partial<SealBatch> & { streamPatch?: object } = {}, out?: Uint8Array, level?: number) {
  const { streamPatch, ...rest } = patch;
  const batch = {
    stream: { ...stream(16), ...streamPatch },
    firstIndex: 0,
    plaintext: noise(100),
    final: true,
    compress: false,
    ...rest,
  } as SealBatch;
  return sealBatch(batch, out, undefined, level);
}

describe('native codec: argument validation', () => {
  it('stream parameters', () => {
    assert.throws(() => seal({ streamPatch: { dek: new Uint8Array(31) } }), {
      name: 'RangeError',
      message: /stream.dek must be 32 bytes/,
    });
    assert.throws(() => seal({ streamPatch: { dek: 'key' } }), {
      name: 'TypeError',
      message: /stream.dek must be a Uint8Array/,
    });
    assert.throws(() => seal({ streamPatch: { objectId: new Uint8Array(32) } }), RangeError);
    assert.throws(() => seal({ streamPatch: { salt: new Uint8Array(15) } }), RangeError);
    for (const part of [-1, 10_001, 1.5, Number.NaN]) {
      assert.throws(() => seal({ streamPatch: { part } }), RangeError, `part ${part}`);
    }
    assert.throws(() => seal({ streamPatch: { part: '1' } }), TypeError);
    for (const log2F of [15, 21, 16.5]) assert.throws(() => seal({ streamPatch: { log2F } }), RangeError);
    assert.doesNotThrow(() => seal({ streamPatch: { part: 10_000, log2F: 20 } }));
    assert.throws(() => sealBatch(null as unknown as SealBatch), TypeError);
  });

  it('plaintext length rules', () => {
    assert.throws(() => seal({ plaintext: noise(F + 1), final: false }), {
      name: 'RangeError',
      message: /positive multiple of F/,
    });
    assert.throws(() => seal({ plaintext: new Uint8Array(0), final: false }), RangeError);
    assert.doesNotThrow(() => seal({ plaintext: noise(2 * F), final: false }));
    assert.throws(() => seal({ plaintext: [1, 2, 3] as unknown as Uint8Array }), TypeError);
    assert.throws(() => seal({ final: 1 as unknown as boolean }), TypeError);
    assert.throws(() => seal({ compress: undefined as unknown as boolean }), TypeError);
    assert.equal(sealFrameCount(0, 16, true), 1);
    assert.equal(sealFrameCount(F, 16, true), 1);
    assert.equal(sealFrameCount(F + 1, 16, true), 2);
    assert.equal(sealCapacity(F + 1, 16, true), F + 1 + 48);
  });

  it('frame indexes', () => {
    assert.throws(() => seal({ firstIndex: -1 }), RangeError);
    assert.throws(() => seal({ firstIndex: 2 ** 32 }), RangeError);
    // Two frames from 2^32 - 1 would wrap.
    assert.throws(() => seal({ firstIndex: 2 ** 32 - 1, plaintext: noise(F + 1) }), RangeError);
    assert.doesNotThrow(() => seal({ firstIndex: 2 ** 32 - 2, plaintext: noise(F + 1) }));
  });

  it('output capacity and overlap', () => {
    const need = sealCapacity(100, 16, true);
    assert.throws(() => seal({}, new Uint8Array(need - 1)), { name: 'RangeError', message: /needs 124/ });
    assert.doesNotThrow(() => seal({}, new Uint8Array(need)));
    const shared = new Uint8Array(1000);
    assert.throws(() => seal({ plaintext: shared.subarray(0, 100) }, shared.subarray(50)), /overlap/);
    assert.doesNotThrow(() => seal({ plaintext: shared.subarray(0, 100) }, shared.subarray(100)));
  });

  it('zstd level', () => {
    assert.throws(() => seal({ compress: true }, undefined, 0), RangeError);
    assert.throws(() => seal({ compress: true }, undefined, 23), RangeError);
    assert.doesNotThrow(() => seal({ compress: true }, undefined, 3));
    assert.throws(() => zstdCompressedLength(noise(10), 0), RangeError);
  });

  it('open: offsets, indexes, capacity and overlap', () => {
    const s = stream(16);
    const sealed = sealBatch({
      stream: s,
      firstIndex: 0,
      plaintext: noise(F + 10),
      final: true,
      compress: false,
    });
    const base: OpenBatch = {
      stream: s,
      firstIndex: 0,
      frames: sealed.frames,
      offsets: sealed.offsets,
      expectFinal: true,
    };
    assert.equal(openBatch(base).plaintext.length, F + 10);
    // No frames at all: nothing to open, or the FINAL frame is missing (as the reference says).
    assert.throws(
      () => openBatch({ ...base, offsets: [0] }),
      (e: unknown) => e instanceof FormatError && e.reason === 'missing-final',
    );
    assert.equal(openBatch({ ...base, offsets: [0], expectFinal: false }).plaintext.length, 0);
    assert.throws(() => openBatch({ ...base, offsets: 'x' as unknown as number[] }), TypeError);
    assert.throws(() => openBatch({ ...base, offsets: [0, 100, 50] }), RangeError);
    assert.throws(() => openBatch({ ...base, offsets: [0, sealed.frames.length + 1] }), RangeError);
    assert.throws(() => openBatch({ ...base, offsets: [0, 1.5] }), RangeError);
    assert.throws(
      () => openBatch({ ...base, firstIndex: 2 ** 32 - 1 }),
      RangeError,
      'two frames from 2^32 - 1',
    );
    assert.throws(() => openBatch({ ...base, expectFinal: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => openBatch(base, new Uint8Array(F + 9)), {
      name: 'RangeError',
      message: /need up to 65546/,
    });
    const shared = new Uint8Array(sealed.frames.length + F + 10);
    shared.set(sealed.frames);
    const frames = shared.subarray(0, sealed.frames.length);
    assert.throws(() => openBatch({ ...base, frames }, shared.subarray(10)), /overlap/);
    assert.equal(
      openBatch({ ...base, frames }, shared.subarray(sealed.frames.length)).plaintext.length,
      F + 10,
    );
  });

  it('the binding refuses wrong types with TypeError on its own', () => {
    const b = native();
    const s = stream(16);
    const offsets = new Uint32Array(2);
    const call = (patch: Record<number, unknown>) => {
      const args: unknown[] = [
        s.dek,
        s.objectId,
        s.salt,
        0,
        16,
        0,
        noise(10),
        true,
        false,
        1,
        new Uint8Array(100),
        offsets,
        null,
      ];
      for (const [i, v] of Object.entries(patch)) args[Number(i)] = v;
      return (b.sealBatch as (...a: unknown[]) => number)(...args);
    };
    assert.equal(call({}), 0);
    for (const patch of [
      { 0: new Uint8Array(31) },
      { 0: 'x' },
      { 3: 10_001 },
      { 4: 21 },
      { 6: new Uint16Array(5) },
      { 7: 1 },
      { 11: [0, 0] },
      { 12: new Uint8Array(3) },
    ]) {
      assert.throws(
        () => call(patch),
        (err: unknown) =>
          err instanceof TypeError && (err as { code?: string }).code === 'ERR_JETVAULT_ARGUMENT',
        JSON.stringify(Object.keys(patch)),
      );
    }
    // Capacity is checked in C++ too, not only by the façade.
    assert.throws(() => call({ 10: new Uint8Array(33) }), TypeError);
    assert.throws(() => call({ 11: new Uint32Array(1) }), TypeError);
  });
});
