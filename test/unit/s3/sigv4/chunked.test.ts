// aws-chunked decoding: bodies from an independent encoder (test/helpers/aws-chunked.ts), each mode, every
// framing error, and the real body the AWS SDK's encoder produces for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { authenticate } from '../../../../src/s3/sigv4/verify.js';
import { awsChunkedBody, MAX_CHUNK_SIZE } from '../../../../src/s3/sigv4/chunked.js';
import { expectedChecksum } from '../../../../src/s3/checksum-header.js';
import { VerifiedPayload } from '../../../../src/s3/payload.js';
import { isS3Error, type S3ErrorCode } from '../../../../src/s3/errors.js';
import { encodeAwsChunked, pieces, signingKey, split, type Mode } from '../../../helpers/aws-chunked.js';
import { AK, NOW, signHeader, SK } from './helpers.js';

const store = createCredentialStore([{ accessKey: AK, secretKey: SK }]);
const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

interface Case {
  mode: Mode;
  payload: Buffer;
  chunkSize?: number;
  trailer?: boolean;
  decodedLength?: number;
  badChunkSignature?: number;
  badTrailerSignature?: boolean;
  trailerValue?: string;
  /** Edit the encoded body. */
  mangle?: (body: Buffer) => Buffer;
  pieceSize?: number;
  /** Called with the size of every decoded piece. */
  seen?: (n: number) => void;
}

