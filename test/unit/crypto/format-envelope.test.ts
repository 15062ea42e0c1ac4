// src/crypto/format.ts, envelope side: envelope encode/parse and every rejection, commitment, MAC, base64url,
// frame sequences, sealed metadata, local DEK wrapping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EnvelopeField as T,
  decodeMetaBody,
  encodeEnvelope,
  encodeEnvelopeSigned,
  encodeMetaBody,
  encodeTlv,
  envelopeFromMeta,
  envelopeToMeta,
  frameSequence,
  keyCommitment,
  openMetadata,
  parseEnvelope,
  sealMetadata,
  unwrapDekLocal,
  verifyEnvelope,
  wrapAad,
  wrapDekLocal,
  type Envelope,
  type TlvField,
} from '../../../src/crypto/format.js';
import { fromHex, pseudoRandom, throwsReason, toHex } from './helpers.js';

const dek = pseudoRandom(32, 21);
const objectId = pseudoRandom(16, 22);
const F = 65536n;

const single: Envelope = {
  alg: 1,
  log2F: 16,
  objectId,
  salt: pseudoRandom(16, 23),
  size: 2n * F + 5n,
  frames: 3,
  kekId: 'k\u00e9k',
  kekVersion: 7,
  wrappedDek: pseudoRandom(60, 24),
  commitment: keyCommitment(dek, objectId),
  sealed: pseudoRandom(40, 25),
  firstSeq: 5n,
  seqGaps: [{ frame: 1, seq: 9n }],
};
const multipart: Envelope = {
  ...single,
  salt: undefined,
  frames: undefined,
  size: F + 10n,
  seqGaps: [{ frame: 1, seq: 100n }],
  parts: [
    { part: 1, salt: pseudoRandom(16, 26), size: F, frames: 1, firstSeq: 5n },
    { part: 3, salt: pseudoRandom(16, 27), size: 10n, frames: 1, firstSeq: 100n },
  ],
};
delete multipart.salt;
delete multipart.frames;

/** A raw envelope from fields, bypassing the encoder's checks (parse does not look at the MAC). */
const raw = (fields: TlvField[]): Uint8Array =>
  Uint8Array.from([...Buffer.from('JVE1'), ...encodeTlv(fields), ...new Uint8Array(32)]);
