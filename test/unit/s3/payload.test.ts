// src/s3/payload.ts: the verification stage, hashing itself or with the hashing delegated to the consumer
// (the codec's single pass): the same ETag, and the same S3 error for every failed check.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { hashFinal, hashInit, hashUpdate } from '../../../src/crypto/native.js';
import { VerifiedPayload, type PayloadChecks } from '../../../src/s3/payload.js';
import { checksumAlgorithm } from '../../../src/s3/checksum-header.js';

const data = randomBytes(100_000);
const md5 = createHash('md5').update(data).digest();
const sha = createHash('sha256').update(data).digest('hex');

async function* chunks(): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < data.length; off += 7777) yield data.subarray(off, off + 7777);
}

/** Runs the payload either way; returns the ETag or the S3 error code. */
async function run(checks: PayloadChecks, delegated: boolean): Promise<string> {
  const p = new VerifiedPayload(chunks(), checks);
  try {
    if (!delegated) {
      for await (const _ of p);
      return p.etag();
    }
    const d = p.delegateHashing();
    const state = hashInit(d.names);
    for await (const c of p) hashUpdate(state, c);
    d.complete(hashFinal(state));
    return p.etag();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

const crc32c = checksumAlgorithm('x-amz-checksum-crc32c')!;
const crc32cOf = (b: Buffer): Buffer => {
  const s = hashInit(['crc32c']);
  hashUpdate(s, b);
  return Buffer.from(hashFinal(s).crc32c!);
};

describe('VerifiedPayload', () => {
  const cases: Array<[string, PayloadChecks, string]> = [
    [
      'plain',
      { expectedLength: data.length, contentMd5: undefined, sha256: undefined },
      `"${md5.toString('hex')}"`,
    ],
    [
      'all checks pass',
      {
        expectedLength: data.length,
        contentMd5: md5.toString('base64'),
        sha256: sha,
        checksum: { ...crc32c, value: crc32cOf(data) },
      },
      `"${md5.toString('hex')}"`,
    ],
    [
      'wrong Content-MD5',
      { expectedLength: undefined, contentMd5: randomBytes(16).toString('base64'), sha256: undefined },
      'BadDigest',
    ],
    [
      'wrong signed SHA-256',
      { expectedLength: undefined, contentMd5: undefined, sha256: '0'.repeat(64) },
      'XAmzContentSHA256Mismatch',
    ],
    [
      'wrong CRC32C',
      {
        expectedLength: undefined,
        contentMd5: undefined,
        sha256: undefined,
        checksum: { ...crc32c, value: Buffer.alloc(4) },
      },
      'BadDigest',
    ],
    [
      'short body',
      { expectedLength: data.length + 1, contentMd5: undefined, sha256: undefined },
      'IncompleteBody',
    ],
  ];
  for (const [name, checks, want] of cases) {
    test(`${name}: ${want}, whether it hashes or delegates`, async () => {
      assert.equal(await run(checks, false), want);
      assert.equal(await run(checks, true), want);
    });
  }

  test('delegating asks for exactly the hashes the checks need', () => {
    const p = new VerifiedPayload(chunks(), {
      expectedLength: undefined,
      contentMd5: undefined,
      sha256: sha,
      checksum: { ...crc32c, value: Buffer.alloc(4) },
    });
    assert.deepEqual(p.delegateHashing().names, ['md5', 'sha256', 'crc32c']);
    const q = new VerifiedPayload(chunks(), {
      expectedLength: undefined,
      contentMd5: undefined,
      sha256: undefined,
    });
    assert.deepEqual(q.delegateHashing().names, ['md5']);
    assert.throws(() => q.etag());
  });
});
