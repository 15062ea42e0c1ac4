// The SigV4 canonical request as S3 computes it. Clients disagree about how to put a key on the wire
// (`~` vs `%7E`, a raw `$` vs `%24`, raw UTF-8 vs escapes), but they all sign the one canonical form, so
// every component is decoded to bytes first and re-encoded the single SigV4 way.

import { createHash } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const ENCODED_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** SigV4 URI encoding: every byte but A-Za-z0-9-._~ as upper-case %XX (so `/` too). */
export function uriEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ENCODED_BYTE[b];
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes to bytes (not to a string: `%FF` is a valid key byte even though it is not UTF-8).
 * A `%` without two hex digits after it is kept as a literal `%`, as lenient servers do.
 */
export function percentDecode(s: string, plusAsSpace = false): Buffer {
  if (!s.includes('%') && !(plusAsSpace && s.includes('+'))) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let literalStart = 0;
  const flush = (end: number): void => {
    if (end > literalStart) parts.push(Buffer.from(s.slice(literalStart, end), 'utf8'));
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */ && i + 2 < s.length) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        flush(i);
        parts.push(Buffer.of(hi * 16 + lo));
        i += 2;
        literalStart = i + 1;
      }
    } else if (c === 0x2b /* + */ && plusAsSpace) {
      flush(i);
      parts.push(Buffer.of(0x20));
      literalStart = i + 1;
    }
  }
  flush(s.length);
  return Buffer.concat(parts);
}

/**
 * Canonical URI: S3 does not normalise paths (no `//` merging, no `.`/`..` removal), and a `+` in a path
 * is a plus. Segments are decoded one by one so that an escaped `%2F` stays escaped.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath
    .split('/')
    .map((segment) => uriEncode(percentDecode(segment)))
    .join('/');
}

export interface QueryParam {
  /** Decoded name and value (UTF-8, lossy only for invalid UTF-8), for looking up X-Amz-* parameters. */
  readonly name: string;
  readonly value: string;
  /** Canonical (re-encoded) forms, as they enter the canonical query string. */
  readonly encodedName: string;
  readonly encodedValue: string;
}

/**
 * Splits a raw query into parameters. `plusAsSpace` chooses what a raw `+` means: form encoding
 * (`application/x-www-form-urlencoded`, used by some presigners) makes it a space; RFC 3986 a plus.
 */
export function parseQuery(rawQuery: string, plusAsSpace = false): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery === '') return params;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const nameBytes = percentDecode(rawName, plusAsSpace);
    const valueBytes = percentDecode(rawValue, plusAsSpace);
    params.push({
      name: nameBytes.toString('utf8'),
      value: valueBytes.toString('utf8'),
      encodedName: uriEncode(nameBytes),
      encodedValue: uriEncode(valueBytes),
    });
  }
  return params;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by encoded name, then encoded value; `name=` for empty values. */
export function canonicalQuery(params: readonly QueryParam[], exclude?: string): string {
  return params
    .filter((p) => p.name !== exclude)
    .sort(
      (a, b) => compareAscii(a.encodedName, b.encodedName) || compareAscii(a.encodedValue, b.encodedValue),
    )
    .map((p) => `${p.encodedName}=${p.encodedValue}`)
    .join('&');
}

/** Trimmed, with internal runs of spaces/tabs collapsed to one space (the published suite requires it). */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t]+/g, ' ').trim();
}

/** One `name:value\n` line per signed header, in the order the client listed them. */
export function canonicalHeaders(
  headers: Readonly<Record<string, string>>,
  signedHeaders: readonly string[],
): string {
  let out = '';
  for (const name of signedHeaders) out += `${name}:${canonicalHeaderValue(headers[name] ?? '')}\n`;
  return out;
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: string;
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return [
    p.method,
    p.canonicalUri,
    p.canonicalQuery,
    p.canonicalHeaders,
    p.signedHeaders,
    p.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
