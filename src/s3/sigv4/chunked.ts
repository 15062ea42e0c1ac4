// aws-chunked request bodies (Content-Encoding: aws-chunked), decoded as they stream:
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD          `hex;chunk-signature=sig\r\n<data>\r\n` … `0;chunk-signature=sig\r\n\r\n`
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  the same, then `name:value\r\n` trailers and
//                                               `x-amz-trailer-signature:sig\r\n\r\n`
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER          `hex\r\n<data>\r\n` … `0\r\n`, then `name:value\r\n` trailers, `\r\n`
// Every chunk signature is chained from the seed (the Authorization header's signature); a signed chunk is
// held until its signature verified, so at most one chunk is buffered. Any failure throws from the iterator,
// which makes the backend store nothing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors.js';
import {
  checksumAlgorithm,
  expectedChecksum,
  type ChecksumAlgorithm,
  type TrailingChecksum,
} from '../checksum-header.js';
import { EMPTY_SHA256 } from './canonical.js';

export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** A chunk header or trailer line is short: hex size plus an 81-character signature extension. */
const MAX_LINE = 4096;
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

export type StreamingMode =
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
  | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

function signaturesEqual(expectedHex: string, provided: string): boolean {
  const expected = Buffer.from(expectedHex, 'latin1');
  const given = Buffer.from(provided, 'latin1');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The chain of chunk signatures of one request: each signs the previous one, starting from the seed. */
export class ChunkSignatureChain {
  readonly #key: Buffer;
  readonly #amzDate: string;
  readonly #scope: string;
  #previous: string;

  constructor(signingKey: Buffer, amzDate: string, scope: string, seedSignature: string) {
    this.#key = signingKey;
    this.#amzDate = amzDate;
    this.#scope = scope;
    this.#previous = seedSignature;
  }

  #check(algorithm: string, hashLines: string, provided: string, what: string): void {
    const toSign = `${algorithm}\n${this.#amzDate}\n${this.#scope}\n${this.#previous}\n${hashLines}`;
    const expected = createHmac('sha256', this.#key).update(toSign, 'utf8').digest('hex');
    if (!signaturesEqual(expected, provided)) {
      throw new S3Error('SignatureDoesNotMatch', `The ${what} signature does not match`, {
        extra: { StringToSign: toSign, SignatureProvided: provided.slice(0, 128) },
      });
    }
    this.#previous = expected;
  }

  /** Verifies one chunk (the final, empty one included) given the SHA-256 hex of its data. */
  verifyChunk(dataSha256Hex: string, provided: string): void {
    this.#check('AWS4-HMAC-SHA256-PAYLOAD', `${EMPTY_SHA256}\n${dataSha256Hex}`, provided, 'chunk');
  }

  /** Verifies the trailer signature given the SHA-256 hex of the canonical trailer lines (`name:value\n`). */
  verifyTrailer(trailerSha256Hex: string, provided: string): void {
    this.#check('AWS4-HMAC-SHA256-TRAILER', trailerSha256Hex, provided, 'trailer');
  }
}

export interface AwsChunkedOptions {
  mode: StreamingMode;
  /** x-amz-decoded-content-length: the payload length once the framing is removed. */
  decodedLength: number;
  /** The trailing checksum header x-amz-trailer announces (e.g. x-amz-checksum-crc32), if any. */
  trailer: string | undefined;
  /** Signed modes only: the request's signature chain. */
  signatures: ChunkSignatureChain | undefined;
  maxChunkSize?: number;
}

const framing = (detail: string) => new S3Error('IncompleteBody', `Malformed aws-chunked body: ${detail}`);
const badTrailer = (detail: string) => new S3Error('MalformedTrailerError', detail);

/** Pulls bytes from the source on demand; holds at most the unread rest of the source's last piece. */
class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  #buf: Buffer = Buffer.alloc(0);
  #eof = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const r = await this.#it.next();
    if (r.done === true) {
      this.#eof = true;
      return false;
    }
    const piece = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.#buf = this.#buf.length === 0 ? piece : Buffer.concat([this.#buf, piece]);
    return true;
  }

  /** True once every byte was consumed and the source ended. */
  async atEnd(): Promise<boolean> {
    while (this.#buf.length === 0) if (!(await this.#fill())) return true;
    return false;
  }

  /** One line without its terminator; undefined at a clean end. `strict` requires CRLF. */
  async line(strict: boolean): Promise<string | undefined> {
    let from = 0;
    for (;;) {
      const nl = this.#buf.indexOf(0x0a, from);
      if (nl >= 0) {
        const crlf = nl > 0 && this.#buf[nl - 1] === 0x0d;
        if (strict && !crlf) throw framing('a line does not end with CRLF');
        const text = this.#buf.toString('latin1', 0, crlf ? nl - 1 : nl);
        this.#buf = this.#buf.subarray(nl + 1);
        return text;
      }
      if (this.#buf.length > MAX_LINE) throw framing('a chunk header or trailer line is too long');
      from = this.#buf.length;
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return undefined;
        throw framing('the body ends inside a line');
      }
    }
  }

  /** Exactly n bytes, as the pieces they arrived in. */
  async *bytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0 && !(await this.#fill())) throw framing('the body ends inside a chunk');
      const take = Math.min(left, this.#buf.length);
      const piece = this.#buf.subarray(0, take);
      this.#buf = this.#buf.subarray(take);
      left -= take;
      yield piece;
    }
  }

  async close(): Promise<void> {
    await this.#it.return?.();
  }
}

