// Parse, then dispatch (DESIGN §6.1): method + path + query → a typed Endpoint. Handlers never re-read
// the query string. Anything not implemented is NotImplemented, never a misroute to another operation.
import { S3Error } from './errors.js';
import { assertBucketName } from './bucket-name.js';

export type Query = ReadonlyMap<string, string>;

export type Endpoint =
  | { op: 'ListBuckets' }
  | { op: 'CreateBucket'; bucket: string }
  | { op: 'HeadBucket'; bucket: string }
  | { op: 'DeleteBucket'; bucket: string }
  | { op: 'GetBucketLocation'; bucket: string }
  | { op: 'ListObjects'; bucket: string; query: Query }
  | { op: 'ListObjectsV2'; bucket: string; query: Query }
  | { op: 'PutObject'; bucket: string; key: string }
  | { op: 'GetObject'; bucket: string; key: string; query: Query }
  | { op: 'HeadObject'; bucket: string; key: string; query: Query }
  | { op: 'DeleteObject'; bucket: string; key: string }
  | { op: 'CopyObject'; bucket: string; key: string }
  | { op: 'DeleteObjects'; bucket: string }
  | { op: 'GetBucketVersioning'; bucket: string }
  | { op: 'ListObjectVersions'; bucket: string; query: Query }
  | { op: 'GetBucketAcl'; bucket: string }
  | { op: 'PutBucketAcl'; bucket: string }
  | { op: 'GetObjectAcl'; bucket: string; key: string }
  | { op: 'PutObjectAcl'; bucket: string; key: string }
  | { op: 'GetObjectTagging'; bucket: string; key: string }
  | { op: 'PutObjectTagging'; bucket: string; key: string }
  | { op: 'DeleteObjectTagging'; bucket: string; key: string }
  /**
   * Every OPTIONS request: a CORS preflight, answered from the CORS policy without a signature. `bucket`
   * is absent for the service itself (`OPTIONS /`).
   */
  | { op: 'CorsPreflight'; bucket?: string; key: string };

export type Operation = Endpoint['op'];
/** What a signed request can ask for: everything but the preflight, which is never signed. */
export type SignedEndpoint = Exclude<Endpoint, { op: 'CorsPreflight' }>;
export type SignedOperation = SignedEndpoint['op'];

export interface RouteOptions {
  /** Read the query with '+' as a space (see parseQuery). */
  queryPlusIsSpace?: boolean;
  /** Domains under which `<bucket>.<domain>` Host names address a bucket (virtual-hosted style). */
  domains?: readonly string[];
}

/** Sub-resources that select another S3 operation; until one is implemented it answers NotImplemented. */
const SUBRESOURCES = new Set([
  'accelerate', 'location', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering',
  'inventory', 'legal-hold', 'lifecycle', 'logging', 'metadataConfiguration', 'metrics', 'notification',
  'object-lock', 'ownershipControls', 'partNumber', 'policy', 'policyStatus', 'publicAccessBlock',
  'renameObject', 'replication', 'requestPayment', 'restore', 'retention', 'select', 'session', 'tagging',
  'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
]); // prettier-ignore

/**
 * `plusIsSpace`: the signature matched only with '+' read as a space (form-encoded queries), so the
 * query must be read the same way — never serve a reading that was not signed.
 */
export function parseQuery(rawQuery: string, plusIsSpace = false): Map<string, string> {
  const q = new Map<string, string>();
  if (rawQuery === '') return q;
  for (const raw of rawQuery.split('&')) {
    const part = plusIsSpace ? raw.replaceAll('+', ' ') : raw;
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq === -1 ? part : part.slice(0, eq), 'query parameter');
    const value = eq === -1 ? '' : decode(part.slice(eq + 1), 'query parameter');
    if (!q.has(name)) q.set(name, value);
  }
  return q;
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidArgument', `The ${what} is not valid percent-encoded UTF-8`);
  }
}

/** Splits a path-style request path into bucket and key (percent-decoded; '+' stays '+'). */
export function splitPath(rawPath: string): { bucket: string; key: string } {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  if (slash === -1) return { bucket: decode(path, 'bucket name'), key: '' };
  return {
    bucket: decode(path.slice(0, slash), 'bucket name'),
    key: decode(path.slice(slash + 1), 'object key'),
  };
}

/**
 * The bucket a Host header names as `<bucket>.<domain>` (virtual-hosted style), or undefined for path
 * style: no Host, a Host equal to one of the domains, or under none of them (an IP address, another name).
 * Host names are case-insensitive, so the bucket is read lower-case; the longest matching domain wins.
 */
export function virtualHostBucket(host: string | undefined, domains: readonly string[]): string | undefined {
  if (host === undefined || domains.length === 0) return undefined;
  const name = hostName(host);
  if (name === undefined || domains.includes(name)) return undefined;
  let domain: string | undefined;
  for (const d of domains) {
    const under = name.length > d.length + 1 && name.endsWith(`.${d}`);
    if (under && (domain === undefined || d.length > domain.length)) domain = d;
  }
  return domain === undefined ? undefined : name.slice(0, name.length - domain.length - 1);
}

