// The verification stage every uploaded body passes through: length, Content-MD5, the signed
// x-amz-content-sha256, and the MD5 that becomes the ETag. Failures surface when the body ends, before
// the backend makes anything visible, so a bad upload stores nothing.
import { createHash, type Hash } from 'node:crypto';
import type { HashName } from '../crypto/codec.js';
import type { HashDigests } from '../crypto/native.js';
import { S3Error } from './errors.js';
import type { HashDelegation, StoredChecksum } from '../storage/backend.js';
import { ChecksumVerifier, type ExpectedChecksum, type TrailingChecksum } from './checksum-header.js';

export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export interface PayloadChecks {
  /** Content-Length, when the client sent one. */
  expectedLength: number | undefined;
  /** Base64 Content-MD5 header, when sent. */
  contentMd5: string | undefined;
  /** Lower-case hex SHA-256 the client signed, or undefined for UNSIGNED-PAYLOAD. */
  sha256: string | undefined;
  /** An x-amz-checksum-* header or aws-chunked trailer to verify (flexible checksums). */
  checksum?: ExpectedChecksum | TrailingChecksum | undefined;
}

export class VerifiedPayload implements AsyncIterable<Uint8Array> {
  private md5: Hash | undefined = createHash('md5');
  private sha: Hash | undefined;
  private readonly checksum: ChecksumVerifier | undefined;
  private md5Hex: string | undefined;
  private verifiedChecksum: StoredChecksum | undefined;
  private size = 0;
  private ended = false;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly checks: PayloadChecks,
  ) {
    this.sha = checks.sha256 === undefined ? undefined : createHash('sha256');
    this.checksum = checks.checksum === undefined ? undefined : new ChecksumVerifier(checks.checksum);
    if (checks.contentMd5 !== undefined && Buffer.from(checks.contentMd5, 'base64').length !== 16) {
      throw new S3Error('InvalidDigest');
    }
  }

  /**
   * For a consumer that hashes the bytes in its own pass (the codec seals and hashes at once): call before
   * iterating. Iteration then only counts bytes; the consumer hashes with `names` and hands the digests to
   * complete(), which verifies them. Without complete(), etag() never becomes available.
   */
  delegateHashing(): HashDelegation {
    if (this.size > 0 || this.ended) throw new Error('delegateHashing() after iteration started');
    const names: HashName[] = ['md5'];
    if (this.sha !== undefined) names.push('sha256');
    if (this.checksum !== undefined && !names.includes(this.checksum.hashName))
      names.push(this.checksum.hashName);
    this.md5 = undefined;
    this.sha = undefined;
    this.delegated = true;
    return { names, complete: (digests) => this.complete(digests) };
  }

  private delegated = false;

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const { expectedLength } = this.checks;
    const hashing = !this.delegated;
    for await (const chunk of this.source) {
      this.size += chunk.byteLength;
      if (this.size > MAX_PUT_SIZE) throw new S3Error('EntityTooLarge');
      if (hashing) {
        this.md5!.update(chunk);
        this.sha?.update(chunk);
        this.checksum?.update(chunk);
      }
      yield chunk;
    }
    if (expectedLength !== undefined && this.size !== expectedLength) throw new S3Error('IncompleteBody');
    this.ended = true;
    if (!hashing) return;
    const md5 = this.md5!.digest();
    this.checkMd5(md5);
    if (this.sha !== undefined && this.sha.digest('hex') !== this.checks.sha256) {
      throw new S3Error('XAmzContentSHA256Mismatch');
    }
    this.verifiedChecksum = this.checksum?.verify();
    this.md5Hex = md5.toString('hex');
  }

  private checkMd5(md5: Buffer): void {
    if (this.checks.contentMd5 !== undefined && !md5.equals(Buffer.from(this.checks.contentMd5, 'base64'))) {
      throw new S3Error('BadDigest');
    }
  }

  /** The delegated digests: the same checks, in the same order, as a self-hashed body gets at its end. */
  private complete(digests: HashDigests): void {
    if (!this.ended) throw new Error('complete() before the body ended');
    const md5 = Buffer.from(digests.md5!);
    this.checkMd5(md5);
    if (
      this.checks.sha256 !== undefined &&
      Buffer.from(digests.sha256!).toString('hex') !== this.checks.sha256
    ) {
      throw new S3Error('XAmzContentSHA256Mismatch');
    }
    this.verifiedChecksum = this.checksum?.verifyDigest(digests[this.checksum.hashName]!);
    this.md5Hex = md5.toString('hex');
  }

  /** The x-amz-checksum-* the client sent, verified; only once the body has been read to the end. */
  verifiedChecksumValue(): StoredChecksum | undefined {
    if (this.md5Hex === undefined) throw new Error('checksum requested before the body was verified');
    return this.verifiedChecksum;
  }

  /** The quoted ETag; only once the body has been read to the end and verified. */
  etag(): string {
    if (this.md5Hex === undefined) throw new Error('ETag requested before the body was verified');
    return `"${this.md5Hex}"`;
  }
}

/** Reads a small request body (XML documents), refusing more than `limit` bytes. */
export async function readSmallBody(body: AsyncIterable<Uint8Array>, limit = 1024 * 1024): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new S3Error('MalformedXML', 'The request document is too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}
