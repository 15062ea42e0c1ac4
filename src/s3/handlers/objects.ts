// PutObject, GetObject, HeadObject, DeleteObject.
import type { S3Response } from '../request.js';
import { STORED_HEADERS, type ObjectInfo, type WriteCondition } from '../../storage/backend.js';
import { S3Error } from '../errors.js';
import { MAX_PUT_SIZE, VerifiedPayload } from '../payload.js';
import { parseRange } from '../range.js';
import { evaluateConditions } from '../conditional.js';
import type { Query } from '../router.js';
import type { HandlerContext } from './context.js';
import { checkAclHeaders } from './acl.js';
import { checksumAlgorithm, expectedChecksum } from '../checksum-header.js';
import { awsChunkedBody } from '../sigv4/chunked.js';
import { readTaggingHeader } from './tagging.js';

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** S3 limits user-defined metadata to 2 KB, names and values counted in UTF-8 bytes. */
const MAX_USER_METADATA = 2048;

export async function putObject(ctx: HandlerContext, bucket: string, key: string): Promise<S3Response> {
  const h = ctx.req.headers;
  const mode = ctx.auth.streaming;
  // aws-chunked: the framing is decoded (and chunk signatures verified) before any other check sees the bytes.
  const chunked =
    mode === undefined ? undefined : awsChunkedBody(ctx.req.body, h, mode, ctx.auth.chunkSignatures());
  const expectedLength = chunked === undefined ? parseContentLength(h) : chunked.decodedLength;
  if (expectedLength === undefined && !/\bchunked\b/i.test(h['transfer-encoding'] ?? '')) {
    throw new S3Error('MissingContentLength');
  }
  if (expectedLength !== undefined && expectedLength > MAX_PUT_SIZE) throw new S3Error('EntityTooLarge');
  checkAclHeaders(h);
  const userMetadata = readUserMetadata(h);
  const storedHeaders = readStoredHeaders(h);
  const tags = readTaggingHeader(h);
  const trailing = chunked?.trailingChecksum();
  const headerChecksum = expectedChecksum(h);
  if (trailing !== undefined && headerChecksum !== undefined) {
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header');
  }
  checkSdkChecksumAlgorithm(h, (trailing ?? headerChecksum)?.header);
  const body = new VerifiedPayload(chunked ?? ctx.req.body, {
    expectedLength,
    contentMd5: h['content-md5'],
    sha256: ctx.payloadSha256,
    checksum: trailing ?? headerChecksum,
  });
  const info = await ctx.backend.putObject({
    bucket,
    key,
    body,
    ...(tags !== undefined ? { tags } : {}),
    ...writeCondition(h),
    contentType: h['content-type'] ?? DEFAULT_CONTENT_TYPE,
    userMetadata,
    storedHeaders,
    etag: () => body.etag(),
    checksum: () => body.verifiedChecksumValue(),
    delegateHashing: () => body.delegateHashing(),
  });
  // S3 echoes the checksum it verified.
  return { status: 200, headers: { etag: info.etag, ...checksumOf(info) } };
}

/**
 * x-amz-sdk-checksum-algorithm names the algorithm of the checksum the request carries (as a header or an
 * aws-chunked trailer); S3 refuses it without that checksum, or naming another algorithm.
 */