const be = (n: number, bytes = 4): Uint8Array => {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = bytes - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
/** The TLV fields of `single`, with replacements (undefined drops a field). */
function fieldsOf(replace: Partial<Record<number, Uint8Array | undefined>> = {}): TlvField[] {
  const base: Record<number, Uint8Array> = {
    [T.alg]: Uint8Array.of(1),
    [T.log2F]: Uint8Array.of(16),
    [T.objectId]: objectId,
    [T.salt]: single.salt!,
    [T.size]: be(2 * 65536 + 5, 8),
    [T.frames]: be(3),
    [T.kekId]: new Uint8Array(Buffer.from('kek')),
    [T.kekVersion]: be(7),
    [T.wrappedDek]: single.wrappedDek,
    [T.commitment]: single.commitment,
    [T.sealed]: single.sealed,
    [T.firstSeq]: be(5, 8),
    [T.seqGaps]: new Uint8Array(0),
  };
  const merged = { ...base, ...replace };
  return Object.entries(merged)
    .filter((e): e is [string, Uint8Array] => e[1] !== undefined)
    .map(([type, value]) => ({ type: Number(type), value }))
    .sort((a, b) => a.type - b.type);
}

describe('envelope', () => {
  test('single-PUT and multipart envelopes round-trip', () => {
    for (const env of [single, multipart]) {
      const bytes = encodeEnvelope(env, dek, 'b', 'k');
      const parsed = parseEnvelope(bytes);
      assert.deepEqual(parsed.envelope, env);
      verifyEnvelope(parsed, dek, 'b', 'k');
      assert.equal(toHex(parsed.signed), toHex(encodeEnvelopeSigned(env)));
    }
  });
  test('the raw builder matches the encoder (so the rejections below test one change each)', () => {
    const bytes = raw(
      fieldsOf({
        [T.kekId]: new Uint8Array(Buffer.from('k\u00e9k')),
        [T.seqGaps]: Uint8Array.from([...be(1), ...be(9, 8)]),
      }),
    );
    assert.equal(toHex(bytes.subarray(0, bytes.length - 32)), toHex(encodeEnvelopeSigned(single)));
  });
  test('starts with the magic and lays out fields as type ‖ BE32 length ‖ value', () => {
    const bytes = encodeEnvelope(single, dek, 'b', 'k');
    assert.equal(Buffer.from(bytes.subarray(0, 4)).toString(), 'JVE1');
    assert.equal(toHex(bytes.subarray(4, 10)), '010000000101');
  });
  test('rejects a bad magic, a short envelope and a huge one', () => {
    const good = encodeEnvelope(single, dek, 'b', 'k');
    throwsReason(
      () => parseEnvelope(Uint8Array.from([0x4a, 0x56, 0x45, 0x32, ...good.subarray(4)])),
      'bad-envelope',
    );
    throwsReason(() => parseEnvelope(good.subarray(0, 35)), 'bad-envelope');
    throwsReason(() => parseEnvelope(new Uint8Array((1 << 20) + 1)), 'too-large');
  });
  test('rejects unknown types, disorder and repeats', () => {
    throwsReason(
      () => parseEnvelope(raw([...fieldsOf(), { type: 15, value: new Uint8Array(0) }])),
      'bad-envelope',
    );
    const f = fieldsOf();
    const swapped = [...f];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    const bytes = Uint8Array.from([
      ...Buffer.from('JVE1'),
      ...swapped.flatMap((x) => [x.type, ...be(x.value.length), ...x.value]),
      ...new Uint8Array(32),
    ]);
    throwsReason(() => parseEnvelope(bytes), 'bad-envelope');
    const repeated = Uint8Array.from([
      ...Buffer.from('JVE1'),
      1,
      0,
      0,
      0,
      1,
      1,
      1,
      0,
      0,
      0,
      1,
      1,
      ...new Uint8Array(32),
    ]);
    throwsReason(() => parseEnvelope(repeated), 'bad-envelope');
  });
  test('rejects every missing required field', () => {
    for (const type of [
      T.alg,
      T.log2F,
      T.objectId,
      T.size,
      T.kekId,
      T.kekVersion,
      T.wrappedDek,
      T.commitment,
      T.sealed,
      T.firstSeq,
      T.seqGaps,
    ]) {
      throwsReason(
        () => parseEnvelope(raw(fieldsOf({ [type]: undefined }))),
        'bad-envelope',
        `without field ${type}`,
      );
    }
  });
  test('rejects wrong field sizes', () => {
    const sizes: [number, number][] = [
      [T.alg, 2],
      [T.log2F, 0],
      [T.objectId, 15],
      [T.salt, 17],
      [T.size, 4],
      [T.frames, 8],
      [T.kekVersion, 2],
      [T.commitment, 31],
      [T.firstSeq, 4],
      [T.seqGaps, 11],
      [T.sealed, 15],
      [T.wrappedDek, 0],
      [T.kekId, 0],
    ];
    for (const [type, length] of sizes) {
      throwsReason(
        () => parseEnvelope(raw(fieldsOf({ [type]: new Uint8Array(length).fill(1) }))),
        'bad-envelope',
        `field ${type}`,
      );
    }
  });
  test('rejects bad values', () => {
    const bad: [string, Partial<Record<number, Uint8Array | undefined>>][] = [
      ['alg 2', { [T.alg]: Uint8Array.of(2) }],
      ['log2F 15', { [T.log2F]: Uint8Array.of(15) }],
      ['log2F 21', { [T.log2F]: Uint8Array.of(21) }],
      ['kek_id not UTF-8', { [T.kekId]: Uint8Array.of(0xc3, 0x28) }],
      ['first_seq 0', { [T.firstSeq]: be(0, 8) }],
      ['frames cannot hold size', { [T.frames]: be(2) }],
      ['frames 0', { [T.frames]: be(0), [T.size]: be(0, 8) }],
      ['salt without frames', { [T.frames]: undefined }],
      ['frames without salt', { [T.salt]: undefined }],
      ['neither single nor multipart', { [T.salt]: undefined, [T.frames]: undefined }],
      ['single and multipart', { [T.parts]: new Uint8Array(40) }],
      ['gap at frame 0', { [T.seqGaps]: Uint8Array.from([...be(0), ...be(50, 8)]) }],
      ['gap past the last frame', { [T.seqGaps]: Uint8Array.from([...be(3), ...be(50, 8)]) }],
      ['gap that does not jump', { [T.seqGaps]: Uint8Array.from([...be(1), ...be(6, 8)]) }],
      [
        'gaps out of order',
        { [T.seqGaps]: Uint8Array.from([...be(2), ...be(50, 8), ...be(1, 4), ...be(60, 8)]) },
      ],
    ];
    for (const [name, replace] of bad)
      throwsReason(() => parseEnvelope(raw(fieldsOf(replace))), 'bad-envelope', name);
  });
  test('rejects bad multipart manifests', () => {
    const entry = (part: number, size: number, frames: number, seq = 5) =>
      Uint8Array.from([...be(part), ...new Uint8Array(16), ...be(size, 8), ...be(frames), ...be(seq, 8)]);
    const mp = (parts: Uint8Array, size: number) =>
      raw(fieldsOf({ [T.salt]: undefined, [T.frames]: undefined, [T.size]: be(size, 8), [T.parts]: parts }));
    assert.equal(
      parseEnvelope(mp(Uint8Array.from([...entry(1, 65536, 1), ...entry(2, 10, 1, 9)]), 65546)).envelope
        .parts!.length,
      2,
    );
    const bad: [string, Uint8Array, number][] = [
      ['empty manifest', new Uint8Array(0), 0],
      ['partial entry', entry(1, 10, 1).subarray(0, 39), 10],
      ['part 0', entry(0, 10, 1), 10],
      ['part 10001', entry(10001, 10, 1), 10],
      ['parts out of order', Uint8Array.from([...entry(2, 10, 1), ...entry(1, 10, 1)]), 20],
      ['a part twice', Uint8Array.from([...entry(2, 10, 1), ...entry(2, 10, 1)]), 20],
      ['sizes do not add up', entry(1, 10, 1), 11],
      ['frames cannot hold a part', entry(1, 65537, 1), 65537],
      ['first_seq 0', entry(1, 10, 1, 0), 10],
    ];
    for (const [name, parts, size] of bad)
      throwsReason(() => parseEnvelope(mp(parts, size)), 'bad-envelope', name);
  });
  test('the encoder refuses what the parser would reject', () => {
    throwsReason(() => encodeEnvelope({ ...single, alg: 2 }, dek, 'b', 'k'), 'bad-params');
    throwsReason(() => encodeEnvelope({ ...single, frames: 1 }, dek, 'b', 'k'), 'bad-params');
    throwsReason(() => encodeEnvelope({ ...single, kekId: '' }, dek, 'b', 'k'), 'bad-params');
    throwsReason(() => encodeEnvelope({ ...multipart, salt: single.salt }, dek, 'b', 'k'), 'bad-params');
    throwsReason(
      () => encodeEnvelope({ ...single, commitment: new Uint8Array(31) }, dek, 'b', 'k'),
      'bad-params',
    );
    throwsReason(() => encodeEnvelope(single, dek, 'b', 'x'.repeat(65536)), 'bad-params');
  });
  test('verify checks the commitment, then the MAC over bucket and key', () => {
    const parsed = parseEnvelope(encodeEnvelope(single, dek, 'bucket', 'key'));
    verifyEnvelope(parsed, dek, 'bucket', 'key');
    throwsReason(() => verifyEnvelope(parsed, pseudoRandom(32, 1), 'bucket', 'key'), 'bad-commitment');
    throwsReason(() => verifyEnvelope(parsed, dek, 'bucke', 'tkey'), 'bad-mac');
    throwsReason(() => verifyEnvelope(parsed, dek, 'bucket', 'key2'), 'bad-mac');
  });
  test('the commitment is HMAC(DEK, "jetvault/v1/commit" ‖ object_id)', () => {
    const c = keyCommitment(fromHex('00'.repeat(32)), fromHex('11'.repeat(16)));
    assert.equal(c.length, 32);
    assert.notEqual(toHex(c), toHex(keyCommitment(fromHex('00'.repeat(32)), fromHex('12'.repeat(16)))));
  });
  test('base64url in the meta field is strict', () => {
    const bytes = encodeEnvelope(single, dek, 'b', 'k');
    const text = envelopeToMeta(bytes);
    assert.doesNotMatch(text, /[=+/]/);
    assert.equal(toHex(envelopeFromMeta(text)), toHex(bytes));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    assert.notEqual(text.length % 4, 0, 'the fixture envelope leaves unused bits in its last character');
    const lastBitSet = text.slice(0, -1) + alphabet[alphabet.indexOf(text.slice(-1)) ^ 1]!;
    for (const bad of [`${text}=`, text.replace(/.$/, '+'), lastBitSet, 'a b', 'A'.repeat(5)]) {
      throwsReason(() => envelopeFromMeta(bad), 'bad-envelope', bad.slice(-4));
    }
  });
  test('frame sequences follow first_seq and the gaps', () => {
    const env = {
      firstSeq: 10n,
      seqGaps: [
        { frame: 3, seq: 50n },
        { frame: 5, seq: 90n },
      ],
    };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => frameSequence(env, i)),
      [10n, 11n, 12n, 50n, 51n, 90n, 91n],
    );
  });
});

