// ACLs as S3 serves them with Object Ownership "bucket owner enforced" (its default since 2023): every
// bucket and object is owned by the bucket owner with FULL_CONTROL, and requests that set any other ACL
// are refused with AccessControlListNotSupported. Clients that send `x-amz-acl: private` work unchanged.
import type { S3Response } from '../request.js';
import { S3Error } from '../errors.js';
import { xmlResponse } from '../respond.js';
import { many, parseXml } from '../xml/index.js';
import { readSmallBody } from '../payload.js';
import type { HandlerContext } from './context.js';
import { OWNER } from './context.js';

const ACCEPTED_CANNED = new Set(['private', 'bucket-owner-full-control']);
const GRANT_HEADERS = [
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
];

/** Refuses a request whose headers set an ACL other than the owner's full control. */
export function checkAclHeaders(headers: Readonly<Record<string, string>>): void {
  const canned = headers['x-amz-acl'];
  if (canned !== undefined && !ACCEPTED_CANNED.has(canned.trim()))
    throw new S3Error('AccessControlListNotSupported');
  if (GRANT_HEADERS.some((h) => headers[h] !== undefined)) throw new S3Error('AccessControlListNotSupported');
}

function policy(): S3Response {
  return xmlResponse(200, 'AccessControlPolicy', {
    Owner: OWNER,
    AccessControlList: {
      Grant: {
        Grantee: {
          '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
          '@xsi:type': 'CanonicalUser',
          ...OWNER,
        },
        Permission: 'FULL_CONTROL',
      },
    },
  });
}

/** A PUT ?acl body is accepted only when it grants FULL_CONTROL to the owner and nothing else. */
async function checkAclBody(ctx: HandlerContext): Promise<void> {
  const doc = parseXml(await readSmallBody(ctx.req.body, 64 * 1024));
  const root = doc['AccessControlPolicy'];
  if (root === undefined) return;
  if (typeof root !== 'object' || root === null) throw new S3Error('MalformedXML');
  const list = (root as Record<string, unknown>)['AccessControlList'];
  const grants = many(
    typeof list === 'object' && list !== null ? (list as Record<string, unknown>)['Grant'] : undefined,
  );
  for (const grant of grants) {
    const g = grant as Record<string, unknown>;
    const grantee = g['Grantee'] as Record<string, unknown> | undefined;
    if (g['Permission'] !== 'FULL_CONTROL' || grantee?.['ID'] !== OWNER.ID) {
      throw new S3Error('AccessControlListNotSupported');
    }
  }
}

export async function getBucketAcl(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.headBucket(bucket);
  return policy();
}

export async function putBucketAcl(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.headBucket(bucket);
  checkAclHeaders(ctx.req.headers);
  await checkAclBody(ctx);
  return { status: 200, headers: {} };
}

export async function getObjectAcl(ctx: HandlerContext, bucket: string, key: string): Promise<S3Response> {
  await ctx.backend.headObject(bucket, key);
  return policy();
}

export async function putObjectAcl(ctx: HandlerContext, bucket: string, key: string): Promise<S3Response> {
  await ctx.backend.headObject(bucket, key);
  checkAclHeaders(ctx.req.headers);
  await checkAclBody(ctx);
  return { status: 200, headers: {} };
}
