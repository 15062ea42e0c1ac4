// x-amz-checksum-* headers (flexible checksums) and Content-MD5, verified on the bytes: on uploads as they
// stream (ChecksumVerifier), and on the small documents of "checksum required" operations such as
// DeleteObjects (requireBodyChecksum). The native one-pass hash computes every algorithm S3 offers.
import { createHash } from 'node:crypto';
import type { HashName } from '../crypto/codec.js';
import { hashFinal, hashInit, hashUpdate } from '../crypto/native.js';
import { S3Error } from './errors.js';

const ALGORITHMS: Record<string, { name: HashName; label: string; bytes: number }> = {
  'x-amz-checksum-crc32': { name: 'crc32', label: 'CRC32', bytes: 4 },
  'x-amz-checksum-crc32c': { name: 'crc32c', label: 'CRC32C', bytes: 4 },
  'x-amz-checksum-crc64nvme': { name: 'crc64nvme', label: 'CRC64NVME', bytes: 8 },
  'x-amz-checksum-sha1': { name: 'sha1', label: 'SHA1', bytes: 20 },
  'x-amz-checksum-sha256': { name: 'sha256', label: 'SHA256', bytes: 32 },
};

export interface ChecksumAlgorithm {
  header: string;
  name: HashName;
  label: string;
}

export interface ExpectedChecksum extends ChecksumAlgorithm {
  value: Buffer;
}

/** A checksum sent as an aws-chunked trailer: the algorithm up front, the value once the body ended. */
export interface TrailingChecksum extends ChecksumAlgorithm {
  value: () => Buffer;
}

/** The algorithm an x-amz-checksum-* header name selects, if it names one. */
export function checksumAlgorithm(header: string): ChecksumAlgorithm | undefined {
  const alg = Object.hasOwn(ALGORITHMS, header) ? ALGORITHMS[header] : undefined;
  return alg === undefined ? undefined : { header, name: alg.name, label: alg.label };
}

/** The one x-amz-checksum-* header of a request, if any; malformed or several is InvalidRequest. */
export function expectedChecksum(headers: Readonly<Record<string, string>>): ExpectedChecksum | undefined {
  const present = Object.keys(ALGORITHMS).filter((h) => headers[h] !== undefined);
  if (present.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header');
  const header = present[0];
  if (header === undefined) return undefined;
  const { name, label, bytes } = ALGORITHMS[header]!;
  const raw = headers[header]!.trim();
  const value = Buffer.from(raw, 'base64');
  if (value.length !== bytes || value.toString('base64') !== raw) {
    throw new S3Error('InvalidRequest', `Value for ${header} header is invalid.`);
  }
  return { header, name, label, value };
}

/** Incremental verification of one expected checksum over a stream of chunks. */
export class ChecksumVerifier {
  private readonly state: Uint8Array;

  constructor(private readonly expected: ExpectedChecksum | TrailingChecksum) {
    this.state = hashInit([expected.name]);
  }

  update(chunk: Uint8Array): void {
    hashUpdate(this.state, chunk);
  }

  /** Throws BadDigest when the bytes do not match; returns the verified checksum. */
  verify(): { algorithm: string; value: Buffer } {
    return this.verifyDigest(hashFinal(this.state)[this.expected.name]!);
  }

  /** The hash this checksum is computed with, for a caller that hashes the bytes itself. */
  get hashName(): HashName {
    return this.expected.name;
  }

  /** verify() for a digest computed elsewhere (in the codec's single pass). */
  verifyDigest(digest: Uint8Array): { algorithm: string; value: Buffer } {
    const got = Buffer.from(digest);
    const { value } = this.expected;
    if (!got.equals(typeof value === 'function' ? value() : value)) {
      throw new S3Error(
        'BadDigest',
        `The ${this.expected.label} you specified did not match the calculated checksum.`,
      );
    }
    return { algorithm: this.expected.label, value: got };
  }
}

/** Content-MD5 or an x-amz-checksum-* header is required and must match `body`. */
export function requireBodyChecksum(headers: Readonly<Record<string, string>>, body: Buffer): void {
  const md5 = headers['content-md5'];
  const checksum = expectedChecksum(headers);
  if (md5 === undefined && checksum === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  if (md5 !== undefined) {
    const want = Buffer.from(md5, 'base64');
    if (want.length !== 16) throw new S3Error('InvalidDigest');
    if (!createHash('md5').update(body).digest().equals(want)) throw new S3Error('BadDigest');
  }
  if (checksum !== undefined) {
    const v = new ChecksumVerifier(checksum);
    v.update(body);
    v.verify();
  }
}
