// Golden vectors of format v1 (test/fixtures/frames/v1/): every file decodes with the reference codec and
// re-encodes byte for byte. These files are frozen: they must keep decoding forever (DESIGN habit 8).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamParams } from '../../../src/crypto/codec.js';
import {
  deriveStreamKeys,
  encodeEnvelope,
  encodeMetaBody,
  envelopeFromMeta,
  envelopeMacKey,
  envelopeToMeta,
  frameAad,
  frameNonce,
  keyCommitment,
  metaKey,
  openEnvelope,
  openMetadata,
  sealMetadata,
  splitFrame,
  unwrapDekLocal,
  wrapAad,
  wrapDekLocal,
  type Envelope,
  type SealedMetadata,
} from '../../../src/crypto/format.js';
import { openFrameBody, openStream, sealFrameBody, sealStream } from '../../../src/crypto/reference.js';
import { VECTOR_DIR, buildVectors, envelopeToJson } from '../../../scripts/gen-frame-vectors.js';
import { FIXTURES, fixtureNames, fromB64, fromHex, readFixture, toHex } from './helpers.js';

const DIR = 'frames/v1';

interface StreamVector {
  params: { dekHex: string; objectIdHex: string; saltHex: string; part: number; log2F: number };
  derived: { streamKeyHex: string; noncePrefixHex: string };
  plaintextLength: number;
  plaintextSha256Hex: string;
  plaintextBase64: string;
  frames: {
    index: number;
    flags: number;
    plaintextOffset: number;
    nonceHex: string;
    aadHex: string;
    frameBase64: string;
  }[];
}

const streamFiles = fixtureNames(DIR, /^stream-.*\.json$/);

test('the golden vector set is all there', () => {
  for (const name of ['empty', '1', 'f-minus-1', 'f', 'f-plus-1', '2f-plus-5', 'part7-f-plus-1']) {
    assert.ok(streamFiles.includes(`stream-${name}.json`), name);
  }
  for (const name of [
    'envelope-single.json',
    'envelope-multipart.json',
    'sealed-meta.json',
    'wrapped-dek.json',
  ]) {
    assert.ok(fixtureNames(DIR, /\.json$/).includes(name), name);
  }
});

describe('stream vectors', () => {
  for (const file of streamFiles) {
    test(file, () => {
      const v = readFixture<StreamVector>(DIR, file);
      const params: StreamParams = {
        dek: fromHex(v.params.dekHex),
        objectId: fromHex(v.params.objectIdHex),
        salt: fromHex(v.params.saltHex),
        part: v.params.part,
        log2F: v.params.log2F,
      };
      const plaintext = fromB64(v.plaintextBase64);
      assert.equal(plaintext.length, v.plaintextLength);
      assert.equal(createHash('sha256').update(plaintext).digest('hex'), v.plaintextSha256Hex);
      const keys = deriveStreamKeys(params);
      assert.equal(toHex(keys.key), v.derived.streamKeyHex);
      assert.equal(toHex(keys.noncePrefix), v.derived.noncePrefixHex);
      const frames = v.frames.map((f) => fromB64(f.frameBase64));

      // Decode: the whole stream, in several batch sizes.
      for (const batchFrames of [1, 2, 4]) {
        const opened = openStream(params, frames, { batchFrames, expectedFrames: frames.length });
        assert.ok(Buffer.from(opened).equals(plaintext), `batchFrames ${batchFrames}`);
      }

      // Re-encode: nonce, AAD and every frame byte for byte from its body and flags.
      v.frames.forEach((f, index) => {
        assert.equal(f.index, index);
        const { header, headerBytes } = splitFrame(frames[index]!);
        assert.equal(header.flags, f.flags);
        assert.equal(toHex(frameNonce(keys.noncePrefix, index, header.final)), f.nonceHex);
        assert.equal(toHex(frameAad(params, headerBytes)), f.aadHex);
        const { body } = openFrameBody(params, index, frames[index]!);
        const again = sealFrameBody(params, index, body, { final: header.final, zstd: header.zstd });
        assert.equal(Buffer.from(again).toString('base64'), f.frameBase64);
      });
      if (v.frames.every((f) => (f.flags & 2) === 0)) {
        const resealed = sealStream(params, plaintext).map((f) => Buffer.from(f).toString('base64'));
        assert.deepEqual(
          resealed,
          v.frames.map((f) => f.frameBase64),
        );
        v.frames.forEach((f, index) => assert.equal(f.plaintextOffset, index * 2 ** params.log2F));
      }
    });
  }
});

