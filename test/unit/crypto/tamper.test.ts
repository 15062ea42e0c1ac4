// Tampering, against the reference codec and the format helpers: every damaged frame, stream or envelope is
// a FormatError with the right reason, and nothing is returned. The frame cases live in
// test/helpers/tamper-cases.ts so the same suite can run against the native codec.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EnvelopeField,
  FormatError,
  encodeEnvelope,
  keyCommitment,
  openEnvelope,
  parseEnvelope,
  sealMetadata,
  unwrapDekLocal,
  verifyEnvelope,
  wrapDekLocal,
  type Envelope,
  type FormatErrorReason,
} from '../../../src/crypto/format.js';
import { openStream, referenceCodec, sealStream } from '../../../src/crypto/reference.js';
import { tamperCases } from '../../helpers/tamper-cases.js';
import { pseudoRandom, testParams, throwsReason } from './helpers.js';

describe('frame tamper suite (reference codec)', () => {
  for (const c of tamperCases(referenceCodec)) test(`${c.name} → ${c.reason ?? 'opens'}`, () => c.run());
});

describe('whole streams across batches (openStream)', () => {
  const params = testParams();
  const F = 2 ** params.log2F;
  const plaintext = pseudoRandom(9 * F + 7, 3);
  const frames = sealStream(params, plaintext, { batchFrames: 4 });

  test('opens with any batch size', () => {
    for (const batchFrames of [1, 2, 3, 4, 10, 100]) {
      assert.ok(Buffer.from(openStream(params, frames, { batchFrames })).equals(plaintext));
    }
  });
  test('a frame after FINAL is trailing-frame whatever the batch boundaries', () => {
    for (const batchFrames of [1, 2, 3, 4, 10, 11]) {
      throwsReason(() => openStream(params, [...frames, frames[0]!], { batchFrames }), 'trailing-frame');
    }
  });
  test('truncation before FINAL is missing-final at every length and batch size', () => {
    for (let keep = 1; keep < frames.length; keep++) {
      for (const batchFrames of [1, 3, 4]) {
        throwsReason(() => openStream(params, frames.slice(0, keep), { batchFrames }), 'missing-final');
        throwsReason(
          () => openStream(params, frames.slice(0, keep), { batchFrames, expectedFrames: 10 }),
          'missing-final',
        );
      }
    }
  });
  test('a stream shorter than the envelope says, ending in FINAL, is early-final', () => {
    const short = sealStream(params, plaintext.subarray(0, 2 * F + 1));
    throwsReason(() => openStream(params, short, { expectedFrames: 10 }), 'early-final');
  });
  test('more frames than the envelope says is trailing-frame', () => {
    throwsReason(() => openStream(params, frames, { expectedFrames: 9 }), 'missing-final');
    throwsReason(() => openStream(params, [...frames, frames[1]!], { expectedFrames: 10 }), 'trailing-frame');
  });
  test('a stream sealed with another salt, part or object id does not open', () => {
    for (const other of [{ salt: pseudoRandom(16, 5) }, { part: 2 }, { objectId: pseudoRandom(16, 6) }]) {
      throwsReason(() => openStream({ ...params, ...other }, frames), 'bad-tag');
    }
  });
});

