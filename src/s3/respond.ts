// One place writes every response (DESIGN §6.3): S3 headers, error XML, and the request-end event
// that metrics and the access log subscribe to.
import type { S3Response } from './request.js';
import type { S3Error } from './errors.js';
import { buildXml } from './xml/index.js';

export function xmlResponse(status: number, root: string, body: Parameters<typeof buildXml>[1]): S3Response {
  return { status, headers: { 'content-type': 'application/xml' }, body: buildXml(root, body) };
}

/** Errors where S3 names the bucket, or the key, in its own element. */
const NAMES_BUCKET = new Set([
  'NoSuchBucket',
  'BucketNotEmpty',
  'BucketAlreadyOwnedByYou',
  'BucketAlreadyExists',
  'InvalidBucketName',
]);

export function errorResponse(
  err: S3Error,
  resource: string,
  requestId: string,
  isHead: boolean,
  target: { bucket?: string | undefined; key?: string | undefined } = {},
): S3Response {
  const headers: Record<string, string> = { ...err.headers };
  if (isHead) return { status: err.status, headers };
  const named: Record<string, string> = {};
  if (NAMES_BUCKET.has(err.code) && target.bucket !== undefined && err.extra['BucketName'] === undefined)
    named['BucketName'] = target.bucket;
  if (err.code === 'NoSuchKey' && target.key !== undefined && err.extra['Key'] === undefined)
    named['Key'] = target.key;
  const body = buildXml(
    'Error',
    {
      Code: err.code,
      Message: err.message,
      ...named,
      ...err.extra,
      Resource: resource,
      RequestId: requestId,
      // S3's x-amz-id-2; jetvault sends the request id in both.
      HostId: requestId,
    },
    null,
  );
  headers['content-type'] = 'application/xml';
  return { status: err.status, headers, body };
}