interface MetaJson {
  etag: string;
  checksumAlgorithm: string;
  checksumHex: string;
  checksumType: 'FULL_OBJECT' | 'COMPOSITE';
}
const metaFrom = (m: MetaJson): SealedMetadata => ({
  etag: m.etag,
  checksumAlgorithm: m.checksumAlgorithm,
  checksum: fromHex(m.checksumHex),
  checksumType: m.checksumType,
});

test('sealed-meta.json', () => {
  const v = readFixture<{
    dekHex: string;
    objectIdHex: string;
    meta: MetaJson;
    metaKeyHex: string;
    bodyHex: string;
    sealedHex: string;
  }>(DIR, 'sealed-meta.json');
  const dek = fromHex(v.dekHex);
  const objectId = fromHex(v.objectIdHex);
  assert.equal(toHex(metaKey(dek, objectId)), v.metaKeyHex);
  assert.deepEqual(openMetadata(dek, objectId, fromHex(v.sealedHex)), metaFrom(v.meta));
  assert.equal(toHex(encodeMetaBody(metaFrom(v.meta))), v.bodyHex);
  assert.equal(toHex(sealMetadata(dek, objectId, metaFrom(v.meta))), v.sealedHex);
});

test('wrapped-dek.json', () => {
  const v = readFixture<Record<string, string>>(DIR, 'wrapped-dek.json');
  const [kek, dek, objectId, nonce] = [v.kekHex!, v.dekHex!, v.objectIdHex!, v.nonceHex!].map(fromHex);
  assert.equal(toHex(Buffer.from(v.key!, 'utf8')), v.keyUtf8Hex);
  assert.equal(toHex(wrapAad(v.bucket!, v.key!, objectId!)), v.wrapAadHex);
  assert.equal(
    toHex(unwrapDekLocal(kek!, fromHex(v.wrappedDekHex!), v.bucket!, v.key!, objectId!)),
    v.dekHex,
  );
  assert.equal(toHex(wrapDekLocal(kek!, dek!, v.bucket!, v.key!, objectId!, nonce)), v.wrappedDekHex);
});

interface EnvelopeVector {
  bucket: string;
  key: string;
  keyUtf8Hex: string;
  kekHex: string;
  dekHex: string;
  wrapNonceHex: string;
  meta: MetaJson;
  fields: Record<string, unknown>;
  derived: { commitmentHex: string; macKeyHex: string };
  macHex: string;
  envelopeHex: string;
  envelopeBase64url: string;
}

describe('envelope vectors', () => {
  for (const file of ['envelope-single.json', 'envelope-multipart.json']) {
    test(file, () => {
      const v = readFixture<EnvelopeVector>(DIR, file);
      const bytes = fromHex(v.envelopeHex);
      assert.equal(toHex(Buffer.from(v.key, 'utf8')), v.keyUtf8Hex);
      assert.ok(Buffer.from(envelopeFromMeta(v.envelopeBase64url)).equals(bytes));
      assert.equal(envelopeToMeta(bytes), v.envelopeBase64url);
      const { envelope, dek } = openEnvelope(bytes, v.bucket, v.key, (e: Envelope) =>
        unwrapDekLocal(fromHex(v.kekHex), e.wrappedDek, v.bucket, v.key, e.objectId),
      );
      assert.equal(toHex(dek), v.dekHex);
      assert.deepEqual(envelopeToJson(envelope), v.fields);
      assert.equal(toHex(keyCommitment(dek, envelope.objectId)), v.derived.commitmentHex);
      assert.equal(toHex(envelopeMacKey(dek, envelope.objectId)), v.derived.macKeyHex);
      assert.equal(toHex(bytes.subarray(bytes.length - 32)), v.macHex);
      assert.deepEqual(openMetadata(dek, envelope.objectId, envelope.sealed), metaFrom(v.meta));
      // Re-encode from the decoded fields, and from scratch with the fixed wrap nonce.
      assert.equal(toHex(encodeEnvelope(envelope, dek, v.bucket, v.key)), v.envelopeHex);
      const rewrapped = wrapDekLocal(
        fromHex(v.kekHex),
        dek,
        v.bucket,
        v.key,
        envelope.objectId,
        fromHex(v.wrapNonceHex),
      );
      assert.equal(toHex(rewrapped), toHex(envelope.wrappedDek));
    });
  }
});

test('the generator reproduces every vector file byte for byte', () => {
  for (const [name, text] of buildVectors()) {
    assert.equal(readFileSync(join(FIXTURES, '..', '..', VECTOR_DIR, name), 'utf8'), text, name);
  }
});
