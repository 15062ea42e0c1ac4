// SigV4 verification. `authenticate` is the only way to obtain an AuthenticatedRequest, the proof type
// that handlers require (DESIGN §6.4): a handler that has one knows the request was signed by a known key,
// within its validity window, over exactly these method, path, query and signed headers.

import { timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors.js';
import type { S3Request } from '../request.js';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  EMPTY_SHA256,
  parseQuery,
  stringToSign,
  UNSIGNED_PAYLOAD,
  type QueryParam,
} from './canonical.js';
import type { CredentialStore } from './credentials.js';
import { ANONYMOUS, type Principal } from '../auth/policy.js';
import {
  checkScope,
  detectAuthKind,
  parseAuthorizationHeader,
  parsePresignedParams,
  type AuthKind,
  type SignatureClaims,
} from './parse.js';
import { hmacSha256, SigningKeyCache } from './signing-key.js';
import { ChunkSignatureChain, type StreamingMode } from './chunked.js';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** aws-chunked bodies (Content-Encoding: aws-chunked), decoded by chunked.ts. */
export const STREAMING_PAYLOADS: ReadonlySet<string> = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

// Bound by the signature anyway (timestamp line, payload-hash line), so S3 lets them go unsigned.
const UNSIGNED_AMZ_HEADERS_ALLOWED = new Set(['x-amz-date', 'x-amz-content-sha256']);

const defaultSigningKeys = new SigningKeyCache(256);

export interface AuthenticateOptions {
  now: Date;
  /** When set, the credential scope must name this region; otherwise any region is accepted. */
  region?: string;
  /** 's3' (the default) applies S3's rules; another name verifies the generic AWS test suite. */
  service?: string;
  maxClockSkewMs?: number;
  /** Services other than s3 only: the body hash to sign with when the request names none. */
  defaultPayloadHash?: string;
  signingKeys?: SigningKeyCache;
  /**
   * Let a request that carries no signature at all through as the anonymous principal (public-read
   * buckets are configured): authorization then refuses it everywhere but where a bucket is public.
   */
  anonymous?: boolean;
}

export type AuthInput = Pick<S3Request, 'method' | 'rawPath' | 'rawQuery' | 'headers'>;

interface VerifiedFields {
  kind: AuthKind | 'anonymous';
  principal: Principal;
  accessKey: string;
  region: string;
  service: string;
  signedHeaders: readonly string[];
  payloadHash: string;
  requestTime: Date;
  expiresAt: Date | undefined;
  amzDate: string;
  scope: string;
  signature: string;
  queryPlusIsSpace: boolean;
  signingKey: Buffer;
}

const ISSUE: unique symbol = Symbol('AuthenticatedRequest');

export class AuthenticatedRequest {
  // A private field makes the type nominal: no object literal can pass for a proof.
  readonly #verified = true;
  /** Kept only to verify aws-chunked chunk signatures; never exposed. */
  readonly #signingKey: Buffer;
  /** 'anonymous': no signature at all (only with the `anonymous` option); authorization decides. */
  readonly kind: AuthKind | 'anonymous';
  /** Who the request acts for: the user owning the access key, or ANONYMOUS. */
  readonly principal: Principal;
  /** Empty for anonymous requests. */
  readonly accessKey: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  /**
   * The payload hash the signature covers: 64 lower-case hex digits (the body must be checked against
   * it), or 'UNSIGNED-PAYLOAD'. Presigned S3 URLs are 'UNSIGNED-PAYLOAD' unless they name a hash.
   */
  readonly payloadHash: string;
  readonly requestTime: Date;
  /** Presigned only: the instant after which the URL is refused. */
  readonly expiresAt: Date | undefined;
  /** Seed material for aws-chunked chunk signatures (see chunkSignatures()). */
  readonly amzDate: string;
  readonly scope: string;
  readonly signature: string;
  /**
   * True when the signature matched only with raw `+` in the query read as a space (form encoding):
   * the router must then decode the query the same way, or it serves a request that was not signed.
   */
  readonly queryPlusIsSpace: boolean;

