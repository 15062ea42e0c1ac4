// CopyObject: streams the source through the same verification stage as a PUT into a new object (nothing
// buffers the object). Metadata comes from the source (COPY, the default) or from the request (REPLACE).
import type { S3Response } from '../request.js';
import { S3Error } from '../errors.js';
import { readTaggingHeader } from './tagging.js';
import { xmlResponse } from '../respond.js';
import { evaluateConditions } from '../conditional.js';
import { MAX_PUT_SIZE, VerifiedPayload } from '../payload.js';
import { assertBucketName } from '../bucket-name.js';
import type { HandlerContext } from './context.js';
import { checkAclHeaders } from './acl.js';
import { readStoredHeaders, readUserMetadata } from './objects.js';

/** `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=null`. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  let raw = header.trim();
  const q = raw.indexOf('?');
  if (q !== -1) {
    const params = new URLSearchParams(raw.slice(q + 1));
    const version = params.get('versionId');
    if (version !== null && version !== 'null') {
      throw new S3Error('InvalidArgument', 'Invalid version id specified', {
        extra: { ArgumentName: 'versionId' },
      });
    }
    raw = raw.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new S3Error(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  }
  const bucket = decoded.slice(0, slash);
  assertBucketName(bucket);
  return { bucket, key: decoded.slice(slash + 1) };
}

/** The x-amz-copy-source-if-* headers are the conditional headers, applied to the source. */
function sourceConditions(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = h[`x-amz-copy-source-${name}`];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export async function copyObject(ctx: HandlerContext, bucket: string, key: string): Promise<S3Response> {
  const h = ctx.req.headers;
  checkAclHeaders(h);
  const src = parseCopySource(h['x-amz-copy-source'] ?? '');
  const directive = (h['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', {
      extra: { ArgumentName: 'x-amz-metadata-directive' },
    });
  }
  const tagDirective = (h['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
  if (tagDirective !== 'COPY' && tagDirective !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown tagging directive.', {
      extra: { ArgumentName: 'x-amz-tagging-directive' },
    });
  }
  const newTags = tagDirective === 'REPLACE' ? (readTaggingHeader(h) ?? {}) : undefined;
  if (src.bucket === bucket && src.key === key && directive === 'COPY') {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const info = await ctx.backend.headObject(src.bucket, src.key);
  // A copy whose source condition fails is 412 either way (S3 does not answer 304 to a copy).
  if (evaluateConditions(sourceConditions(h), info) === 'not-modified')
    throw new S3Error('PreconditionFailed');
  if (info.size > MAX_PUT_SIZE) {
    throw new S3Error(
      'InvalidRequest',
      'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120',
    );
  }
  const replace = directive === 'REPLACE';
  const described = {
    contentType: replace ? (h['content-type'] ?? 'binary/octet-stream') : info.contentType,
    userMetadata: replace ? readUserMetadata(h) : info.userMetadata,
    storedHeaders: replace ? readStoredHeaders(h) : info.storedHeaders,
    tags: newTags ?? info.tags ?? {},
  };
  // Encrypted into encrypted: the stored frames are copied as they are, nothing is decrypted.
  const stored = await ctx.backend.copyObjectStored?.({
    source: src,
    sourceEtag: info.etag,
    bucket,
    key,
    ...described,
  });
  if (stored !== undefined) {
    return xmlResponse(200, 'CopyObjectResult', {
      LastModified: stored.lastModified.toISOString(),
      ETag: stored.etag,
    });
  }
  const source = await ctx.backend.getObject(src.bucket, src.key);
  // The source may have been replaced since HEAD: the length check below catches a different object.
  const body = new VerifiedPayload(source.body, {
    expectedLength: source.info.size,
    contentMd5: undefined,
    sha256: undefined,
  });
  const written = await ctx.backend.putObject({
    bucket,
    key,
    body,
    contentType: replace ? (h['content-type'] ?? 'binary/octet-stream') : source.info.contentType,
    userMetadata: replace ? readUserMetadata(h) : source.info.userMetadata,
    storedHeaders: replace ? readStoredHeaders(h) : source.info.storedHeaders,
    tags: newTags ?? source.info.tags ?? {},
    etag: () => body.etag(),
    delegateHashing: () => body.delegateHashing(),
  });
  return xmlResponse(200, 'CopyObjectResult', {
    LastModified: written.lastModified.toISOString(),
    ETag: written.etag,
  });
}