describe('envelope tampering', () => {
  const bucket = 'tamper.bucket';
  const key = 'a/b c.txt';
  const dek = pseudoRandom(32, 11);
  const objectId = pseudoRandom(16, 12);
  const keks = new Map([
    ['kek-a/1', pseudoRandom(32, 13)],
    ['kek-a/2', pseudoRandom(32, 14)],
  ]);
  const env: Envelope = {
    alg: 1,
    log2F: 16,
    objectId,
    salt: pseudoRandom(16, 15),
    size: 3n * 65536n + 101n,
    frames: 4,
    kekId: 'kek-a',
    kekVersion: 2,
    wrappedDek: wrapDekLocal(keks.get('kek-a/2')!, dek, bucket, key, objectId),
    commitment: keyCommitment(dek, objectId),
    sealed: sealMetadata(dek, objectId, { etag: '"abc"' }),
    firstSeq: 40n,
    seqGaps: [{ frame: 2, seq: 90n }],
  };
  const bytes = encodeEnvelope(env, dek, bucket, key);
  /** A local keyring: the KEK named by kek_id/kek_version, or 'bad-wrap' for a name it does not have. */
  const unwrapFor = (b: string, k: string) => (e: Envelope) => {
    const kek = keks.get(`${e.kekId}/${e.kekVersion}`);
    if (kek === undefined) throw new FormatError('bad-wrap', `no KEK ${e.kekId} version ${e.kekVersion}`);
    return unwrapDekLocal(kek, e.wrappedDek, b, k, e.objectId);
  };
  const open = (b: Uint8Array, bk = bucket, k = key) => openEnvelope(b, bk, k, unwrapFor(bk, k));

  /** Where each field's value starts and how long it is. */
  function fieldSpans(b: Uint8Array): Map<number, { at: number; length: number }> {
    const spans = new Map<number, { at: number; length: number }>();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let at = 4; at < b.length - 32;) {
      const length = dv.getUint32(at + 1);
      spans.set(b[at]!, { at: at + 5, length });
      at += 5 + length;
    }
    return spans;
  }
  const edit = (at: number, mask = 0x01): Uint8Array => {
    const copy = bytes.slice();
    copy[at]! ^= mask;
    return copy;
  };
  const spans = fieldSpans(bytes);
  const last = (type: number): number => spans.get(type)!.at + spans.get(type)!.length - 1;

  test('control: the envelope opens under its bucket, key and KEK', () => {
    const { envelope, dek: got } = open(bytes);
    assert.deepEqual(envelope, env);
    assert.ok(Buffer.from(got).equals(dek));
  });

  const expectations: [string, number, FormatErrorReason][] = [
    ['alg', EnvelopeField.alg, 'bad-envelope'],
    ['log2F (16 → 17 no longer fits the size)', EnvelopeField.log2F, 'bad-envelope'],
    ['object_id', EnvelopeField.objectId, 'bad-wrap'],
    ['salt', EnvelopeField.salt, 'bad-mac'],
    ['size', EnvelopeField.size, 'bad-mac'],
    ['frames (4 → 5 no longer fits the size)', EnvelopeField.frames, 'bad-envelope'],
    ['kek_id', EnvelopeField.kekId, 'bad-wrap'],
    ['kek_version (2 → 3, unknown)', EnvelopeField.kekVersion, 'bad-wrap'],
    ['wrapped_dek', EnvelopeField.wrappedDek, 'bad-wrap'],
    ['commitment', EnvelopeField.commitment, 'bad-commitment'],
    ['sealed', EnvelopeField.sealed, 'bad-mac'],
    ['first_seq', EnvelopeField.firstSeq, 'bad-mac'],
    ['seq_gaps', EnvelopeField.seqGaps, 'bad-mac'],
  ];
  for (const [name, type, reason] of expectations) {
    test(`${name} edited → ${reason}`, () => throwsReason(() => open(edit(last(type))), reason));
  }
  test('kek_version edited to another version the keyring has → bad-wrap', () => {
    throwsReason(() => open(edit(last(EnvelopeField.kekVersion), 0x03)), 'bad-wrap');
  });
  test('a field type byte edited → bad-envelope', () => {
    for (const type of [EnvelopeField.salt, EnvelopeField.sealed, EnvelopeField.seqGaps]) {
      throwsReason(() => open(edit(spans.get(type)!.at - 5)), 'bad-envelope');
    }
  });
  test('a field length edited → bad-envelope', () => {
    throwsReason(() => open(edit(spans.get(EnvelopeField.kekId)!.at - 1)), 'bad-envelope');
  });
  test('the MAC edited → bad-mac', () => {
    throwsReason(() => open(edit(bytes.length - 1)), 'bad-mac');
    throwsReason(() => open(edit(bytes.length - 32, 0x80)), 'bad-mac');
  });
  test('the magic edited → bad-envelope', () => {
    for (let at = 0; at < 4; at++) throwsReason(() => open(edit(at)), 'bad-envelope');
  });
  test('read under another bucket or key: the wrap fails first, and the MAC binds them too', () => {
    throwsReason(() => open(bytes, 'other.bucket', key), 'bad-wrap');
    throwsReason(() => open(bytes, bucket, 'a/b c.txT'), 'bad-wrap');
    const parsed = parseEnvelope(bytes);
    throwsReason(() => verifyEnvelope(parsed, dek, 'other.bucket', key), 'bad-mac');
    throwsReason(() => verifyEnvelope(parsed, dek, bucket, `${key} `), 'bad-mac');
  });
  test('a wrong KEK → bad-wrap', () => {
    throwsReason(
      () => unwrapDekLocal(pseudoRandom(32, 99), env.wrappedDek, bucket, key, objectId),
      'bad-wrap',
    );
  });
  test('a commitment that does not match the DEK → bad-commitment, before the MAC', () => {
    const other = encodeEnvelope(
      { ...env, commitment: keyCommitment(pseudoRandom(32, 1), objectId) },
      dek,
      bucket,
      key,
    );
    throwsReason(() => open(other), 'bad-commitment');
  });
  test('every single-bit edit anywhere is rejected', () => {
    for (let at = 0; at < bytes.length; at++) {
      for (const mask of [0x01, 0x80]) {
        assert.throws(() => open(edit(at, mask)), FormatError, `byte ${at} mask ${mask}`);
      }
    }
  });
  test('truncated or extended envelopes are rejected', () => {
    for (const cut of [0, 4, 35, 36, bytes.length - 33, bytes.length - 1]) {
      assert.throws(() => open(bytes.subarray(0, cut)), FormatError, `cut at ${cut}`);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => open(longer), FormatError);
  });
});
