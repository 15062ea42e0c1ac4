// src/storage/policy.ts: encrypted unless named plaintext; compressed only where named and encrypted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketPolicy } from '../../../src/storage/policy.js';

test('bucket policy: names and * patterns; compression only on encrypted buckets', () => {
  const p = bucketPolicy({ plaintextBuckets: ['public', 'logs-*'], compressBuckets: ['*.zst', 'public'] });
  assert.deepEqual(p('private'), { encrypt: true, compress: false });
  assert.deepEqual(p('public'), { encrypt: false, compress: false });
  assert.deepEqual(p('logs-2026'), { encrypt: false, compress: false });
  assert.deepEqual(p('logs'), { encrypt: true, compress: false });
  assert.deepEqual(p('data.zst'), { encrypt: true, compress: true });
  // "." and "-" are literal, not regex syntax.
  assert.deepEqual(p('dataxzst'), { encrypt: true, compress: false });
  const none = bucketPolicy({ plaintextBuckets: [], compressBuckets: [] });
  assert.deepEqual(none('anything'), { encrypt: true, compress: false });
  const all = bucketPolicy({ plaintextBuckets: ['*'], compressBuckets: ['*'] });
  assert.deepEqual(all('anything'), { encrypt: false, compress: false });
});