const SIGNED_HEADER = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/;
const UNSIGNED_HEADER = /^([0-9a-fA-F]{1,16})$/;

/** The decoded payload of an aws-chunked body; the trailing checksum once the body was read to its end. */
export class AwsChunkedBody implements AsyncIterable<Uint8Array> {
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #opts: AwsChunkedOptions;
  #trailerValue: Buffer | undefined;
  #started = false;

  constructor(source: AsyncIterable<Uint8Array>, opts: AwsChunkedOptions) {
    this.#source = source;
    this.#opts = opts;
  }

  get decodedLength(): number {
    return this.#opts.decodedLength;
  }

  /**
   * The checksum x-amz-trailer announced, for ChecksumVerifier: the algorithm now, the value once the
   * trailer has arrived (the iterator refuses a body whose trailer is missing).
   */
  trailingChecksum(): TrailingChecksum | undefined {
    const name = this.#opts.trailer;
    if (name === undefined) return undefined;
    const alg = checksumAlgorithmOf(name);
    return {
      ...alg,
      value: () => {
        if (this.#trailerValue === undefined) throw badTrailer(`The trailer ${name} was not received`);
        return this.#trailerValue;
      },
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#started) throw new Error('an aws-chunked body can be read once');
    this.#started = true;
    const { mode, decodedLength, signatures } = this.#opts;
    const max = this.#opts.maxChunkSize ?? MAX_CHUNK_SIZE;
    const signed = mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    if (signed && signatures === undefined) throw new Error(`${mode} needs the request's signature chain`);
    const reader = new ByteReader(this.#source);
    try {
      let total = 0;
      for (;;) {
        const header = await reader.line(true);
        if (header === undefined) throw framing('the body ends before the final chunk');
        const m = (signed ? SIGNED_HEADER : UNSIGNED_HEADER).exec(header);
        if (m === null) throw framing('bad chunk header');
        const size = parseInt(m[1]!, 16);
        if (size > max) {
          throw new S3Error('InvalidRequest', `aws-chunked chunk of ${size} bytes exceeds ${max} bytes`);
        }
        total += size;
        if (total > decodedLength) {
          throw new S3Error('IncompleteBody', 'The body is longer than x-amz-decoded-content-length');
        }
        if (size === 0) {
          signatures?.verifyChunk(EMPTY_SHA256, m[2]!);
          break;
        }
        if (signed) {
          const hash = createHash('sha256');
          const held: Buffer[] = [];
          for await (const piece of reader.bytes(size)) {
            hash.update(piece);
            held.push(piece);
          }
          signatures!.verifyChunk(hash.digest('hex'), m[2]!);
          yield* held;
        } else {
          yield* reader.bytes(size);
        }
        if ((await reader.line(true)) !== '') throw framing('chunk data is not followed by CRLF');
      }
      if (total !== decodedLength) {
        throw new S3Error('IncompleteBody', 'The body is shorter than x-amz-decoded-content-length');
      }
      await this.#trailers(reader);
      if (!(await reader.atEnd())) throw framing('data after the final chunk');
    } finally {
      await reader.close();
    }
  }

  async #trailers(reader: ByteReader): Promise<void> {
    const { mode, trailer, signatures } = this.#opts;
    const lines: string[] = [];
    for (;;) {
      const line = await reader.line(false);
      if (line === undefined) {
        // `0\r\n` and the end is how an encoder with nothing to trail finishes; trailers end with a blank line.
        if (lines.length > 0) throw framing('the body ends inside the trailers');
        break;
      }
      if (line === '') {
        // `0\r\n\r\n` then trailers (some encoders), or the blank line that ends the body.
        if (lines.length === 0 && mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && !(await reader.atEnd()))
          continue;
        break;
      }
      lines.push(line);
      if (lines.length > 16) throw badTrailer('Too many trailing headers');
    }
    const fields = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw badTrailer('A trailing header is not name:value');
      const name = line.slice(0, colon).trim().toLowerCase();
      if (fields.has(name)) throw badTrailer(`The trailing header ${name} is repeated`);
      fields.set(name, line.slice(colon + 1).trim());
    }
    if (mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
      if (fields.size > 0) throw framing('data after the final chunk');
      return;
    }
    const signature = fields.get(TRAILER_SIGNATURE);
    fields.delete(TRAILER_SIGNATURE);
    for (const name of fields.keys()) {
      if (name !== trailer) throw badTrailer(`The trailing header ${name} was not declared in x-amz-trailer`);
    }
    if (mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
      if (signature === undefined) throw badTrailer('The trailer signature is missing');
      if (!/^[0-9a-f]{64}$/.test(signature)) throw badTrailer('The trailer signature is malformed');
      const canonical = [...fields.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([n, v]) => `${n}:${v}\n`)
        .join('');
      signatures!.verifyTrailer(createHash('sha256').update(canonical, 'utf8').digest('hex'), signature);
    } else if (signature !== undefined) {
      throw badTrailer('An unsigned trailer carries a signature');
    }
    if (trailer !== undefined) {
      const value = fields.get(trailer);
      if (value === undefined) throw badTrailer(`The trailer ${trailer} was not received`);
      // Same base64 and size rules as the header form; a malformed value is InvalidRequest there too.
      this.#trailerValue = expectedChecksum({ [trailer]: value })!.value;
    }
  }
}

function checksumAlgorithmOf(header: string): ChecksumAlgorithm {
  const alg = checksumAlgorithm(header);
  if (alg === undefined) throw new S3Error('InvalidRequest', `Unsupported x-amz-trailer: ${header}`);
  return alg;
}

/**
 * The decoder for a request whose x-amz-content-sha256 is a STREAMING-* value: x-amz-decoded-content-length
 * is required (MissingContentLength otherwise) and x-amz-trailer must name a checksum header.
 */
export function awsChunkedBody(
  source: AsyncIterable<Uint8Array>,
  headers: Readonly<Record<string, string>>,
  mode: StreamingMode,
  signatures: ChunkSignatureChain | undefined,
): AwsChunkedBody {
  const raw = headers['x-amz-decoded-content-length'];
  if (raw === undefined) throw new S3Error('MissingContentLength');
  if (!/^\d{1,15}$/.test(raw)) {
    throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer');
  }
  const trailerHeader = headers['x-amz-trailer']?.trim().toLowerCase();
  const trailer = trailerHeader === '' ? undefined : trailerHeader;
  if (trailer !== undefined) {
    if (mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
      throw new S3Error('InvalidRequest', `x-amz-trailer needs a -TRAILER x-amz-content-sha256, not ${mode}`);
    }
    checksumAlgorithmOf(trailer);
  }
  return new AwsChunkedBody(source, { mode, decodedLength: Number(raw), trailer, signatures });
}
