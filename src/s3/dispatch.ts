// The S3 request pipeline: authenticate → route → authorize → handler → one response, with the request
// id, the error XML for every failure and the request-end event for metrics and logs.
import { randomBytes } from 'node:crypto';
import type { RequestHandler, S3Request, S3Response } from './request.js';
import type { Backend } from '../storage/backend.js';
import { S3Error, isS3Error } from './errors.js';
import { errorResponse } from './respond.js';
import { address, route } from './router.js';
import type { Endpoint, SignedEndpoint } from './router.js';
import { corsPreflight, corsResponseHeaders } from './cors.js';
import type { CorsPolicy } from './cors.js';
import type { HandlerContext } from './handlers/context.js';
import * as buckets from './handlers/buckets.js';
import * as objects from './handlers/objects.js';
import * as list from './handlers/list.js';
import * as acl from './handlers/acl.js';
import * as tagging from './handlers/tagging.js';
import { deleteObjects } from './handlers/delete-objects.js';
import { copyObject } from './handlers/copy.js';
import { authenticate } from './sigv4/verify.js';
import type { AuthenticatedRequest } from './sigv4/verify.js';
import { anonymousRefused } from './sigv4/parse.js';
import type { CredentialStore } from './sigv4/credentials.js';
import { authorize, hidesMissingKeys, listBucketsFilter } from './auth/access.js';
import type { PublicRead } from './auth/access.js';
import { publishRequestEnd } from '../observability/channels.js';

export interface S3HandlerDeps {
  backend: Backend;
  /** Read for every request, so a reloaded store applies to the next request. */
  credentials: () => CredentialStore;
  region: string;
  now?: () => Date;
  /** Buckets whose objects unsigned GET/HEAD requests may read; absent: unsigned requests are refused. */
  publicRead?: PublicRead;
  /** Domains whose `<bucket>.<domain>` Host names address a bucket (virtual-hosted style). */
  domains?: readonly string[];
  /** The CORS rules for every bucket; absent: preflights are refused and responses carry no CORS headers. */
  cors?: CorsPolicy;
}

function handle(ctx: HandlerContext, ep: SignedEndpoint): Promise<S3Response> {
  switch (ep.op) {
    case 'ListBuckets':
      return buckets.listBuckets(ctx, listBucketsFilter(ctx.auth.principal));
    case 'CreateBucket':
      return buckets.createBucket(ctx, ep.bucket);
    case 'HeadBucket':
      return buckets.headBucket(ctx, ep.bucket);
    case 'DeleteBucket':
      return buckets.deleteBucket(ctx, ep.bucket);
    case 'GetBucketLocation':
      return buckets.getBucketLocation(ctx, ep.bucket);
    case 'ListObjects':
      return list.listObjectsV1(ctx, ep.bucket, ep.query);
    case 'ListObjectsV2':
      return list.listObjectsV2(ctx, ep.bucket, ep.query);
    case 'PutObject':
      return objects.putObject(ctx, ep.bucket, ep.key);
    case 'GetObject':
      return objects.getObject(ctx, ep.bucket, ep.key, ep.query);
    case 'HeadObject':
      return objects.headObject(ctx, ep.bucket, ep.key, ep.query);
    case 'DeleteObject':
      return objects.deleteObject(ctx, ep.bucket, ep.key);
    case 'CopyObject':
      return copyObject(ctx, ep.bucket, ep.key);
    case 'DeleteObjects':
      return deleteObjects(ctx, ep.bucket);
    case 'GetBucketVersioning':
      return buckets.getBucketVersioning(ctx, ep.bucket);
    case 'ListObjectVersions':
      return list.listObjectVersions(ctx, ep.bucket, ep.query);
    case 'GetBucketAcl':
      return acl.getBucketAcl(ctx, ep.bucket);
    case 'PutBucketAcl':
      return acl.putBucketAcl(ctx, ep.bucket);
    case 'GetObjectAcl':
      return acl.getObjectAcl(ctx, ep.bucket, ep.key);
    case 'PutObjectAcl':
      return acl.putObjectAcl(ctx, ep.bucket, ep.key);
    case 'GetObjectTagging':
      return tagging.getObjectTagging(ctx, ep.bucket, ep.key);
    case 'PutObjectTagging':
      return tagging.putObjectTagging(ctx, ep.bucket, ep.key);
    case 'DeleteObjectTagging':
      return tagging.deleteObjectTagging(ctx, ep.bucket, ep.key);
  }
}

let counter = 0;
const instance = randomBytes(4).toString('hex').toUpperCase();

