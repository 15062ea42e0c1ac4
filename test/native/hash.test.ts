// One-pass hashes (MD5, SHA-1, SHA-256, CRC-32, CRC-32C, CRC-64/NVME): equal to node:crypto and to
// plain-JS CRCs, whatever the split into calls, fused into seal/open, and carried across calls in an
// opaque state.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { HashName } from '../../src/crypto/codec.js';
import {
  HASH_NAMES,
  hashFinal,
  hashImplementations,
  hashInit,
  hashStateNames,
  hashUpdate,
  native,
  openBatch,
  sealBatch,
} from '../../src/crypto/native.js';
import { noise, stream, text } from './codec-helpers.js';

// Plain-JS reflected CRCs, byte at a time: the reference the native fast paths must match.
function table32(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[b] = c >>> 0;
  }
  return t;
}
const T32 = table32(0xedb88320);
const T32C = table32(0x82f63b78);
const T64 = (() => {
  const t: bigint[] = [];
  for (let b = 0n; b < 256n; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1n ? (c >> 1n) ^ 0x9a6c9329ac4bc9b5n : c >> 1n;
    t.push(c);
  }
  return t;
})();

function crc32js(data: Uint8Array, t = T32): string {
  let c = 0xffffffff;
  for (const b of data) c = t[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
function crc64js(data: Uint8Array): string {
  let c = 0xffffffffffffffffn;
  for (const b of data) c = T64[Number((c ^ BigInt(b)) & 0xffn)]! ^ (c >> 8n);
  return (c ^ 0xffffffffffffffffn).toString(16).padStart(16, '0');
}

function expected(data: Uint8Array): Record<HashName, string> {
  const h = (alg: string) => createHash(alg).update(data).digest('hex');
  return {
    md5: h('md5'),
    sha1: h('sha1'),
    sha256: h('sha256'),
    crc32: crc32js(data),
    crc32c: crc32js(data, T32C),
    crc64nvme: crc64js(data),
  };
}

function hex(digests: ReturnType<typeof hashFinal>): Partial<Record<HashName, string>> {
  const out: Partial<Record<HashName, string>> = {};
  for (const name of HASH_NAMES) {
    const d = digests[name];
    if (d) out[name] = Buffer.from(d).toString('hex');
  }
  return out;
}

function hashAll(
  pieces: Uint8Array[],
  names: readonly HashName[] = HASH_NAMES,
): ReturnType<typeof hashFinal> {
  const state = hashInit(names);
  for (const p of pieces) hashUpdate(state, p);
  return hashFinal(state);
}

describe('native hashes', () => {
  it('CRC check values of "123456789"', () => {
    const d = hex(hashAll([new TextEncoder().encode('123456789')]));
    assert.equal(d.crc32, 'cbf43926');
    assert.equal(d.crc32c, 'e3069283');
    assert.equal(d.crc64nvme, 'ae8b14860a799888');
  });

  it('reports which CRC code runs on this CPU', () => {
    const impl = hashImplementations();
    const caps = native().capabilities();
    if (process.arch === 'x64' && caps.pclmulqdq) {
      const fold = caps.vpclmulqdq && caps.avx512f ? 'vpclmul-avx512' : 'pclmul';
      assert.equal(impl.crc32, fold);
      assert.equal(impl.crc64nvme, fold);
      assert.match(impl.crc32c, /^sse42/);
    } else {
      for (const v of Object.values(impl)) assert.equal(typeof v, 'string');
    }
  });

  it('every CRC implementation this CPU has agrees with plain JS', () => {
    const b = native();
    const caps = b.capabilities();
    const impls = ['table', 'pclmul', 'vpclmul-avx512', 'sse42', 'sse42-3way', 'armv8-crc'];
    const refs = [(d: Uint8Array) => crc32js(d), (d: Uint8Array) => crc32js(d, T32C), crc64js];
    const base = noise(40_000, 3);
    const lengths = [...Array.from({ length: 300 }, (_, i) => i), 511, 512, 513, 1023, 3071, 3072, 3073];
    const seen = new Set<string>();
    for (const kind of [0, 1, 2] as const) {
      for (const impl of impls) {
        if (b.crcWith(kind, impl, new Uint8Array(1)) === null) continue;
        seen.add(`${kind}:${impl}`);
        for (const length of [...lengths, 12_287, 12_288, 12_289, 24_576 + 777, 39_990]) {
          const data = base.subarray(length % 5, (length % 5) + length);
          const got = b
            .crcWith(kind, impl, data)!
            .toString(16)
            .padStart(kind === 2 ? 16 : 8, '0');
          assert.equal(got, refs[kind]!(data), `kind ${kind} ${impl} length ${length}`);
        }
      }
    }
    // The fast paths this CPU offers were really exercised.
    if (process.arch === 'x64' && caps.pclmulqdq) {
      for (const k of ['0:pclmul', '1:pclmul', '2:pclmul', '1:sse42', '1:sse42-3way'])
        assert.ok(seen.has(k), k);
      if (caps.vpclmulqdq && caps.avx512f) {
        assert.ok(seen.has('0:vpclmul-avx512') && seen.has('2:vpclmul-avx512'));
      }
    }
    assert.equal(b.crcWith(0, 'no-such-impl', new Uint8Array(1)), null);
  });

  it('equal node:crypto and plain-JS CRCs for many lengths and alignments', () => {
    const base = noise(300_000, 11);
    const lengths = [0, 1, 7, 8, 15, 16, 17, 63, 64, 65, 127, 128, 767, 768, 769, 12_287, 12_288, 12_289];
    for (const length of [...lengths, 100_003, 262_144]) {
      for (const offset of length > 20_000 ? [0] : [0, 1, 3]) {
        const data = base.subarray(offset, offset + length);
        assert.deepEqual(hex(hashAll([data])), expected(data), `length ${length} offset ${offset}`);
      }
    }
  });

  it('give the same result in one call or many', () => {
    const data = noise(1_000_000, 5);
    const want = hex(hashAll([data]));
    assert.deepEqual(want, expected(data));
    for (const seed of [1, 2, 3]) {
      const pieces: Uint8Array[] = [];
      let at = 0;
      let x = seed;
      while (at < data.length) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const n = [0, 1, 13, 64, 4095, 65_536, 200_001][x % 7]!;
        pieces.push(data.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(hex(hashAll(pieces)), want, `seed ${seed}`);
    }
  });

  it('compute only the hashes asked for, count bytes, and leave the state usable after final', () => {
    const state = hashInit(['sha256', 'crc32c']);
    assert.deepEqual(hashStateNames(state), ['sha256', 'crc32c']);
    hashUpdate(state, text(1000));
    const first = hashFinal(state);
    assert.deepEqual(Object.keys(first).sort(), ['bytes', 'crc32c', 'sha256']);
    assert.equal(first.bytes, 1000);
    assert.deepEqual(hashFinal(state), first, 'final does not change the state');
    hashUpdate(state, text(10));
    assert.equal(hashFinal(state).bytes, 1010);
    const none = hashInit([]);
    hashUpdate(none, text(5));
    assert.deepEqual(hashFinal(none), { bytes: 5 });
  });

  it('rejects unknown names and foreign or corrupted states', () => {
    assert.throws(() => hashInit(['md4' as HashName]), RangeError);
    assert.throws(() => hashUpdate(new Uint8Array(10), text(1)), RangeError);
    const state = hashInit(['md5']);
    const wrongVersion = Uint8Array.from(state);
    wrongVersion[0] = 9;
    assert.throws(() => hashUpdate(wrongVersion, text(1)), { name: 'TypeError', message: /unknown version/ });
    const wrongSizes = Uint8Array.from(state);
    wrongSizes[2]! += 1;
    assert.throws(() => hashFinal(wrongSizes), { name: 'TypeError', message: /another build/ });
    const unknownBits = Uint8Array.from(state);
    unknownBits[1] = 0x40;
    assert.throws(() => hashFinal(unknownBits), { name: 'TypeError', message: /unknown hashes/ });
  });
});

describe('native hashes fused into seal and open', () => {
  for (const compress of [false, true]) {
    it(`seal and open hash the plaintext in the same pass (compress ${compress})`, () => {
      const log2F = 16;
      const f = 2 ** log2F;
      const s = stream(log2F);
      const plaintext = new Uint8Array(5 * f + 999);
      plaintext.set(text(2 * f));
      plaintext.set(noise(3 * f + 999, 4), 2 * f);
      const want = expected(plaintext);

      // Sealed in three batches, the hash state carried from one to the next.
      const sealState = hashInit(HASH_NAMES);
      const openState = hashInit(HASH_NAMES);
      const cuts = [0, f, 4 * f, plaintext.length];
      for (let b = 0; b < 3; b++) {
        const r = sealBatch(
          {
            stream: s,
            firstIndex: cuts[b]! / f,
            plaintext: plaintext.subarray(cuts[b], cuts[b + 1]),
            final: b === 2,
            compress,
          },
          undefined,
          sealState,
        );
        assert.equal(r.hashState, sealState);
        const o = openBatch(
          { stream: s, firstIndex: cuts[b]! / f, frames: r.frames, offsets: r.offsets, expectFinal: b === 2 },
          undefined,
          openState,
        );
        assert.equal(o.hashState, openState);
      }
      assert.deepEqual(hex(hashFinal(sealState)), want);
      assert.deepEqual(hex(hashFinal(openState)), want);
      assert.equal(hashFinal(sealState).bytes, plaintext.length);
    });
  }
});
