// S3 bucket names ↔ Object Store names and the subjects of the Object Store layout (ADR-20, nats.js
// obj/src/objectstore.ts). Object Store names allow [-_A-Za-z0-9] and S3 names allow [a-z0-9.-], so `.` maps
// to `_` (which S3 names never contain) and back. Internal stores start with `_jv`, which no mapped S3 name
// can (an S3 name starts with a letter or digit), so they cannot collide with a bucket.
import { S3Error } from '../../s3/errors.js';
import { bucketNameProblem } from '../../s3/bucket-name.js';

export const STREAM_PREFIX = 'OBJ_';
export const INTERNAL_PREFIX = '_jv';

const STORE = /^[-\w]+$/;

/** The S3 rules the S3 layer enforces, re-checked here so a name that can't map back never becomes a stream. */
function isValidS3BucketName(name: string): boolean {
  return bucketNameProblem(name) === undefined;
}

/** S3 bucket → Object Store bucket; InvalidBucketName when it cannot round-trip. */
export function storeForBucket(bucket: string): string {
  if (!isValidS3BucketName(bucket)) throw new S3Error('InvalidBucketName');
  return bucket.replaceAll('.', '_');
}

/** Object Store bucket → S3 bucket, or undefined for internal stores and names no S3 bucket maps to. */
export function bucketForStore(store: string): string | undefined {
  if (store.startsWith(INTERNAL_PREFIX)) return undefined;
  const bucket = store.replaceAll('_', '.');
  return isValidS3BucketName(bucket) ? bucket : undefined;
}

/** Name of an internal store (multipart staging and the like); never listed, never an S3 bucket. */
export function internalStore(name: string): string {
  const store = `${INTERNAL_PREFIX}_${name}`;
  if (!STORE.test(store)) throw new Error(`invalid internal store name: ${name}`);
  return store;
}

export function streamForStore(store: string): string {
  return `${STREAM_PREFIX}${store}`;
}

/** Stream name → store name, or undefined when the stream is not an Object Store. */
export function storeForStream(stream: string): string | undefined {
  if (!stream.startsWith(STREAM_PREFIX)) return undefined;
  const store = stream.slice(STREAM_PREFIX.length);
  return STORE.test(store) ? store : undefined;
}

export function chunkSubject(store: string, nuid: string): string {
  return `$O.${store}.C.${nuid}`;
}

export function chunkSubjectAll(store: string): string {
  return `$O.${store}.C.>`;
}

/** nats.js and the Go client both use *padded* base64url of the UTF-8 name as the last token. */
export function metaSubject(store: string, key: string): string {
  return `$O.${store}.M.${base64UrlPadded(Buffer.from(key, 'utf8'))}`;
}

/** The key a meta subject stands for (undefined when the subject is not one of the store's metas). */
export function keyOfMetaSubject(store: string, subject: string): string | undefined {
  const prefix = `$O.${store}.M.`;
  if (!subject.startsWith(prefix)) return undefined;
  const key = Buffer.from(subject.slice(prefix.length), 'base64url').toString('utf8');
  return metaSubject(store, key) === subject ? key : undefined;
}

export function metaSubjectAll(store: string): string {
  return `$O.${store}.M.>`;
}

/** Node's 'base64url' drops the padding that nats.js (Base64UrlPaddedCodec) and Go (URLEncoding) keep. */
export function base64UrlPadded(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('base64')
    .replaceAll('+', '-')
    .replaceAll('/', '_');
}