function newRequestId(): string {
  counter = (counter + 1) % 0x100000000;
  return `${instance}${counter.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function createS3Handler(deps: S3HandlerDeps): RequestHandler {
  const now = deps.now ?? (() => new Date());
  const domains = deps.domains ?? [];
  return async (req: S3Request): Promise<S3Response> => {
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    let ep: Endpoint | undefined;
    let res: S3Response;
    let internalError: unknown;
    let errorCode: string | undefined;
    let bytesIn = 0;
    const countedBody = countBytes(req.body, (n) => (bytesIn += n));
    let auth: AuthenticatedRequest | undefined;
    // Browsers send preflights without credentials: the CORS policy alone answers them, and the router
    // makes every OPTIONS request a preflight, so an unsigned request reaches no other operation.
    const preflight = req.method === 'OPTIONS';
    try {
      if (preflight) {
        const target = route(req.method, req.rawPath, req.rawQuery, req.headers, { domains });
        ep = target;
        if (target.op !== 'CorsPreflight') throw new S3Error('MethodNotAllowed');
        res = corsPreflight(deps.cors, target, req.headers);
      } else {
        auth = authenticate(req, deps.credentials(), {
          now: now(),
          region: deps.region,
          service: 's3',
          anonymous: deps.publicRead !== undefined,
        });
        const signed = routeFor(req, auth, domains);
        ep = signed;
        authorize(auth.principal, signed, req.headers, deps.publicRead);
        const ctx: HandlerContext = {
          backend: deps.backend,
          req: { ...req, body: countedBody },
          region: deps.region,
          requestId,
          payloadSha256: /^[0-9a-f]{64}$/.test(auth.payloadHash) ? auth.payloadHash : undefined,
          auth,
        };
        if (auth.streaming !== undefined && signed.op !== 'PutObject') {
          throw new S3Error('NotImplemented', `aws-chunked bodies are not supported for ${signed.op} yet`);
        }
        res = await handle(ctx, signed);
      }
    } catch (err) {
      let s3err: S3Error;
      if (isS3Error(err)) {
        s3err = err;
        // Whoever may not list the bucket learns nothing from a missing key (S3 does the same).
        const principal = auth?.principal;
        if (err.code === 'NoSuchKey' && principal && ep && hidesMissingKeys(principal, ep, req.headers)) {
          s3err = principal.kind === 'anonymous' ? anonymousRefused() : new S3Error('AccessDenied');
        }
      } else if (req.signal.aborted) {
        s3err = new S3Error(
          'IncompleteBody',
          'The client closed the connection before the request completed',
        );
      } else {
        internalError = err;
        s3err = new S3Error('InternalError');
      }
      errorCode = s3err.code;
      const target =
        ep !== undefined && 'bucket' in ep
          ? { bucket: ep.bucket, key: 'key' in ep ? ep.key : undefined }
          : {};
      res = errorResponse(s3err, resourceOf(req, domains), requestId, req.method === 'HEAD', target);
    }
    // A browser lets a page read a response, an error too, only with CORS headers. A preflight has its own.
    if (!preflight && deps.cors !== undefined) {
      Object.assign(res.headers, corsResponseHeaders(deps.cors, req.method, req.headers));
    }
    res.headers['x-amz-request-id'] = requestId;
    res.headers['x-amz-id-2'] = requestId;
    res.headers['server'] = 'jetvault';
    const end = (bytesOut: number, streamError: Error | undefined): void =>
      publishRequestEnd({
        requestId,
        operation: ep?.op ?? 'unknown',
        bucket: ep && 'bucket' in ep ? ep.bucket : undefined,
        method: req.method,
        status: res.status,
        errorCode,
        durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
        bytesIn,
        bytesOut,
        streamError,
        internalError,
      });
    const body = res.body;
    if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
      end(body === undefined ? 0 : Buffer.byteLength(body), undefined);
      return res;
    }
    return { ...res, body: observeStream(body, end) };
  };
}

/** An unsigned request learns nothing from routing: whatever it asked, it is refused the same way. */
function routeFor(req: S3Request, auth: AuthenticatedRequest, domains: readonly string[]): SignedEndpoint {
  let ep: Endpoint;
  try {
    ep = route(req.method, req.rawPath, req.rawQuery, req.headers, {
      queryPlusIsSpace: auth.queryPlusIsSpace,
      domains,
    });
  } catch (err) {
    if (auth.principal.kind === 'anonymous') throw anonymousRefused();
    throw err;
  }
  // Only OPTIONS routes to a preflight, and dispatch answers OPTIONS before authentication.
  if (ep.op === 'CorsPreflight') throw new S3Error('MethodNotAllowed');
  return ep;
}

/** The resource an error names: `/bucket/key` in either addressing style, or the raw path. */
function resourceOf(req: S3Request, domains: readonly string[]): string {
  try {
    const { bucket, key } = address(req.rawPath, req.headers['host'], domains);
    return key === '' ? `/${bucket}` : `/${bucket}/${key}`;
  } catch {
    return req.rawPath;
  }
}

async function* countBytes(
  body: AsyncIterable<Uint8Array>,
  add: (n: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    add(chunk.byteLength);
    yield chunk;
  }
}

/**
 * Counts the response body as it goes and reports the request's end once. An explicit iterator rather than
 * a generator: return() must reach the backend's stream even when the engine never started reading it
 * (client gone before the first byte), or the backend would hold its NATS consumer.
 */
function observeStream(
  body: AsyncIterable<Uint8Array>,
  end: (bytesOut: number, err: Error | undefined) => void,
): AsyncIterableIterator<Uint8Array> {
  const inner = body[Symbol.asyncIterator]();
  let n = 0;
  let ended = false;
  const finish = (err: Error | undefined): void => {
    if (ended) return;
    ended = true;
    end(n, err);
  };
  const it: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => it,
    async next() {
      try {
        const r = await inner.next();
        if (r.done) finish(undefined);
        else n += r.value.byteLength;
        return r;
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
    async return() {
      finish(undefined);
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
  return it;
}