  constructor(issue: typeof ISSUE, fields: VerifiedFields) {
    if (issue !== ISSUE) throw new TypeError('AuthenticatedRequest can only be created by authenticate()');
    this.kind = fields.kind;
    this.principal = fields.principal;
    this.accessKey = fields.accessKey;
    this.region = fields.region;
    this.service = fields.service;
    this.signedHeaders = Object.freeze([...fields.signedHeaders]);
    this.payloadHash = fields.payloadHash;
    this.requestTime = fields.requestTime;
    this.expiresAt = fields.expiresAt;
    this.amzDate = fields.amzDate;
    this.scope = fields.scope;
    this.signature = fields.signature;
    this.queryPlusIsSpace = fields.queryPlusIsSpace;
    this.#signingKey = fields.signingKey;
    Object.freeze(this);
  }

  /** True when the body is signed: a SHA-256 hex, or signed aws-chunked chunks. */
  get payloadSigned(): boolean {
    return this.payloadHash !== UNSIGNED_PAYLOAD && this.payloadHash !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  }

  /** The aws-chunked mode when the body is sent as aws-chunked, else undefined. */
  get streaming(): StreamingMode | undefined {
    return STREAMING_PAYLOADS.has(this.payloadHash) ? (this.payloadHash as StreamingMode) : undefined;
  }

  /** A fresh chunk signature chain seeded with this request's signature (signed aws-chunked modes only). */
  chunkSignatures(): ChunkSignatureChain | undefined {
    const mode = this.streaming;
    if (mode === undefined || mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return undefined;
    return new ChunkSignatureChain(this.#signingKey, this.amzDate, this.scope, this.signature);
  }

  static is(value: unknown): value is AuthenticatedRequest {
    return typeof value === 'object' && value !== null && #verified in value;
  }
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkTime(claims: SignatureClaims, now: Date, maxSkewMs: number): Date | undefined {
  const skew = claims.requestTime.getTime() - now.getTime();
  if (claims.kind === 'header') {
    if (Math.abs(skew) > maxSkewMs) {
      throw new S3Error('RequestTimeTooSkewed', undefined, {
        extra: {
          RequestTime: claims.amzDate,
          ServerTime: isoSeconds(now),
          MaxAllowedSkewMilliseconds: String(maxSkewMs),
        },
      });
    }
    return undefined;
  }
  if (skew > maxSkewMs) throw new S3Error('AccessDenied', 'Request is not valid yet');
  // Valid through the last second X-Amz-Date + X-Amz-Expires names, refused from the first instant after.
  const expiresAt = new Date(claims.requestTime.getTime() + (claims.expiresSeconds ?? 0) * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      extra: {
        'X-Amz-Expires': String(claims.expiresSeconds),
        Expires: isoSeconds(expiresAt),
        ServerTime: isoSeconds(now),
      },
    });
  }
  return expiresAt;
}

function resolvePayloadHash(
  kind: AuthKind,
  headers: Readonly<Record<string, string>>,
  params: readonly QueryParam[],
  service: string,
  fallback: string,
): string {
  const header = headers['x-amz-content-sha256'];
  const query =
    kind === 'presigned' ? params.find((p) => p.name.toLowerCase() === 'x-amz-content-sha256') : undefined;
  const value = query?.value ?? header;
  if (value === undefined) {
    if (service !== 's3') return fallback;
    if (kind === 'presigned') return UNSIGNED_PAYLOAD;
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (value === UNSIGNED_PAYLOAD || STREAMING_PAYLOADS.has(value) || /^[0-9a-fA-F]{64}$/.test(value))
    return value;
  throw new S3Error(
    'InvalidArgument',
    `x-amz-content-sha256 must be ${UNSIGNED_PAYLOAD}, ${[...STREAMING_PAYLOADS].join(', ')}, or a valid sha256 value.`,
    { extra: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value.slice(0, 100) } },
  );
}

/** S3 refuses x-amz-* headers that the signature does not cover: they could be injected into a presigned URL. */
function checkAmzHeadersSigned(headers: Readonly<Record<string, string>>, signed: readonly string[]): void {
  const unsigned = Object.keys(headers).filter(
    (name) => name.startsWith('x-amz-') && !UNSIGNED_AMZ_HEADERS_ALLOWED.has(name) && !signed.includes(name),
  );
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      extra: { HeadersNotSigned: unsigned.sort().join(', ') },
    });
  }
}

