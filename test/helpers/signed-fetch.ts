// SigV4-signed raw requests, for what SDKs never send (bad digests, odd headers, cut-off bodies).
import { createHash } from 'node:crypto';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { CREDENTIALS } from './gateway.js';

export interface SignedFetchOptions {
  body?: Buffer;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The x-amz-content-sha256 to sign; defaults to the body's real SHA-256. */
  payloadHash?: string;
  credentials?: { accessKey: string; secretKey: string };
  /**
   * The Host header to sign and send (e.g. `bkt.s3.localhost:9000` for virtual-hosted style); the request
   * still goes to the endpoint's address. fetch() cannot send its own Host, so these go through node:http.
   */
  host?: string;
}

const signer = (c: { accessKey: string; secretKey: string }) =>
  new SignatureV4({
    credentials: { accessKeyId: c.accessKey, secretAccessKey: c.secretKey },
    region: 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });

export async function signedFetch(
  endpoint: string,
  method: string,
  path: string,
  opts: SignedFetchOptions = {},
): Promise<Response> {
  const { headers } = await sign(endpoint, method, path, opts);
  const url = new URL(path, endpoint);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  if (opts.host !== undefined) return httpRequest(url, method, headers, opts.body);
  return fetch(url, { method, headers, body: opts.body && opts.body.length > 0 ? opts.body : undefined });
}

/** A request through node:http, which sends the headers as given, Host included, as a fetch Response. */
export function httpRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        const status = res.statusCode ?? 0;
        const empty = method === 'HEAD' || status === 204 || status === 304;
        resolve(new Response(empty ? null : Buffer.concat(parts), { status, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body && body.length > 0 ? body : undefined);
  });
}

export async function sign(
  endpoint: string,
  method: string,
  path: string,
  opts: SignedFetchOptions = {},
): Promise<{ headers: Record<string, string> }> {
  const url = new URL(endpoint);
  const body = opts.body ?? Buffer.alloc(0);
  const payloadHash = opts.payloadHash ?? createHash('sha256').update(body).digest('hex');
  const req = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: opts.query ?? {},
    headers: {
      host: opts.host ?? url.host,
      'x-amz-content-sha256': payloadHash,
      ...(body.length > 0 && !opts.headers?.['content-length']
        ? { 'content-length': String(body.length) }
        : {}),
      ...opts.headers,
    },
    body,
  });
  const signed = await signer(opts.credentials ?? CREDENTIALS).sign(req);
  return { headers: signed.headers as Record<string, string> };
}

/** RFC 3986 encoding, as the S3 clients put a key segment or a query parameter on the wire. */
export function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/bucket/key` with each key segment encoded ('/' kept), the path S3 clients send and sign. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(strictEncode).join('/')}`;
}

/**
 * A presigned URL for an object, made as @aws-sdk/s3-request-presigner makes it (that package is not a
 * dependency): the payload hash is UNSIGNED-PAYLOAD, `x-id` names the operation, only `host` is signed.
 */
export async function presignedUrl(
  endpoint: string,
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE',
  bucket: string,
  key: string,
  opts: { expiresIn?: number; credentials?: { accessKey: string; secretKey: string } } = {},
): Promise<string> {
  const url = new URL(endpoint);
  const xId = { GET: 'GetObject', PUT: 'PutObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }[method];
  const signed = await new SignatureV4({
    credentials: {
      accessKeyId: (opts.credentials ?? CREDENTIALS).accessKey,
      secretAccessKey: (opts.credentials ?? CREDENTIALS).secretKey,
    },
    region: 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  }).presign(
    new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: objectPath(bucket, key),
      query: { 'x-id': xId },
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    }),
    { expiresIn: opts.expiresIn ?? 900 },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${strictEncode(k)}=${strictEncode(String(v))}`)
    .join('&');
  return `${url.origin}${signed.path}?${query}`;
}
