// ListObjects (v1) and ListObjectsV2, both paging through Backend.listObjects.
import type { S3Response } from '../request.js';
import type { ListEntry } from '../../storage/backend.js';
import { S3Error } from '../errors.js';
import { xmlResponse } from '../respond.js';
import type { Query } from '../router.js';
import type { HandlerContext } from './context.js';
import { OWNER } from './context.js';

const MAX_KEYS = 1000;

function maxKeys(query: Query): number {
  const raw = query.get('max-keys');
  if (raw === undefined) return MAX_KEYS;
  if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  return Math.min(Number(raw), MAX_KEYS);
}

function encodingType(query: Query): 'url' | undefined {
  const raw = query.get('encoding-type');
  if (raw === undefined) return undefined;
  if (raw !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return 'url';
}

/** encoding-type=url: keys are percent-encoded as S3 does it (everything but unreserved and '/'). */
function encoder(type: 'url' | undefined): (s: string) => string {
  if (type === undefined) return (s) => s;
  return (s) =>
    encodeURIComponent(s)
      .replace(/%2F/g, '/')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function contents(objects: ListEntry[], enc: (s: string) => string, withOwner: boolean) {
  return objects.map((o) => ({
    Key: enc(o.key),
    LastModified: o.lastModified.toISOString(),
    ETag: o.etag,
    Size: o.size,
    ...(withOwner ? { Owner: OWNER } : {}),
    StorageClass: 'STANDARD',
  }));
}

export async function listObjectsV2(ctx: HandlerContext, bucket: string, query: Query): Promise<S3Response> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after') ?? '';
  const type = encodingType(query);
  const enc = encoder(type);
  let after = startAfter;
  if (token !== undefined) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect');
    }
  }
  const page = await ctx.backend.listObjects({
    bucket,
    prefix,
    delimiter,
    startAfter: after,
    maxKeys: maxKeys(query),
  });
  return xmlResponse(200, 'ListBucketResult', {
    Name: bucket,
    Prefix: enc(prefix),
    Delimiter: delimiter === '' ? undefined : enc(delimiter),
    StartAfter: startAfter === '' ? undefined : enc(startAfter),
    ContinuationToken: token,
    NextContinuationToken: page.isTruncated
      ? Buffer.from(page.nextStartAfter ?? '', 'utf8').toString('base64url')
      : undefined,
    KeyCount: page.objects.length + page.commonPrefixes.length,
    MaxKeys: maxKeys(query),
    EncodingType: type,
    IsTruncated: page.isTruncated,
    Contents: contents(page.objects, enc, query.get('fetch-owner') === 'true'),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

export async function listObjectsV1(ctx: HandlerContext, bucket: string, query: Query): Promise<S3Response> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const marker = query.get('marker') ?? '';
  const type = encodingType(query);
  const enc = encoder(type);
  const page = await ctx.backend.listObjects({
    bucket,
    prefix,
    delimiter,
    startAfter: marker,
    maxKeys: maxKeys(query),
  });
  return xmlResponse(200, 'ListBucketResult', {
    Name: bucket,
    Prefix: enc(prefix),
    Marker: enc(marker),
    // S3 sends NextMarker only with a delimiter; clients fall back to the last key otherwise.
    NextMarker: page.isTruncated && delimiter !== '' ? enc(page.nextStartAfter ?? '') : undefined,
    MaxKeys: maxKeys(query),
    Delimiter: delimiter === '' ? undefined : enc(delimiter),
    EncodingType: type,
    IsTruncated: page.isTruncated,
    Contents: contents(page.objects, enc, true),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/** ListObjectVersions on an unversioned bucket: every current object, VersionId "null", IsLatest. */
export async function listObjectVersions(
  ctx: HandlerContext,
  bucket: string,
  query: Query,
): Promise<S3Response> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker');
  const type = encodingType(query);
  const enc = encoder(type);
  const page = await ctx.backend.listObjects({
    bucket,
    prefix,
    delimiter,
    startAfter: keyMarker,
    maxKeys: maxKeys(query),
  });
  return xmlResponse(200, 'ListVersionsResult', {
    Name: bucket,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker),
    VersionIdMarker: versionIdMarker ?? '',
    NextKeyMarker: page.isTruncated ? enc(page.nextStartAfter ?? '') : undefined,
    NextVersionIdMarker: page.isTruncated ? 'null' : undefined,
    MaxKeys: maxKeys(query),
    Delimiter: delimiter === '' ? undefined : enc(delimiter),
    EncodingType: type,
    IsTruncated: page.isTruncated,
    Version: page.objects.map((o) => ({
      Key: enc(o.key),
      VersionId: 'null',
      IsLatest: true,
      LastModified: o.lastModified.toISOString(),
      ETag: o.etag,
      Size: o.size,
      Owner: OWNER,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}
