// Syntax of the two SigV4 forms: the Authorization header and the presigned query. Everything here is
// checked before any key is looked up, and errors use the codes and wording S3 uses, so that SDKs and
// users recognise them.

import { S3Error } from '../errors.js';
import { ALGORITHM, type QueryParam } from './canonical.js';

export type AuthKind = 'header' | 'presigned';

/** What a request claims about its signature; nothing here is trusted until the signature matches. */
export interface SignatureClaims {
  readonly kind: AuthKind;
  readonly accessKey: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  /** `date/region/service/aws4_request`. */
  readonly scope: string;
  /** Lower-case names, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  /** The SignedHeaders value exactly as sent: it enters the canonical request verbatim. */
  readonly signedHeadersLine: string;
  readonly signature: string;
  /** `yyyyMMddTHHmmssZ`, as it enters the string to sign. */
  readonly amzDate: string;
  readonly requestTime: Date;
  /** Presigned only: X-Amz-Expires in seconds. */
  readonly expiresSeconds?: number;
}

const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const;
export const MAX_PRESIGNED_EXPIRES = 604800;
const SIGV2_MESSAGE = 'SigV2 is not supported, use SigV4 (AWS4-HMAC-SHA256).';
const CREDENTIAL_FORMAT = 'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';

function malformed(kind: AuthKind, detail: string, extra?: Record<string, string>): S3Error {
  return kind === 'header'
    ? new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`, {
        extra,
      })
    : new S3Error('AuthorizationQueryParametersError', detail, { extra });
}

function findParam(params: readonly QueryParam[], name: string): QueryParam | undefined {
  return params.find((p) => p.name === name);
}

/** What an unsigned request gets wherever anonymous access is not granted. */
export function anonymousRefused(): S3Error {
  return new S3Error(
    'AccessDenied',
    'Anonymous requests are not allowed; sign the request with AWS Signature Version 4.',
  );
}

/**
 * Which form a request uses; refuses SigV2 and requests that carry both forms. A request with no
 * signature at all is refused too, unless `allowAnonymous` (public-read buckets are configured): then it
 * is 'anonymous', and authorization decides.
 */
export function detectAuthKind(
  headers: Readonly<Record<string, string>>,
  params: readonly QueryParam[],
  allowAnonymous = false,
): AuthKind | 'anonymous' {
  const authorization = headers['authorization'];
  const presigned = PRESIGN_PARAMS.some((name) => findParam(params, name) !== undefined);
  if (authorization !== undefined && authorization.trim() !== '') {
    if (presigned || findParam(params, 'Signature') !== undefined) {
      throw new S3Error(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        { extra: { ArgumentName: 'Authorization' } },
      );
    }
    return 'header';
  }
  if (presigned) return 'presigned';
  if (findParam(params, 'AWSAccessKeyId') !== undefined || findParam(params, 'Signature') !== undefined) {
    throw new S3Error('InvalidRequest', SIGV2_MESSAGE);
  }
  if (allowAnonymous) return 'anonymous';
  throw anonymousRefused();
}

/** `yyyyMMddTHHmmssZ` → Date, or undefined when it is not a real UTC instant in that exact form. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2013-02-30 over to March; refuse instead of signing a day that was never sent.
  return formatAmzDate(date) === value ? date : undefined;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function parseCredential(
  kind: AuthKind,
  value: string,
): Pick<SignatureClaims, 'accessKey' | 'scopeDate' | 'region' | 'service' | 'scope'> {
  const parts = value.split('/');
  const prefix = kind === 'presigned' ? 'Error parsing the X-Amz-Credential parameter; ' : '';
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw malformed(kind, `${prefix}the Credential is mal-formed; ${CREDENTIAL_FORMAT}`);
  }
  const [accessKey, scopeDate, region, service, terminal] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(scopeDate)) {
    throw malformed(
      kind,
      `${prefix}incorrect date format "${scopeDate}". This date in the credential must be in the format "yyyyMMdd".`,
    );
  }
  if (terminal !== 'aws4_request') {
    throw malformed(kind, `${prefix}incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  }
  return { accessKey, scopeDate, region, service, scope: `${scopeDate}/${region}/${service}/aws4_request` };
}

function parseSignedHeaders(kind: AuthKind, value: string): readonly string[] {
  const names = value.split(';').map((n) => n.toLowerCase());
  if (names.some((n) => !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n))) {
    throw malformed(kind, `the SignedHeaders value "${value}" is not a ';'-separated list of header names.`);
  }
  if (new Set(names).size !== names.length) throw malformed(kind, 'SignedHeaders lists a header twice.');
  if (!names.includes('host')) throw malformed(kind, "SignedHeaders must include 'host'.");
  return names;
}

