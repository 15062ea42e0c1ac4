import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ChecksumVerifier, expectedChecksum, requireBodyChecksum } from '../../../src/s3/checksum-header.js';
import { S3Error } from '../../../src/s3/errors.js';

const body = Buffer.from('123456789');
// Check values of "123456789" (CRC catalogue), as S3 sends them: big-endian, base64.
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const good: Record<string, string> = {
  'x-amz-checksum-crc32': b64('cbf43926'),
  'x-amz-checksum-crc32c': b64('e3069283'),
  'x-amz-checksum-crc64nvme': b64('ae8b14860a799888'),
  'x-amz-checksum-sha1': createHash('sha1').update(body).digest('base64'),
  'x-amz-checksum-sha256': createHash('sha256').update(body).digest('base64'),
};
const code = (c: string) => (e: unknown) => e instanceof S3Error && e.code === c;

for (const [header, value] of Object.entries(good)) {
  test(`${header}: the right value verifies, whole and in pieces; a wrong one is BadDigest`, () => {
    const expected = expectedChecksum({ [header]: value })!;
    const v = new ChecksumVerifier(expected);
    v.update(body.subarray(0, 4));
    v.update(body.subarray(4));
    v.verify();
    requireBodyChecksum({ [header]: value }, body);
    assert.throws(
      () => requireBodyChecksum({ [header]: value }, Buffer.from('123456780')),
      code('BadDigest'),
    );
  });
}

test('several checksum headers, bad base64 or a wrong length are InvalidRequest', () => {
  assert.throws(() => expectedChecksum({ ...good }), code('InvalidRequest'));
  assert.throws(() => expectedChecksum({ 'x-amz-checksum-crc32': 'not base64!' }), code('InvalidRequest'));
  assert.throws(
    () => expectedChecksum({ 'x-amz-checksum-crc32': b64('cbf4392600') }),
    code('InvalidRequest'),
  );
  assert.equal(expectedChecksum({}), undefined);
});

test('a checksum-required body needs Content-MD5 or a checksum header', () => {
  assert.throws(() => requireBodyChecksum({}, body), code('InvalidRequest'));
  requireBodyChecksum({ 'content-md5': createHash('md5').update(body).digest('base64') }, body);
  assert.throws(() => requireBodyChecksum({ 'content-md5': 'AAAA' }, body), code('InvalidDigest'));
});
