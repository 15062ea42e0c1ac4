// Authorization (pure): may this principal run this routed endpoint? Dispatch asks between routing and
// the handler, so a denied request reaches no handler and changes nothing. Public-read buckets grant
// s3:GetObject (GetObject, HeadObject, a copy's source) to everybody, anonymous requests included;
// anonymous requests get nothing else.
import { S3Error } from '../errors.js';
import type { Endpoint } from '../router.js';
import { anonymousRefused } from '../sigv4/parse.js';
import { parseCopySource } from '../handlers/copy.js';
import { OPERATION_ACTIONS, type Action, type Principal } from './policy.js';

export interface Access {
  readonly action: Action;
  readonly bucket: string;
}

/** Which buckets anonymous requests may read objects from. */
export type PublicRead = (bucket: string) => boolean;

const NOBODY: PublicRead = () => false;

/** What an endpoint needs: its own action on its bucket, and for a copy, s3:GetObject on the source. */
export function requiredAccess(ep: Endpoint, headers: Readonly<Record<string, string>>): Access[] {
  // A preflight is answered from the CORS policy before authentication; no principal ever asks for it.
  if (ep.op === 'ListBuckets' || ep.op === 'CorsPreflight') return [];
  const needs: Access[] = [{ action: OPERATION_ACTIONS[ep.op], bucket: ep.bucket }];
  if (ep.op === 'CopyObject') {
    const source = headers['x-amz-copy-source'];
    if (source !== undefined) needs.push({ action: 's3:GetObject', bucket: parseCopySource(source).bucket });
  }
  return needs;
}

/** True when the principal may take the action on the bucket. */
export function allowed(principal: Principal, access: Access, publicRead: PublicRead = NOBODY): boolean {
  const isPublic = access.action === 's3:GetObject' && publicRead(access.bucket);
  if (principal.kind === 'anonymous') return isPublic;
  const decision = principal.policy?.decide(access.action, access.bucket) ?? 'allow';
  // An explicit deny also wins over public-read; a user without a grant reads public buckets like anybody.
  return decision === 'allow' || (decision === 'none' && isPublic);
}

/**
 * Throws AccessDenied unless the principal may run the endpoint. Anonymous requests get exactly the error
 * an unsigned request got before public-read buckets existed. ListBuckets is open to every signed-in user
 * (listBucketsFilter narrows what it shows).
 */
export function authorize(
  principal: Principal,
  ep: Endpoint,
  headers: Readonly<Record<string, string>>,
  publicRead: PublicRead = NOBODY,
): void {
  if (principal.kind === 'anonymous' && ep.op !== 'GetObject' && ep.op !== 'HeadObject') {
    throw anonymousRefused();
  }
  for (const access of requiredAccess(ep, headers)) {
    if (allowed(principal, access, publicRead)) continue;
    throw principal.kind === 'anonymous' ? anonymousRefused() : new S3Error('AccessDenied');
  }
}

/** ListBuckets shows the buckets the user may list (s3:ListBucket); undefined: all of them. */
export function listBucketsFilter(principal: Principal): ((bucket: string) => boolean) | undefined {
  if (principal.kind === 'anonymous') return () => false;
  const policy = principal.policy;
  if (policy === undefined) return undefined;
  return (bucket) => policy.allows('s3:ListBucket', bucket);
}

/**
 * S3 answers a missing key with 403 instead of 404 to whoever may not list the bucket it is missing from
 * (a copy's source bucket for CopyObject), so that object names cannot be probed (anonymous readers of a
 * public bucket, read-only users without list).
 */
export function hidesMissingKeys(
  principal: Principal,
  ep: Endpoint,
  headers: Readonly<Record<string, string>>,
): boolean {
  if (ep.op === 'ListBuckets' || ep.op === 'CorsPreflight') return false;
  if (principal.kind === 'anonymous') return true;
  const policy = principal.policy;
  if (policy === undefined) return false;
  const source = ep.op === 'CopyObject' ? headers['x-amz-copy-source'] : undefined;
  const bucket = source === undefined ? ep.bucket : parseCopySource(source).bucket;
  return !policy.allows('s3:ListBucket', bucket);
}
