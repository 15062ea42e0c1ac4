// Integrity headers on small request documents that S3 requires them for (DeleteObjects and other
// "checksum required" operations): Content-MD5 or one x-amz-checksum-* header, verified on the body.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './errors.js';

const VERIFIERS: Record<string, (body: Buffer) => Buffer> = {
  'x-amz-checksum-crc32': (b) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(crc32(b) >>> 0);
    return out;
  },
  'x-amz-checksum-sha1': (b) => createHash('sha1').update(b).digest(),
  'x-amz-checksum-sha256': (b) => createHash('sha256').update(b).digest(),
};
// CRC32C and CRC64NVME come with the native codec's hashes; until then they are refused, never trusted.
const PENDING = ['x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme'];

export function requireBodyChecksum(headers: Readonly<Record<string, string>>, body: Buffer): void {
  const md5 = headers['content-md5'];
  const named = Object.keys(VERIFIERS).filter((h) => headers[h] !== undefined);
  const pending = PENDING.filter((h) => headers[h] !== undefined);
  if (md5 === undefined && named.length === 0) {
    if (pending.length > 0) {
      throw new S3Error(
        'NotImplemented',
        `${pending[0]} is not verified by jetvault yet; use CRC32 or Content-MD5`,
      );
    }
    throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  if (md5 !== undefined) {
    const want = Buffer.from(md5, 'base64');
    if (want.length !== 16) throw new S3Error('InvalidDigest');
    if (!createHash('md5').update(body).digest().equals(want)) throw new S3Error('BadDigest');
  }
  for (const h of named) {
    const want = Buffer.from(headers[h]!, 'base64');
    if (!VERIFIERS[h]!(body).equals(want)) {
      throw new S3Error(
        'BadDigest',
        `The ${h.slice('x-amz-checksum-'.length).toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
  }
}
