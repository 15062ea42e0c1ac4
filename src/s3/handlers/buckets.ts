// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
import type { S3Response } from '../request.js';
import { S3Error } from '../errors.js';
import { xmlResponse } from '../respond.js';
import { parseXml } from '../xml/index.js';
import { readSmallBody } from '../payload.js';
import type { HandlerContext } from './context.js';
import { OWNER } from './context.js';
import { checkAclHeaders } from './acl.js';

/** `visible`: the buckets this user may list (ListBuckets shows only those); undefined: all. */
export async function listBuckets(
  ctx: HandlerContext,
  visible?: (bucket: string) => boolean,
): Promise<S3Response> {
  const all = await ctx.backend.listBuckets();
  const buckets = visible === undefined ? all : all.filter((b) => visible(b.name));
  buckets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return xmlResponse(200, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.created.toISOString() })) },
  });
}

export async function createBucket(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  checkAclHeaders(ctx.req.headers);
  const doc = parseXml(await readSmallBody(ctx.req.body, 64 * 1024));
  const config = doc['CreateBucketConfiguration'];
  if (config !== undefined && config !== '' && typeof config === 'object') {
    const location = (config as Record<string, unknown>)['LocationConstraint'];
    // S3 refuses a constraint naming another region than the endpoint's; us-east-1 is sent as none.
    if (typeof location === 'string' && location !== '' && location !== ctx.region) {
      throw new S3Error(
        'InvalidLocationConstraint',
        `The specified location-constraint is not valid for this endpoint (region ${ctx.region})`,
      );
    }
  }
  await ctx.backend.createBucket(bucket);
  return { status: 200, headers: { location: `/${bucket}` } };
}

export async function headBucket(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.headBucket(bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': ctx.region } };
}

export async function deleteBucket(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.deleteBucket(bucket);
  return { status: 204, headers: {} };
}

export async function getBucketLocation(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.headBucket(bucket);
  // S3 answers an empty constraint for us-east-1.
  const region = ctx.region === 'us-east-1' ? '' : ctx.region;
  return xmlResponse(200, 'LocationConstraint', { '#text': region });
}

/** jetvault buckets are never versioned: the empty configuration is what S3 answers for those. */
export async function getBucketVersioning(ctx: HandlerContext, bucket: string): Promise<S3Response> {
  await ctx.backend.headBucket(bucket);
  return xmlResponse(200, 'VersioningConfiguration', {});
}
