// DeleteObjects: up to 1000 keys in one request, per-key results, Quiet mode.
import type { S3Response } from '../request.js';
import { S3Error, isS3Error } from '../errors.js';
import { xmlResponse } from '../respond.js';
import { many, parseXml } from '../xml/index.js';
import { readSmallBody } from '../payload.js';
import { requireBodyChecksum } from '../checksum-header.js';
import type { HandlerContext } from './context.js';

const MAX_KEYS = 1000;

export async function deleteObjects(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  const text = await readSmallBody(ctx.req.body, 2 * 1024 * 1024);
  requireBodyChecksum(ctx.req.headers, Buffer.from(text, 'utf8'));
  const root = parseXml(text, true)['Delete'];
  if (typeof root !== 'object' || root === null) throw new S3Error('MalformedXML');
  const doc = root as Record<string, unknown>;
  const quiet =
    String(doc['Quiet'] ?? 'false')
      .trim()
      .toLowerCase() === 'true';
  const objects = many(doc['Object']);
  if (objects.length === 0 || objects.length > MAX_KEYS) throw new S3Error('MalformedXML');
  const keys = objects.map((o) => {
    const key = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['Key'] : undefined;
    if (typeof key !== 'string' || key === '') throw new S3Error('MalformedXML');
    return key;
  });
  await ctx.backend.headBucket(bucket);
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const key of keys) {
    try {
      if (Buffer.byteLength(key) > 1024) throw new S3Error('KeyTooLongError');
      await ctx.backend.deleteObject(bucket, key);
      if (!quiet) deleted.push({ Key: key });
    } catch (err) {
      if (!isS3Error(err)) throw err;
      errors.push({ Key: key, Code: err.code, Message: err.message });
    }
  }
  return xmlResponse(200, 'DeleteResult', { Deleted: deleted, Error: errors });
}
