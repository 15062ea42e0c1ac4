// The storage interface, in S3 terms (DESIGN §6.5). src/s3 handlers speak only this; src/storage/nats
// implements it on JetStream, src/storage/memory is the in-memory fake for unit tests of the S3 layer.
// Errors are S3Errors (NoSuchBucket, NoSuchKey, BucketNotEmpty, ...), so handlers pass them through.
import { S3Error } from '../s3/errors.js';
import type { HashName } from '../crypto/codec.js';
import type { HashDigests } from '../crypto/native.js';

export interface BucketInfo {
  /** The S3 bucket name (dots restored). */
  name: string;
  created: Date;
}

/** What HEAD/GET report; sizes are plaintext sizes. */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as sent in the ETag header: `"<md5 hex>"`. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** User metadata, names lower-case without the `x-amz-meta-` prefix. */
  userMetadata: Record<string, string>;
  /** The other HTTP headers S3 keeps with an object (STORED_HEADERS), lower-case names. */
  storedHeaders: Record<string, string>;
  /** The flexible checksum the object was uploaded with (x-amz-checksum-*), if any. */
  checksum?: StoredChecksum | undefined;
  /** Object tags (S3 object tagging), in the order they were set. */
  tags?: Tags | undefined;
}

/** Object tags: key → value, at most 10 (S3's limits are checked by the S3 layer). */
export type Tags = Record<string, string>;

/** A full-object checksum: algorithm as S3 names it (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and raw bytes. */
export interface StoredChecksum {
  algorithm: string;
  value: Buffer;
}

/** Headers S3 stores with an object and returns on GET/HEAD, besides Content-Type. */
export const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

export interface PutObjectInput {
  bucket: string;
  key: string;
  /**
   * The plaintext, already decoded from the wire. Iterating it may throw (a short body, a failed digest
   * check, a client disconnect): then nothing may become visible and the previous object stays intact.
   */
  body: AsyncIterable<Uint8Array>;
  contentType: string;
  userMetadata: Record<string, string>;
  storedHeaders: Record<string, string>;
  /** Tags from x-amz-tagging. */
  tags?: Tags;
  /** Conditional write (If-None-Match: * / If-Match), judged against the current object at commit time. */
  condition?: WriteCondition;
  /**
   * Called once the body is exhausted and verified; returns the quoted ETag to store.
   * (The body stage computes the MD5 as bytes pass; the backend never sees a digest before the end.)
   */
  etag: () => string;
  /** Like etag(): the verified x-amz-checksum-* of the body, to keep with the object. */
  checksum?: () => StoredChecksum | undefined;
  /**
   * Offered when the body's hashes may be computed by the backend in its own pass over the bytes (the
   * codec hashes while it encrypts). Call it before iterating `body`; then hand the digests to complete()
   * after the body ended and before etag(): it throws the S3 error of a failed check (nothing may be stored).
   */
  delegateHashing?: () => HashDelegation;
}

export interface HashDelegation {
  names: readonly HashName[];
  complete(digests: HashDigests): void;
}

export interface WriteCondition {
  /** If-None-Match: * — only create, never replace. */
  ifNoneMatch?: boolean;
  /** If-Match — only replace the object whose ETag this is (`*`: any existing object). */
  ifMatch?: string;
}

/**
 * S3's conditional-write rules: If-None-Match: * fails with 412 when the key exists; If-Match fails with
 * 404 NoSuchKey when it does not, and 412 when its ETag differs. ETags compare without quotes.
 */
export function checkWriteCondition(
  condition: WriteCondition | undefined,
  current: ObjectInfo | undefined,
): void {
  if (condition === undefined) return;
  if (condition.ifNoneMatch && current !== undefined) {
    throw new S3Error('PreconditionFailed', undefined, { extra: { Condition: 'If-None-Match' } });
  }
  if (condition.ifMatch !== undefined) {
    if (current === undefined) throw new S3Error('NoSuchKey');
    const bare = (t: string) => t.trim().replace(/^"(.*)"$/, '$1');
    const wanted = condition.ifMatch.split(',').map(bare);
    if (!wanted.includes('*') && !wanted.includes(bare(current.etag))) {
      throw new S3Error('PreconditionFailed', undefined, { extra: { Condition: 'If-Match' } });
    }
  }
}

export interface CopyStoredInput {
  source: { bucket: string; key: string };
  /** The source's ETag as the caller judged it (copy-source conditions, size checks). */
  sourceEtag: string;
  bucket: string;
  key: string;
  contentType: string;
  userMetadata: Record<string, string>;
  storedHeaders: Record<string, string>;
  tags: Tags;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface GetObjectResult {
  info: ObjectInfo;
  /** Plaintext bytes of the object (or of the range). Stop iterating to release the read. */
  body: AsyncIterable<Uint8Array>;
  /** The range that `body` holds (undefined: the whole object). */
  range: ByteRange | undefined;
}

/**
 * Chooses what to read once the object's current description is known (so the range and the conditions
 * are judged against the very revision that is streamed): a range, undefined for the whole object, or
 * null for no body at all (304). It may throw an S3Error (412, 416), which getObject passes through.
 */
export type ReadSelector = (info: ObjectInfo) => ByteRange | undefined | null;

/** The range a selector picks for `info` (a plain range selects itself). */
export function selectRange(
  select: ByteRange | ReadSelector | undefined,
  info: ObjectInfo,
): ByteRange | undefined | null {
  return typeof select === 'function' ? select(info) : select;
}

export async function* emptyBody(): AsyncGenerator<Uint8Array> {}

export interface Backend {
  listBuckets(): Promise<BucketInfo[]>;
  /** Throws BucketAlreadyOwnedByYou when it exists. */
  createBucket(bucket: string): Promise<void>;
  /** Throws NoSuchBucket. */
  headBucket(bucket: string): Promise<void>;
  /** Throws NoSuchBucket, BucketNotEmpty. */
  deleteBucket(bucket: string): Promise<void>;
  putObject(input: PutObjectInput): Promise<ObjectInfo>;
  /** Throws NoSuchBucket, NoSuchKey. */
  headObject(bucket: string, key: string): Promise<ObjectInfo>;
  /** Throws NoSuchBucket, NoSuchKey. */
  getObject(bucket: string, key: string, select?: ByteRange | ReadSelector): Promise<GetObjectResult>;
  /**
   * Copies an object as it is stored, without decrypting it, where the backend can (an encrypted object
   * into an encrypted bucket). Returns undefined when it cannot, or when the source is no longer the
   * revision with `sourceEtag`: the caller then streams the plaintext through putObject.
   */
  copyObjectStored?(input: CopyStoredInput): Promise<ObjectInfo | undefined>;
  /** Replaces the object's tags (an empty set removes them); the object is otherwise unchanged. */
  putObjectTagging(bucket: string, key: string, tags: Tags): Promise<void>;
  /** Deleting a missing key succeeds, as in S3. Throws NoSuchBucket. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** One page of keys in UTF-8 binary order. Throws NoSuchBucket. */
  listObjects(input: ListObjectsInput): Promise<ListObjectsResult>;
  /** True when the backing store answers (readiness). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ListObjectsInput {
  bucket: string;
  prefix: string;
  /** Group keys sharing `prefix + … + delimiter` into common prefixes; empty = no grouping. */
  delimiter: string;
  /** Return keys (and common prefixes) strictly after this key, in UTF-8 binary order. */
  startAfter: string;
  /** 1..1000. */
  maxKeys: number;
}

export interface ListEntry {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListObjectsResult {
  objects: ListEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, to continue from when truncated. */
  nextStartAfter: string | undefined;
}