describe('sealed metadata (§5.2)', () => {
  const full = {
    etag: '"0123abcd-2"',
    checksumAlgorithm: 'CRC64NVME',
    checksum: fromHex('ae8b14860a799888'),
    checksumType: 'COMPOSITE' as const,
  };
  test('round-trips with and without a checksum', () => {
    for (const meta of [
      full,
      { etag: '"x"' },
      { etag: '"x"', checksumAlgorithm: 'SHA256', checksum: new Uint8Array(32) },
    ]) {
      const sealed = sealMetadata(dek, objectId, meta);
      assert.deepEqual(openMetadata(dek, objectId, sealed), meta);
      assert.deepEqual(decodeMetaBody(encodeMetaBody(meta)), meta);
    }
  });
  test('is deterministic per object (fixed nonce under a per-object key)', () => {
    assert.equal(toHex(sealMetadata(dek, objectId, full)), toHex(sealMetadata(dek, objectId, full)));
    assert.notEqual(
      toHex(sealMetadata(dek, objectId, full)),
      toHex(sealMetadata(dek, pseudoRandom(16, 2), full)),
    );
  });
  test('rejects tampering, another object and another DEK with bad-tag', () => {
    const sealed = sealMetadata(dek, objectId, full);
    for (let at = 0; at < sealed.length; at += 7) {
      const copy = sealed.slice();
      copy[at]! ^= 1;
      throwsReason(() => openMetadata(dek, objectId, copy), 'bad-tag');
    }
    throwsReason(() => openMetadata(dek, pseudoRandom(16, 3), sealed), 'bad-tag');
    throwsReason(() => openMetadata(pseudoRandom(32, 3), objectId, sealed), 'bad-tag');
    throwsReason(() => openMetadata(dek, objectId, sealed.subarray(0, 15)), 'bad-tag');
  });
  test('rejects malformed bodies with bad-meta', () => {
    const tlv = (fields: TlvField[]) => encodeTlv(fields);
    const s = (t: string) => new Uint8Array(Buffer.from(t));
    throwsReason(() => decodeMetaBody(tlv([])), 'bad-meta');
    throwsReason(
      () =>
        decodeMetaBody(
          tlv([
            { type: 1, value: s('"x"') },
            { type: 2, value: s('CRC32') },
          ]),
        ),
      'bad-meta',
    );
    throwsReason(
      () =>
        decodeMetaBody(
          tlv([
            { type: 1, value: s('"x"') },
            { type: 4, value: s('FULL_OBJECT') },
          ]),
        ),
      'bad-meta',
    );
    throwsReason(
      () =>
        decodeMetaBody(
          tlv([
            { type: 1, value: s('"x"') },
            { type: 2, value: s('C') },
            { type: 3, value: s('1') },
            { type: 4, value: s('PARTIAL') },
          ]),
        ),
      'bad-meta',
    );
    throwsReason(() => decodeMetaBody(tlv([{ type: 1, value: Uint8Array.of(0xff) }])), 'bad-meta');
    throwsReason(
      () =>
        decodeMetaBody(
          tlv([
            { type: 1, value: s('"x"') },
            { type: 5, value: s('?') },
          ]),
        ),
      'bad-meta',
    );
    throwsReason(() => encodeMetaBody({ etag: '' }), 'bad-params');
  });
});