/** The Host header's name without port or trailing dot, lower-case; undefined for an IPv6 literal. */
function hostName(host: string): string | undefined {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return undefined;
  const colon = h.lastIndexOf(':');
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * Bucket and key a request addresses: from the Host header and the whole path (the key) when the Host is
 * `<bucket>.<domain>`, else from the path. The signature is over the path as sent either way.
 */
export function address(
  rawPath: string,
  host: string | undefined,
  domains: readonly string[] = [],
): { bucket: string; key: string } {
  const bucket = virtualHostBucket(host, domains);
  if (bucket === undefined) return splitPath(rawPath);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  return { bucket, key: decode(path, 'object key') };
}

export function route(
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: Readonly<Record<string, string>>,
  options: RouteOptions = {},
): Endpoint {
  const { bucket, key } = address(rawPath, headers['host'], options.domains);
  if (method === 'OPTIONS') {
    // Whatever the query says: an OPTIONS request is a preflight and can reach nothing else.
    if (bucket === '') return { op: 'CorsPreflight', key: '' };
    assertBucketName(bucket);
    return { op: 'CorsPreflight', bucket, key };
  }
  const query = parseQuery(rawQuery, options.queryPlusIsSpace);
  if (bucket === '') {
    if (method === 'GET' || method === 'HEAD') return { op: 'ListBuckets' };
    throw new S3Error('MethodNotAllowed');
  }
  assertBucketName(bucket);
  if (key !== '' && Buffer.byteLength(key) > 1024) throw new S3Error('KeyTooLongError');
  // versionId=null names the only version an unversioned bucket has: the object itself.
  const sub = [...query.keys()].find(
    (name) => SUBRESOURCES.has(name) && !(name === 'versionId' && query.get(name) === 'null'),
  );
  if (sub !== undefined) return subresourceEndpoint(method, bucket, key, sub, query);
  if (key === '') return bucketEndpoint(method, bucket, query);
  switch (method) {
    case 'PUT':
      if (headers['x-amz-copy-source'] !== undefined) return { op: 'CopyObject', bucket, key };
      return { op: 'PutObject', bucket, key };
    case 'GET':
      return { op: 'GetObject', bucket, key, query };
    case 'HEAD':
      return { op: 'HeadObject', bucket, key, query };
    case 'DELETE':
      return { op: 'DeleteObject', bucket, key };
    case 'POST':
      throw new S3Error('NotImplemented', 'POST on an object is not implemented by jetvault yet');
  }
  throw new S3Error('MethodNotAllowed');
}

function bucketEndpoint(method: string, bucket: string, query: Map<string, string>): Endpoint {
  switch (method) {
    case 'PUT':
      return { op: 'CreateBucket', bucket };
    case 'HEAD':
      return { op: 'HeadBucket', bucket };
    case 'DELETE':
      return { op: 'DeleteBucket', bucket };
    case 'GET':
      if (query.get('list-type') === '2') return { op: 'ListObjectsV2', bucket, query };
      if (query.has('list-type')) throw new S3Error('InvalidArgument', 'list-type must be 2');
      return { op: 'ListObjects', bucket, query };
    case 'POST':
      throw new S3Error('NotImplemented', 'POST on a bucket is not implemented by jetvault yet');
  }
  throw new S3Error('MethodNotAllowed');
}

/** Sub-resource operations jetvault implements; any other sub-resource is NotImplemented. */
function subresourceEndpoint(
  method: string,
  bucket: string,
  key: string,
  sub: string,
  query: Query,
): Endpoint {
  const on = `${key === '' ? 'bucket' : 'object'} ${method} ${sub}`;
  switch (on) {
    case 'bucket GET location':
      return { op: 'GetBucketLocation', bucket };
    case 'bucket GET versioning':
      return { op: 'GetBucketVersioning', bucket };
    case 'bucket GET versions':
      return { op: 'ListObjectVersions', bucket, query };
    case 'bucket GET acl':
      return { op: 'GetBucketAcl', bucket };
    case 'bucket PUT acl':
      return { op: 'PutBucketAcl', bucket };
    case 'bucket POST delete':
      return { op: 'DeleteObjects', bucket };
    case 'object GET acl':
      return { op: 'GetObjectAcl', bucket, key };
    case 'object PUT acl':
      return { op: 'PutObjectAcl', bucket, key };
    case 'object GET tagging':
      return { op: 'GetObjectTagging', bucket, key };
    case 'object PUT tagging':
      return { op: 'PutObjectTagging', bucket, key };
    case 'object DELETE tagging':
      return { op: 'DeleteObjectTagging', bucket, key };
  }
  throw new S3Error('NotImplemented', `${method} ?${sub} is not implemented by jetvault yet`);
}