/** The timestamp of a header-signed request: X-Amz-Date, else the HTTP Date header. */
function headerRequestTime(headers: Readonly<Record<string, string>>): {
  amzDate: string;
  requestTime: Date;
} {
  const missing = () =>
    new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const amz = headers['x-amz-date'];
  if (amz !== undefined) {
    const requestTime = parseAmzDate(amz.trim());
    if (requestTime === undefined) throw missing();
    return { amzDate: amz.trim(), requestTime };
  }
  const http = headers['date'];
  const ms = http === undefined ? NaN : Date.parse(http);
  if (Number.isNaN(ms)) throw missing();
  const requestTime = new Date(ms);
  return { amzDate: formatAmzDate(requestTime), requestTime };
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, with any spacing and commas between parts. */
export function parseAuthorizationHeader(headers: Readonly<Record<string, string>>): SignatureClaims {
  const value = (headers['authorization'] ?? '').trim();
  const space = value.search(/\s/);
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm === 'AWS') throw new S3Error('InvalidRequest', SIGV2_MESSAGE);
  if (algorithm !== ALGORITHM) {
    throw new S3Error(
      'InvalidArgument',
      `Unsupported Authorization Type "${algorithm.slice(0, 40)}"; use ${ALGORITHM}.`,
      {
        extra: { ArgumentName: 'Authorization' },
      },
    );
  }
  const fields = new Map<string, string>();
  for (const item of value.slice(algorithm.length).split(/[\s,]+/)) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || !['Credential', 'SignedHeaders', 'Signature'].includes(key)) {
      throw malformed('header', `the authorization component "${item.slice(0, 60)}" is malformed.`);
    }
    if (fields.has(key)) throw malformed('header', `the authorization component "${key}" appears twice.`);
    fields.set(key, item.slice(eq + 1));
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformed('header', 'it must contain Credential=, SignedHeaders= and Signature= components.');
  }
  return {
    kind: 'header',
    ...parseCredential('header', credential),
    signedHeaders: parseSignedHeaders('header', signedHeaders),
    signedHeadersLine: signedHeaders,
    signature,
    ...headerRequestTime(headers),
  };
}

/** The X-Amz-* query parameters of a presigned URL. */
export function parsePresignedParams(params: readonly QueryParam[]): SignatureClaims {
  const values = new Map<string, string>();
  for (const name of PRESIGN_PARAMS) {
    const found = params.filter((p) => p.name === name);
    if (found.length > 1) throw malformed('presigned', `The ${name} parameter appears more than once.`);
    if (found[0] !== undefined) values.set(name, found[0].value);
  }
  if (values.size !== PRESIGN_PARAMS.length) {
    throw malformed(
      'presigned',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const get = (name: (typeof PRESIGN_PARAMS)[number]): string => values.get(name) ?? '';
  if (get('X-Amz-Algorithm') !== ALGORITHM) {
    throw malformed('presigned', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const amzDate = get('X-Amz-Date');
  const requestTime = parseAmzDate(amzDate);
  if (requestTime === undefined) {
    throw malformed('presigned', `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const expiresText = get('X-Amz-Expires');
  if (!/^\d{1,10}$/.test(expiresText))
    throw malformed('presigned', 'X-Amz-Expires should be a number of seconds');
  const expiresSeconds = Number(expiresText);
  if (expiresSeconds < 1) throw malformed('presigned', 'X-Amz-Expires must be at least 1 second');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES) {
    throw malformed(
      'presigned',
      `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES}`,
    );
  }
  return {
    kind: 'presigned',
    ...parseCredential('presigned', get('X-Amz-Credential')),
    signedHeaders: parseSignedHeaders('presigned', get('X-Amz-SignedHeaders')),
    signedHeadersLine: get('X-Amz-SignedHeaders'),
    signature: get('X-Amz-Signature'),
    amzDate,
    requestTime,
    expiresSeconds,
  };
}

/** The credential scope must name this service, the configured region (if any) and the request's day. */
export function checkScope(claims: SignatureClaims, service: string, region: string | undefined): void {
  const prefix = claims.kind === 'presigned' ? 'Error parsing the X-Amz-Credential parameter; ' : '';
  if (claims.service !== service) {
    throw malformed(
      claims.kind,
      `${prefix}incorrect service "${claims.service}". This endpoint belongs to "${service}".`,
    );
  }
  if (region !== undefined && claims.region !== region) {
    throw malformed(claims.kind, `${prefix}the region '${claims.region}' is wrong; expecting '${region}'`, {
      Region: region,
    });
  }
  const day = claims.amzDate.slice(0, 8);
  if (claims.scopeDate !== day) {
    throw malformed(
      claims.kind,
      `${prefix}Invalid credential date "${claims.scopeDate}". This date is not the same as X-Amz-Date: "${day}".`,
    );
  }
}
