// The signing-key cache: the HMAC chain runs once per (secret, day, region, service), and the map is bounded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { deriveSigningKey, SigningKeyCache } from '../../../../src/s3/sigv4/signing-key.js';
import { authenticate } from '../../../../src/s3/sigv4/verify.js';
import { AK, NOW, signHeader, SK } from './helpers.js';

describe('SigningKeyCache', () => {
  it('derives the key of the AWS documentation example', () => {
    // General Reference, "Examples of how to derive a signing key for Signature Version 4".
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it('runs the HMAC chain once per (secret, date, region, service)', () => {
    const cache = new SigningKeyCache(8);
    const a = cache.get('s', '20240310', 'us-east-1', 's3');
    assert.equal(cache.get('s', '20240310', 'us-east-1', 's3'), a);
    assert.equal(cache.derivations, 1);
    for (const [secret, date, region] of [
      ['t', '20240310', 'us-east-1'],
      ['s', '20240311', 'us-east-1'],
      ['s', '20240310', 'eu-west-1'],
    ]) {
      assert.notDeepEqual(cache.get(secret as string, date as string, region as string, 's3'), a);
    }
    assert.equal(cache.derivations, 4);
  });

  it('is bounded and evicts the least recently used entry', () => {
    const cache = new SigningKeyCache(3);
    for (const d of ['20240301', '20240302', '20240303']) cache.get('s', d, 'r', 's3');
    cache.get('s', '20240301', 'r', 's3'); // touch the oldest: now 02 is least recently used
    cache.get('s', '20240304', 'r', 's3');
    assert.equal(cache.size, 3);
    assert.equal(cache.derivations, 4);
    cache.get('s', '20240301', 'r', 's3');
    assert.equal(cache.derivations, 4, '01 survived');
    cache.get('s', '20240302', 'r', 's3');
    assert.equal(cache.derivations, 5, '02 was evicted');
    for (let i = 0; i < 1000; i++) cache.get(`secret${i}`, '20240301', 'r', 's3');
    assert.equal(cache.size, 3);
  });

  it('refuses a non-positive bound', () => {
    assert.throws(() => new SigningKeyCache(0), RangeError);
  });

  it('authenticate reuses the key across requests of a day', async () => {
    const cache = new SigningKeyCache(4);
    const store = createCredentialStore([{ accessKey: AK, secretKey: SK }]);
    for (let i = 0; i < 20; i++) {
      const req = await signHeader({
        method: 'GET',
        path: `/b/k${i}`,
        date: new Date(NOW.getTime() + i * 1000),
      });
      authenticate(req, store, { now: NOW, signingKeys: cache });
    }
    assert.equal(cache.derivations, 1);
  });
});