function signaturesEqual(expectedHex: string, provided: string): boolean {
  const expected = Buffer.from(expectedHex, 'latin1');
  const given = Buffer.from(provided, 'latin1');
  // Lengths are public (always 64 for a well-formed signature); only equal lengths reach the constant-time compare.
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function authenticate(
  req: AuthInput,
  store: CredentialStore,
  options: AuthenticateOptions,
): AuthenticatedRequest {
  const service = options.service ?? 's3';
  const params = parseQuery(req.rawQuery);
  const kind = detectAuthKind(req.headers, params, options.anonymous ?? false);
  if (kind === 'anonymous') return anonymousRequest(options.now);
  const claims = kind === 'header' ? parseAuthorizationHeader(req.headers) : parsePresignedParams(params);
  checkScope(claims, service, options.region);
  const credentials = store.lookup(claims.accessKey);
  // An expired key (the old secret of a rotation) is refused exactly like one that never existed.
  if (credentials === undefined || (credentials.expires !== undefined && options.now > credentials.expires)) {
    throw new S3Error('InvalidAccessKeyId', undefined, { extra: { AWSAccessKeyId: claims.accessKey } });
  }
  const expiresAt = checkTime(claims, options.now, options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS);
  const payloadHash = resolvePayloadHash(
    kind,
    req.headers,
    params,
    service,
    options.defaultPayloadHash ?? EMPTY_SHA256,
  );
  if (service === 's3') checkAmzHeadersSigned(req.headers, claims.signedHeaders);

  const signingKey = (options.signingKeys ?? defaultSigningKeys).get(
    credentials.secretKey,
    claims.scopeDate,
    claims.region,
    claims.service,
  );
  const uri = canonicalUri(req.rawPath);
  const headerBlock = canonicalHeaders(req.headers, claims.signedHeaders);
  const exclude = kind === 'presigned' ? 'X-Amz-Signature' : undefined;
  const attempt = (query: readonly QueryParam[]) => {
    const canonical = canonicalRequest({
      method: req.method,
      canonicalUri: uri,
      canonicalQuery: canonicalQuery(query, exclude),
      canonicalHeaders: headerBlock,
      signedHeaders: claims.signedHeadersLine,
      payloadHash,
    });
    const toSign = stringToSign(claims.amzDate, claims.scope, canonical);
    const ok = signaturesEqual(hmacSha256(signingKey, toSign).toString('hex'), claims.signature);
    return { ok, canonical, toSign };
  };

  // A raw '+' is a plus to RFC 3986 signers (every AWS SDK) and a space to form encoders; S3 accepts both.
  const first = attempt(params);
  let queryPlusIsSpace = false;
  if (!first.ok) {
    queryPlusIsSpace = req.rawQuery.includes('+') && attempt(parseQuery(req.rawQuery, true)).ok;
    if (!queryPlusIsSpace) {
      throw new S3Error('SignatureDoesNotMatch', undefined, {
        extra: {
          AWSAccessKeyId: claims.accessKey,
          StringToSign: first.toSign,
          SignatureProvided: claims.signature,
          CanonicalRequest: first.canonical,
        },
      });
    }
  }
  if (kind === 'presigned' && STREAMING_PAYLOADS.has(payloadHash)) {
    throw new S3Error('NotImplemented', `aws-chunked uploads (${payloadHash}) need the Authorization header`);
  }
  return new AuthenticatedRequest(ISSUE, {
    kind,
    principal: credentials.principal,
    accessKey: claims.accessKey,
    region: claims.region,
    service: claims.service,
    signedHeaders: claims.signedHeaders,
    payloadHash: /^[0-9a-fA-F]{64}$/.test(payloadHash) ? payloadHash.toLowerCase() : payloadHash,
    requestTime: claims.requestTime,
    expiresAt,
    amzDate: claims.amzDate,
    scope: claims.scope,
    signature: claims.signature,
    queryPlusIsSpace,
    signingKey,
  });
}

/** The proof for a request with no signature: it names nobody, and its body is unsigned. */
function anonymousRequest(now: Date): AuthenticatedRequest {
  return new AuthenticatedRequest(ISSUE, {
    kind: 'anonymous',
    principal: ANONYMOUS,
    accessKey: '',
    region: '',
    service: 's3',
    signedHeaders: [],
    payloadHash: UNSIGNED_PAYLOAD,
    requestTime: now,
    expiresAt: undefined,
    amzDate: '',
    scope: '',
    signature: '',
    queryPlusIsSpace: false,
    signingKey: Buffer.alloc(0),
  });
}
