// Shared by the SigV4 tests: an independent signer (@smithy/signature-v4, what the AWS JS SDK uses),
// a reader for raw HTTP fixtures, and an assertion for S3 errors.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { isS3Error, type S3ErrorCode } from '../../../../src/s3/errors.js';
import type { AuthInput } from '../../../../src/s3/sigv4/verify.js';

export const AK = 'AKIAJETVAULTTEST0001';
export const SK = 'cXdlcnR5dWlvcGFzZGZnaGprbHp4Y3Zibm0xMjM0';
export const HOST = 'localhost:9000';
export const NOW = new Date('2024-03-10T12:34:56Z');

export type Query = Record<string, string | string[]>;

export interface SignSpec {
  method: string;
  /** The path as the S3 client puts it on the wire and signs it (already SigV4-encoded). */
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  payloadHash?: string;
  date?: Date;
  region?: string;
  secretKey?: string;
  accessKey?: string;
}

function signer(spec: SignSpec): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: spec.accessKey ?? AK, secretAccessKey: spec.secretKey ?? SK },
    region: spec.region ?? 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    // The S3 client escapes keys itself; the signer must not escape the path a second time.
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function smithyRequest(spec: SignSpec): HttpRequest {
  return new HttpRequest({
    method: spec.method,
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: spec.path,
    query: { ...(spec.query ?? {}) },
    headers: {
      host: HOST,
      'x-amz-content-sha256': spec.payloadHash ?? 'UNSIGNED-PAYLOAD',
      ...(spec.headers ?? {}),
    },
  });
}

/** RFC 3986 encoding, as the AWS SDKs put a query on the wire. */
export function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function toRawQuery(
  query: Record<string, unknown>,
  encode: (s: string) => string = strictEncode,
): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value])
      parts.push(`${encode(name)}=${encode(String(v))}`);
  }
  return parts.join('&');
}

function lowerHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Signs with the Authorization header; returns what the HTTP layer would hand to src/s3. */
export async function signHeader(spec: SignSpec): Promise<AuthInput> {
  const signed = await signer(spec).sign(smithyRequest(spec), { signingDate: spec.date ?? NOW });
  return {
    method: spec.method,
    rawPath: spec.path,
    rawQuery: toRawQuery(signed.query ?? {}),
    headers: lowerHeaders(signed.headers as Record<string, string>),
  };
}

/** Presigns (X-Amz-* in the query) the way @aws-sdk/s3-request-presigner does. */
export async function presign(spec: SignSpec & { expiresIn?: number }): Promise<AuthInput> {
  const signed = await signer(spec).presign(smithyRequest(spec), {
    signingDate: spec.date ?? NOW,
    expiresIn: spec.expiresIn ?? 3600,
  });
  return {
    method: spec.method,
    rawPath: spec.path,
    rawQuery: toRawQuery(signed.query ?? {}),
    headers: lowerHeaders(signed.headers as Record<string, string>),
  };
}

/** Runs fn and checks it throws an S3Error with this code (and message, if given). */
export function assertS3Error(fn: () => unknown, code: S3ErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isS3Error(e), `expected an S3Error, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

export function fixture<T>(name: string): T {
  const url = new URL(`../../../../../test/fixtures/sigv4/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** A fixture request written as HTTP/1.1 lines: request line, `Name:value` headers, blank line, body. */
export function parseRawHttp(lines: readonly string[]): AuthInput & { body: string } {
  const [requestLine = '', ...rest] = lines;
  const m = /^(\S+) (.+) HTTP\/1\.1$/.exec(requestLine);
  assert.ok(m, `bad request line ${requestLine}`);
  const target = m[2] ?? '';
  const q = target.indexOf('?');
  const headers: Record<string, string> = {};
  let i = 0;
  for (; i < rest.length && rest[i] !== ''; i++) {
    const line = rest[i] ?? '';
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    // HTTP parsers drop the optional whitespace around a field value.
    const value = line.slice(colon + 1).trim();
    // Repeated headers reach src/s3 joined with ',' (src/s3/request.ts).
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return {
    method: m[1] ?? '',
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    headers,
    body: rest.slice(i + 1).join('\n'),
  };
}