describe('local DEK wrap (§6)', () => {
  const kek = pseudoRandom(32, 31);
  test('wrap AAD layout', () => {
    const aad = wrapAad('b\u00fc', 'k', fromHex('00'.repeat(16)));
    assert.equal(
      toHex(aad),
      `${Buffer.from('jetvault/v1/wrap').toString('hex')}000362c3bc00016b${'00'.repeat(16)}`,
    );
  });
  test('round-trips with a random nonce, 60 bytes', () => {
    const a = wrapDekLocal(kek, dek, 'b', 'k', objectId);
    const b = wrapDekLocal(kek, dek, 'b', 'k', objectId);
    assert.equal(a.length, 60);
    assert.notEqual(toHex(a.subarray(0, 12)), toHex(b.subarray(0, 12)));
    assert.equal(toHex(unwrapDekLocal(kek, a, 'b', 'k', objectId)), toHex(dek));
  });
  test('is bound to the KEK, bucket, key and object id', () => {
    const w = wrapDekLocal(kek, dek, 'b', 'k', objectId);
    throwsReason(() => unwrapDekLocal(pseudoRandom(32, 32), w, 'b', 'k', objectId), 'bad-wrap');
    throwsReason(() => unwrapDekLocal(kek, w, 'c', 'k', objectId), 'bad-wrap');
    throwsReason(() => unwrapDekLocal(kek, w, 'b', 'K', objectId), 'bad-wrap');
    throwsReason(() => unwrapDekLocal(kek, w, 'b', 'k', pseudoRandom(16, 33)), 'bad-wrap');
    throwsReason(() => unwrapDekLocal(kek, w.subarray(0, 59), 'b', 'k', objectId), 'bad-wrap');
    for (let at = 0; at < 60; at += 5) {
      const copy = w.slice();
      copy[at]! ^= 0x10;
      throwsReason(() => unwrapDekLocal(kek, copy, 'b', 'k', objectId), 'bad-wrap');
    }
  });
  test('refuses keys of the wrong size', () => {
    throwsReason(() => wrapDekLocal(new Uint8Array(16), dek, 'b', 'k', objectId), 'bad-params');
    throwsReason(() => wrapDekLocal(kek, new Uint8Array(16), 'b', 'k', objectId), 'bad-params');
  });
});
