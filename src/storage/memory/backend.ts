// The in-memory fake of the Backend, for unit tests of the S3 layer. It keeps whole objects in memory,
// so it is never used to serve real traffic.
import {
  checkWriteCondition,
  emptyBody,
  selectRange,
  type Backend,
  type BucketInfo,
  type ByteRange,
  type GetObjectResult,
  type ListObjectsInput,
  type ListObjectsResult,
  type ObjectInfo,
  type PutObjectInput,
  type ReadSelector,
  type Tags,
} from '../backend.js';
import { S3Error } from '../../s3/errors.js';
import { compareKeys, pageFromSorted } from '../listing.js';

interface Stored {
  info: ObjectInfo;
  data: Buffer;
}

export class MemoryBackend implements Backend {
  private readonly buckets = new Map<string, { created: Date; objects: Map<string, Stored> }>();

  private bucket(name: string) {
    const b = this.buckets.get(name);
    if (!b) throw new S3Error('NoSuchBucket', undefined, { extra: { BucketName: name } });
    return b;
  }

  private object(bucket: string, key: string): Stored {
    const o = this.bucket(bucket).objects.get(key);
    if (!o) throw new S3Error('NoSuchKey', undefined, { extra: { Key: key } });
    return o;
  }

  async listBuckets(): Promise<BucketInfo[]> {
    return [...this.buckets].map(([name, b]) => ({ name, created: b.created }));
  }

  async createBucket(bucket: string): Promise<void> {
    if (this.buckets.has(bucket)) throw new S3Error('BucketAlreadyOwnedByYou');
    this.buckets.set(bucket, { created: new Date(), objects: new Map() });
  }

  async headBucket(bucket: string): Promise<void> {
    this.bucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    if (this.bucket(bucket).objects.size > 0) throw new S3Error('BucketNotEmpty');
    this.buckets.delete(bucket);
  }

  async putObject(input: PutObjectInput): Promise<ObjectInfo> {
    const before = this.bucket(input.bucket).objects.get(input.key);
    checkWriteCondition(input.condition, before?.info);
    const parts: Uint8Array[] = [];
    for await (const chunk of input.body) parts.push(Buffer.from(chunk));
    const data = Buffer.concat(parts);
    const info: ObjectInfo = {
      bucket: input.bucket,
      key: input.key,
      size: data.length,
      etag: input.etag(),
      checksum: input.checksum?.(),
      lastModified: new Date(),
      contentType: input.contentType,
      userMetadata: { ...input.userMetadata },
      storedHeaders: { ...input.storedHeaders },
      ...(input.tags !== undefined && Object.keys(input.tags).length > 0 ? { tags: { ...input.tags } } : {}),
    };
    // Looked up again: the bucket may have gone while the body streamed.
    const objects = this.bucket(input.bucket).objects;
    if (input.condition !== undefined && objects.get(input.key) !== before) {
      throw new S3Error('ConditionalRequestConflict');
    }
    objects.set(input.key, { info, data });
    return info;
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo> {
    return this.object(bucket, key).info;
  }

  async getObject(bucket: string, key: string, select?: ByteRange | ReadSelector): Promise<GetObjectResult> {
    const { info, data } = this.object(bucket, key);
    const range = selectRange(select, info);
    if (range === null) return { info, body: emptyBody(), range: undefined };
    const bytes = range ? data.subarray(range.start, range.end + 1) : data;
    return {
      info,
      range,
      body: (async function* () {
        if (bytes.length > 0) yield bytes;
      })(),
    };
  }

  async putObjectTagging(bucket: string, key: string, tags: Tags): Promise<void> {
    const stored = this.object(bucket, key);
    const info: ObjectInfo = { ...stored.info };
    if (Object.keys(tags).length > 0) info.tags = { ...tags };
    else delete info.tags;
    this.bucket(bucket).objects.set(key, { ...stored, info });
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.bucket(bucket).objects.delete(key);
  }

  async listObjects(input: ListObjectsInput): Promise<ListObjectsResult> {
    const entries = [...this.bucket(input.bucket).objects.values()]
      .map(({ info }) => ({
        key: info.key,
        size: info.size,
        etag: info.etag,
        lastModified: info.lastModified,
      }))
      .sort((a, b) => compareKeys(a.key, b.key));
    return pageFromSorted(entries, input);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