function checkSdkChecksumAlgorithm(h: Readonly<Record<string, string>>, given: string | undefined): void {
  const sdk = h['x-amz-sdk-checksum-algorithm'];
  if (sdk === undefined) return;
  const header = `x-amz-checksum-${sdk.trim().toLowerCase()}`;
  if (checksumAlgorithm(header) === undefined || (given !== undefined && given !== header)) {
    throw new S3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  if (given === undefined) {
    throw new S3Error(
      'InvalidRequest',
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
  }
}

/** If-None-Match (only `*`, as S3) and If-Match on a write. */
function writeCondition(h: Readonly<Record<string, string>>): { condition?: WriteCondition } {
  const ifNoneMatch = h['if-none-match'];
  const ifMatch = h['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return {};
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new S3Error('NotImplemented', 'If-None-Match on a write only accepts *', {
      extra: { Header: 'If-None-Match' },
    });
  }
  return {
    condition: {
      ...(ifNoneMatch !== undefined ? { ifNoneMatch: true } : {}),
      ...(ifMatch !== undefined ? { ifMatch } : {}),
    },
  };
}

export async function headObject(ctx: HandlerContext, bucket: string, key: string, query: Query) {
  rejectPartNumber(query);
  const info = await ctx.backend.headObject(bucket, key);
  if (evaluateConditions(ctx.req.headers, info) === 'not-modified') return notModified(info);
  const range = parseRange(ctx.req.headers['range'], info.size);
  const headers = objectHeaders(info);
  if (range === undefined)
    return {
      status: 200,
      headers: { ...headers, ...checksumHeaders(ctx, info), 'content-length': String(info.size) },
    };
  return { status: 206, headers: { ...headers, ...rangeHeaders(range, info.size) } };
}

export async function getObject(
  ctx: HandlerContext,
  bucket: string,
  key: string,
  query: Query,
): Promise<S3Response> {
  rejectPartNumber(query);
  const overrides = responseOverrides(query);
  // Conditions and the range are judged against the revision that is actually streamed.
  const result = await ctx.backend.getObject(bucket, key, (info) => {
    if (evaluateConditions(ctx.req.headers, info) === 'not-modified') return null;
    return parseRange(ctx.req.headers['range'], info.size) ?? undefined;
  });
  const { info, range } = result;
  if (evaluateConditions(ctx.req.headers, info) === 'not-modified') return notModified(info);
  const headers = { ...objectHeaders(info), ...tagCount(info), ...overrides };
  if (range === undefined) {
    return {
      status: 200,
      headers: { ...headers, ...checksumHeaders(ctx, info), 'content-length': String(info.size) },
      body: result.body,
    };
  }
  return {
    status: 206,
    headers: { ...headers, ...rangeHeaders(range, info.size) },
    body: result.body,
  };
}

export async function deleteObject(ctx: HandlerContext, bucket: string, key: string): Promise<S3Response> {
  await ctx.backend.deleteObject(bucket, key);
  return { status: 204, headers: {} };
}

/**
 * With `x-amz-checksum-mode: ENABLED`, a whole-object read returns the checksum the object was uploaded
 * with (a range gets none: it would not describe the bytes sent).
 */
function checksumHeaders(ctx: HandlerContext, info: ObjectInfo): Record<string, string> {
  if ((ctx.req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() !== 'ENABLED') return {};
  return checksumOf(info);
}

function checksumOf(info: ObjectInfo): Record<string, string> {
  if (info.checksum === undefined) return {};
  return {
    [`x-amz-checksum-${info.checksum.algorithm.toLowerCase()}`]: info.checksum.value.toString('base64'),
    'x-amz-checksum-type': 'FULL_OBJECT',
  };
}

/** GetObject tells how many tags the object has (the tags themselves need GetObjectTagging). */
function tagCount(info: ObjectInfo): Record<string, string> {
  const n = Object.keys(info.tags ?? {}).length;
  return n > 0 ? { 'x-amz-tagging-count': String(n) } : {};
}

/** 304 carries the validators and no body. */
function notModified(info: ObjectInfo): S3Response {
  return { status: 304, headers: { etag: info.etag, 'last-modified': info.lastModified.toUTCString() } };
}

function objectHeaders(info: ObjectInfo): Record<string, string> {
  const headers: Record<string, string> = {
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'content-type': info.contentType,
    'accept-ranges': 'bytes',
    ...info.storedHeaders,
  };
  for (const [name, value] of Object.entries(info.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** GetObject's response-* query parameters replace the stored headers in this one response. */
const OVERRIDES = ['content-type', ...STORED_HEADERS] as const;

function responseOverrides(query: Query): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of OVERRIDES) {
    const value = query.get(`response-${name}`);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export function readStoredHeaders(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = h[name];
    // aws-chunked describes the upload's framing, not the object: S3 drops it from the stored value.
    if (name === 'content-encoding' && value !== undefined) {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked')
        .join(',');
    }
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function rangeHeaders(range: { start: number; end: number }, size: number): Record<string, string> {
  return {
    'content-length': String(range.end - range.start + 1),
    'content-range': `bytes ${range.start}-${range.end}/${size}`,
  };
}

function rejectPartNumber(query: Query): void {
  if (query.has('partNumber')) {
    throw new S3Error('NotImplemented', 'partNumber reads are not implemented by jetvault yet');
  }
}

function parseContentLength(h: Readonly<Record<string, string>>): number | undefined {
  const raw = h['content-length'];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw))
    throw new S3Error('InvalidArgument', 'Content-Length must be a non-negative integer');
  return Number(raw);
}

export function readUserMetadata(h: Readonly<Record<string, string>>): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    meta[short] = value;
    size += Buffer.byteLength(short) + Buffer.byteLength(value);
  }
  if (size > MAX_USER_METADATA) throw new S3Error('MetadataTooLarge');
  return meta;
}
