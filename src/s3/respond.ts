// One place writes every response (DESIGN §6.3): S3 headers, error XML, and the request-end event
// that metrics and the access log subscribe to.
import type { S3Response } from './request.js';
import type { S3Error } from './errors.js';
import { buildXml } from './xml/index.js';

export function xmlResponse(status: number, root: string, body: Parameters<typeof buildXml>[1]): S3Response {
  return { status, headers: { 'content-type': 'application/xml' }, body: buildXml(root, body) };
}

export function errorResponse(
  err: S3Error,
  resource: string,
  requestId: string,
  isHead: boolean,
): S3Response {
  const headers: Record<string, string> = { ...err.headers };
  if (isHead) return { status: err.status, headers };
  const body = buildXml(
    'Error',
    { Code: err.code, Message: err.message, ...err.extra, Resource: resource, RequestId: requestId },
    null,
  );
  headers['content-type'] = 'application/xml';
  return { status: err.status, headers, body };
}
