// A test-only aws-chunked encoder, written from the AWS documentation (sigv4-streaming, sigv4-streaming-trailers)
// with node:crypto, independent of src/: chunk signatures chained from the seed signature, trailers with the
// trailer signature over the canonical `name:value\n` lines.
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function signingKey(secret: string, date: string, region: string, service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export type Mode =
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
  | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: string;
  seed: string;
}

export interface EncodeSpec {
  mode: Mode;
  chunks: readonly Buffer[];
  /** Signed modes. */
  signing?: ChunkSigning;
  /** Trailing headers (name lower-case), e.g. { 'x-amz-checksum-crc32': 'AAAAAA==' }. */
  trailers?: Record<string, string>;
  /** Replace the signature of chunk k (0-based; chunks.length is the final empty chunk). */
  badChunkSignature?: number;
  badTrailerSignature?: boolean;
}

export function encodeAwsChunked(spec: EncodeSpec): Buffer {
  const signed = spec.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const out: Buffer[] = [];
  let previous = spec.signing?.seed ?? '';
  const sign = (algorithm: string, lines: string): string => {
    const s = spec.signing!;
    const sig = hmac(s.key, `${algorithm}\n${s.amzDate}\n${s.scope}\n${previous}\n${lines}`).toString('hex');
    previous = sig;
    return sig;
  };
  const all = [...spec.chunks, Buffer.alloc(0)];
  all.forEach((data, k) => {
    let header = data.length.toString(16);
    if (signed) {
      let sig = sign('AWS4-HMAC-SHA256-PAYLOAD', `${EMPTY_SHA256}\n${sha256Hex(data)}`);
      if (spec.badChunkSignature === k) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      header += `;chunk-signature=${sig}`;
    }
    out.push(Buffer.from(`${header}\r\n`), data);
    if (data.length > 0) out.push(Buffer.from('\r\n'));
  });
  const trailers = Object.entries(spec.trailers ?? {});
  if (spec.mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
    out.push(Buffer.from('\r\n'));
  } else {
    for (const [name, value] of trailers) out.push(Buffer.from(`${name}:${value}\r\n`));
    if (signed) {
      const canonical = trailers
        .map(([n, v]) => `${n}:${v}\n`)
        .sort()
        .join('');
      let sig = sign('AWS4-HMAC-SHA256-TRAILER', sha256Hex(canonical));
      if (spec.badTrailerSignature === true) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      out.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
    }
    out.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(out);
}

/** Splits a buffer into pieces of `size` bytes, as a network might deliver it. */
export async function* pieces(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

/** Cuts a payload into chunks of `size` bytes (the last shorter). */
export function split(payload: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < payload.length; i += size) chunks.push(payload.subarray(i, i + size));
  return chunks;
}