async function run(c: Case): Promise<{ data: Buffer; etag: string }> {
  const trailerName = 'x-amz-checksum-sha256';
  const headers: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(c.decodedLength ?? c.payload.length),
  };
  const withTrailer = c.trailer ?? c.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  if (withTrailer) headers['x-amz-trailer'] = trailerName;
  const req = await signHeader({ method: 'PUT', path: '/b/k', payloadHash: c.mode, headers });
  const auth = authenticate(req, store, { now: NOW, service: 's3' });
  assert.equal(auth.streaming, c.mode);
  const seed = /Signature=([0-9a-f]{64})/.exec(req.headers['authorization'] ?? '')![1]!;
  const date = req.headers['x-amz-date']!;
  const encoded = encodeAwsChunked({
    mode: c.mode,
    chunks: split(c.payload, c.chunkSize ?? 8192),
    signing: {
      key: signingKey(SK, date.slice(0, 8), 'us-east-1'),
      amzDate: date,
      scope: `${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      seed,
    },
    trailers: withTrailer ? { [trailerName]: c.trailerValue ?? sha256b64(c.payload) } : {},
    ...(c.badChunkSignature === undefined ? {} : { badChunkSignature: c.badChunkSignature }),
    ...(c.badTrailerSignature === true ? { badTrailerSignature: true } : {}),
  });
  const body = c.mangle ? c.mangle(encoded) : encoded;
  const decoded = awsChunkedBody(
    pieces(body, c.pieceSize ?? 1000),
    req.headers,
    c.mode,
    auth.chunkSignatures(),
  );
  const verified = new VerifiedPayload(decoded, {
    expectedLength: decoded.decodedLength,
    contentMd5: undefined,
    sha256: undefined,
    checksum: decoded.trailingChecksum() ?? expectedChecksum(req.headers),
  });
  const out: Buffer[] = [];
  for await (const piece of verified) {
    c.seen?.(piece.byteLength);
    out.push(Buffer.from(piece));
  }
  return { data: Buffer.concat(out), etag: verified.etag() };
}

async function rejects(c: Case, code: S3ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(run(c), (e: unknown) => {
    assert.ok(isS3Error(e), `expected an S3Error, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

const MODES: Mode[] = [
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
];

for (const mode of MODES) {
  describe(mode, () => {
    it('decodes payloads of many sizes, whatever the network piece size', async () => {
      for (const size of [0, 1, 8191, 8192, 8193, 65536 + 17]) {
        for (const pieceSize of [1, 7, 1000, 1 << 20]) {
          if (pieceSize === 1 && size > 8193) continue;
          const payload = randomBytes(size);
          const { data, etag } = await run({ mode, payload, pieceSize });
          assert.ok(data.equals(payload), `size ${size} pieces ${pieceSize}`);
          assert.equal(etag, `"${createHash('md5').update(payload).digest('hex')}"`);
        }
      }
    });

    it('decoded length must equal x-amz-decoded-content-length (IncompleteBody)', async () => {
      const payload = randomBytes(20000);
      await rejects({ mode, payload, decodedLength: 19999 }, 'IncompleteBody');
      await rejects({ mode, payload, decodedLength: 20001 }, 'IncompleteBody');
    });

    it('truncated bodies are IncompleteBody wherever they are cut', async () => {
      const payload = randomBytes(9000);
      const full = (await run({ mode, payload, seen: () => undefined, mangle: (b) => b })).data.length;
      assert.equal(full, 9000);
      const ends = mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' ? [3] : [2, 3, 20];
      for (const cut of [1, 5, 100, 8200]) {
        await rejects({ mode, payload, mangle: (b) => b.subarray(0, cut) }, 'IncompleteBody');
      }
      for (const end of ends) {
        await rejects({ mode, payload, mangle: (b) => b.subarray(0, b.length - end) }, 'IncompleteBody');
      }
    });

    it('malformed framing: bad hex, missing CRLF, data after the final chunk', async () => {
      const payload = randomBytes(100);
      await rejects(
        { mode, payload, mangle: (b) => Buffer.concat([Buffer.from('zz'), b.subarray(2)]) },
        'IncompleteBody',
      );
      await rejects(
        { mode, payload, mangle: (b) => Buffer.from(b.toString('latin1').replace('\r\n', '\n'), 'latin1') },
        'IncompleteBody',
      );
      await rejects(
        { mode, payload, mangle: (b) => Buffer.concat([b, Buffer.from('junk')]) },
        'IncompleteBody',
      );
    });

    it(`a chunk over ${MAX_CHUNK_SIZE} bytes is refused before it is read`, async () => {
      const huge = (MAX_CHUNK_SIZE + 1).toString(16);
      await rejects(
        {
          mode,
          payload: Buffer.alloc(0),
          decodedLength: MAX_CHUNK_SIZE + 1,
          mangle: (b) => Buffer.concat([Buffer.from(huge), b.subarray(1)]),
        },
        'InvalidRequest',
      );
    });

    if (mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
      it('a wrong trailing checksum is BadDigest; a missing trailer is MalformedTrailerError', async () => {
        const payload = randomBytes(30000);
        await rejects({ mode, payload, trailerValue: sha256b64(Buffer.from('other')) }, 'BadDigest');
        await rejects(
          {
            mode,
            payload,
            mangle: (b) =>
              Buffer.from(b.toString('latin1').replace(/x-amz-checksum-sha256:[^\r]*\r\n/, ''), 'latin1'),
          },
          mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? 'MalformedTrailerError' : 'SignatureDoesNotMatch',
        );
      });

      it('a trailer of another algorithm than x-amz-trailer names is refused', async () => {
        const payload = randomBytes(10);
        await rejects(
          {
            mode,
            payload,
            mangle: (b) =>
              Buffer.from(
                b.toString('latin1').replace('x-amz-checksum-sha256:', 'x-amz-checksum-sha1:'),
                'latin1',
              ),
          },
          'MalformedTrailerError',
        );
      });
    }

    if (mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
      it('a bad signature on chunk k is SignatureDoesNotMatch, and chunk k is never yielded', async () => {
        const payload = randomBytes(5 * 8192);
        for (const k of [0, 2, 5]) {
          await rejects({ mode, payload, badChunkSignature: k }, 'SignatureDoesNotMatch', /chunk/);
        }
        // Chunks before k are passed on; chunk k is held until its signature verified.
        let seen = 0;
        await assert.rejects(
          run({ mode, payload, badChunkSignature: 2, pieceSize: 1 << 20, seen: (n) => (seen += n) }),
        );
        assert.equal(seen, 2 * 8192);
      });

      it('a changed data byte fails its chunk signature', async () => {
        const payload = Buffer.alloc(3 * 8192, 1);
        await rejects(
          {
            mode,
            payload,
            mangle: (b) => {
              const copy = Buffer.from(b);
              copy[copy.indexOf(1)] = 2;
              return copy;
            },
          },
          'SignatureDoesNotMatch',
        );
      });
    }

    if (mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
      it('a wrong trailer signature is SignatureDoesNotMatch', async () => {
        await rejects(
          { mode, payload: randomBytes(100), badTrailerSignature: true },
          'SignatureDoesNotMatch',
          /trailer/,
        );
      });
    }
  });
}

describe('headers', () => {
  it('x-amz-decoded-content-length is required (MissingContentLength)', async () => {
    const mode = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    const req = await signHeader({ method: 'PUT', path: '/b/k', payloadHash: mode });
    assert.throws(
      () => awsChunkedBody(pieces(Buffer.alloc(0), 1), req.headers, mode, undefined),
      (e: unknown) => isS3Error(e) && e.code === 'MissingContentLength' && e.status === 411,
    );
  });

  it('x-amz-trailer must name a checksum header', () => {
    assert.throws(
      () =>
        awsChunkedBody(
          pieces(Buffer.alloc(0), 1),
          { 'x-amz-decoded-content-length': '0', 'x-amz-trailer': 'x-amz-checksum-md4' },
          'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
          undefined,
        ),
      (e: unknown) => isS3Error(e) && e.code === 'InvalidRequest',
    );
  });
});

describe("the AWS SDK's unsigned trailer framing (as @smithy/core getAwsChunkedEncodingStream writes it)", () => {
  const mode = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const headers = {
    'x-amz-decoded-content-length': '9',
    'x-amz-trailer': 'x-amz-checksum-crc32',
  };
  const decode = async (body: string) => {
    const decoded = awsChunkedBody(pieces(Buffer.from(body, 'latin1'), 3), headers, mode, undefined);
    const verified = new VerifiedPayload(decoded, {
      expectedLength: 9,
      contentMd5: undefined,
      sha256: undefined,
      checksum: decoded.trailingChecksum(),
    });
    const out: Buffer[] = [];
    for await (const piece of verified) out.push(Buffer.from(piece));
    return Buffer.concat(out).toString();
  };

  it('decodes and verifies the CRC32 trailer (check value of "123456789")', async () => {
    assert.equal(
      await decode('4\r\n1234\r\n5\r\n56789\r\n0\r\nx-amz-checksum-crc32:y/Q5Jg==\r\n\r\n'),
      '123456789',
    );
  });

  it('a wrong CRC32 is BadDigest', async () => {
    await assert.rejects(
      decode('9\r\n123456780\r\n0\r\nx-amz-checksum-crc32:y/Q5Jg==\r\n\r\n'),
      (e: unknown) => isS3Error(e) && e.code === 'BadDigest',
    );
  });
});
