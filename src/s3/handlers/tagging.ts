// Object tagging: Put/Get/DeleteObjectTagging and the x-amz-tagging header, with S3's limits: at most 10
// tags, keys of 1–128 and values of 0–256 Unicode characters from letters, digits, spaces and + - = . _ : / @,
// unique keys, none starting with "aws:". Tags are kept with the object's meta, not encrypted (as in S3,
// where server-side encryption does not cover tags).
import type { S3Response } from '../request.js';
import { S3Error } from '../errors.js';
import { xmlResponse } from '../respond.js';
import { many, parseXml } from '../xml/index.js';
import { readSmallBody } from '../payload.js';
import { requireBodyChecksum } from '../checksum-header.js';
import type { Tags } from '../../storage/backend.js';
import type { HandlerContext } from './context.js';

const MAX_TAGS = 10;
const MAX_KEY = 128;
const MAX_VALUE = 256;
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function invalid(message: string): S3Error {
  return new S3Error('InvalidTag', message);
}

/** Checks a tag set against S3's limits; `pairs` keeps duplicates so they can be refused. */
export function validateTags(pairs: ReadonlyArray<readonly [string, string]>): Tags {
  if (pairs.length > MAX_TAGS) throw invalid('Object tags cannot be greater than 10');
  const tags: Tags = {};
  for (const [key, value] of pairs) {
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > MAX_KEY) throw invalid('The TagKey you have provided is invalid');
    if ([...value].length > MAX_VALUE) throw invalid('The TagValue you have provided is invalid');
    if (!ALLOWED.test(key)) throw invalid('The TagKey you have provided is invalid');
    if (!ALLOWED.test(value)) throw invalid('The TagValue you have provided is invalid');
    if (key.toLowerCase().startsWith('aws:')) throw invalid('Your TagKey cannot be prefixed with aws:');
    if (Object.hasOwn(tags, key)) throw invalid('Cannot provide multiple Tags with the same key');
    tags[key] = value;
  }
  return tags;
}

/** The x-amz-tagging header (URL query form, `k1=v1&k2=v2`), or undefined when absent. */
export function readTaggingHeader(headers: Readonly<Record<string, string>>): Tags | undefined {
  const raw = headers['x-amz-tagging'];
  if (raw === undefined) return undefined;
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replaceAll('+', ' '));
      } catch {
        throw invalid('The x-amz-tagging header is not valid URL-encoded text');
      }
    };
    pairs.push([decode(eq === -1 ? part : part.slice(0, eq)), eq === -1 ? '' : decode(part.slice(eq + 1))]);
  }
  return validateTags(pairs);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === '' || v === undefined || v === null) return undefined;
  return typeof v === 'number' ? String(v) : undefined;
}

export async function putObjectTagging(
  ctx: HandlerContext,
  bucket: string,
  key: string,
): Promise<S3Response> {
  const body = await readSmallBody(ctx.req.body, 64 * 1024);
  // S3 requires Content-MD5 (or a flexible checksum) on PutObjectTagging.
  requireBodyChecksum(ctx.req.headers, Buffer.from(body, 'utf8'));
  const doc = parseXml(body, true);
  const root = doc['Tagging'];
  if (typeof root !== 'object' || root === null) throw new S3Error('MalformedXML');
  const set = (root as Record<string, unknown>)['TagSet'];
  if (set === undefined) throw new S3Error('MalformedXML');
  const list = typeof set === 'object' && set !== null ? (set as Record<string, unknown>)['Tag'] : undefined;
  const pairs = many(list).map((t): [string, string] => {
    if (typeof t !== 'object' || t === null) throw new S3Error('MalformedXML');
    const o = t as Record<string, unknown>;
    const k = text(o['Key']);
    if (k === undefined) throw new S3Error('MalformedXML');
    return [k, text(o['Value']) ?? ''];
  });
  await ctx.backend.putObjectTagging(bucket, key, validateTags(pairs));
  return { status: 200, headers: {} };
}

export async function getObjectTagging(
  ctx: HandlerContext,
  bucket: string,
  key: string,
): Promise<S3Response> {
  const info = await ctx.backend.headObject(bucket, key);
  const tags = Object.entries(info.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return xmlResponse(200, 'Tagging', { TagSet: tags.length === 0 ? '' : { Tag: tags } });
}

export async function deleteObjectTagging(
  ctx: HandlerContext,
  bucket: string,
  key: string,
): Promise<S3Response> {
  await ctx.backend.putObjectTagging(bucket, key, {});
  return { status: 204, headers: {} };
}
