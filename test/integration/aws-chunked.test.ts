// aws-chunked uploads through the real gateway (both HTTP engines) on a real nats-server: the AWS SDK's own
// STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies (what it sends for a stream body over http), and raw bodies from
// the test encoder for the signed modes and every refusal — each refusal stores nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { sign } from '../helpers/signed-fetch.js';
import { encodeAwsChunked, signingKey, split, type EncodeSpec, type Mode } from '../helpers/aws-chunked.js';

const F = 256 * 1024;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const BUCKET = 'chunked';

interface RawPut {
  mode: Mode;
  payload: Buffer;
  chunkSize?: number;
  decodedLength?: number;
  trailerValue?: string;
  edit?: Partial<EncodeSpec>;
  mangle?: (b: Buffer) => Buffer;
  headers?: Record<string, string>;
}

for (const engine of ['uws', 'node'] as const) {
  describe(`aws-chunked uploads through the ${engine} engine`, () => {
    let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
    let gw: Gateway;
    let s3: S3Client;

    before(async () => {
      nats = await startTestNatsServer();
      gw = await startGateway({ engine, natsUrl: nats.url });
      s3 = s3Client(gw.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    });
    after(async () => {
      s3?.destroy();
      await gw?.cleanup();
      await nats?.stop();
    });

    const getBytes = async (key: string): Promise<Buffer> => {
      const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    };
    const headStatus = async (key: string): Promise<number> => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        return 200;
      } catch (e) {
        return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      }
    };

    /** A raw PUT with an aws-chunked body from the test encoder, signed for `mode`. */
    const rawPut = async (key: string, p: RawPut): Promise<Response> => {
      const trailer = p.mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' ? undefined : 'x-amz-checksum-sha256';
      const path = `/${BUCKET}/${key}`;
      const draft = {
        mode: p.mode,
        chunks: split(p.payload, p.chunkSize ?? 64 * 1024),
        trailers: trailer === undefined ? {} : { [trailer]: p.trailerValue ?? sha256b64(p.payload) },
        ...p.edit,
      };
      // The encoded length does not depend on the signatures: encode once unsigned-length to sign Content-Length.
      const fake = { key: Buffer.alloc(32), amzDate: '', scope: '', seed: '0'.repeat(64) };
      const length = (p.mangle ?? ((b) => b))(encodeAwsChunked({ ...draft, signing: fake })).length;
      const { headers } = await sign(gw.endpoint, 'PUT', path, {
        payloadHash: p.mode,
        headers: {
          'content-encoding': 'aws-chunked',
          'content-length': String(length),
          'x-amz-decoded-content-length': String(p.decodedLength ?? p.payload.length),
          ...(trailer === undefined ? {} : { 'x-amz-trailer': trailer }),
          ...p.headers,
        },
      });
      const amzDate = headers['x-amz-date']!;
      const signing = {
        key: signingKey(CREDENTIALS.secretKey, amzDate.slice(0, 8), 'us-east-1'),
        amzDate,
        scope: `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`,
        seed: /Signature=([0-9a-f]{64})/.exec(headers['authorization']!)![1]!,
      };
      const body = (p.mangle ?? ((b) => b))(encodeAwsChunked({ ...draft, signing }));
      assert.equal(body.length, length);
      return fetch(new URL(path, gw.endpoint), { method: 'PUT', headers, body });
    };

    const expectError = async (r: Response, status: number, code: string): Promise<void> => {
      const text = await r.text();
      assert.equal(r.status, status, text);
      assert.match(text, new RegExp(`<Code>${code}</Code>`));
    };

    test('the AWS SDK sends a stream body as STREAMING-UNSIGNED-PAYLOAD-TRAILER; it is decoded and verified', async () => {
      const sent: string[] = [];
      const sdk = s3Client(gw.endpoint);
      sdk.middlewareStack.add(
        (next) => async (args) => {
          const h = (args.request as { headers: Record<string, string> }).headers;
          sent.push(`${h['x-amz-content-sha256']} ${h['content-encoding']} ${h['x-amz-trailer']}`);
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordPayloadMode' },
      );
      for (const size of [0, 1, F + 1, 3 * F + 7]) {
        const payload = randomBytes(size);
        const key = `sdk/${size}`;
        const put = await sdk.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body: Readable.from(split(payload, 100_000)),
            ContentLength: size,
            ChecksumAlgorithm: 'CRC32',
            ContentEncoding: 'gzip',
          }),
        );
        assert.equal(put.ETag, `"${md5(payload)}"`);
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(head.ContentLength, size);
        // aws-chunked is the upload's framing; only the object's own encoding is stored.
        assert.equal(head.ContentEncoding, 'gzip');
        assert.ok((await getBytes(key)).equals(payload), `size ${size}`);
      }
      sdk.destroy();
      assert.deepEqual(
        new Set(sent),
        new Set(['STREAMING-UNSIGNED-PAYLOAD-TRAILER gzip,aws-chunked x-amz-checksum-crc32']),
      );
    });

    for (const mode of [
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    ] as const) {
      test(`${mode}: round trip, and every refusal stores nothing`, async () => {
        const payload = randomBytes(2 * F + 3);
        const key = `raw/${mode}`;
        const ok = await rawPut(key, { mode, payload });
        assert.equal(ok.status, 200, await ok.text());
        assert.equal(ok.headers.get('etag'), `"${md5(payload)}"`);
        assert.ok((await getBytes(key)).equals(payload));
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(head.ContentEncoding, undefined);

        const refusals: [string, RawPut, number, string][] = [
          [
            'decoded length too small',
            { mode, payload, decodedLength: payload.length - 1 },
            400,
            'IncompleteBody',
          ],
          [
            'decoded length too large',
            { mode, payload, decodedLength: payload.length + 1 },
            400,
            'IncompleteBody',
          ],
          [
            'truncated body',
            { mode, payload, mangle: (b) => b.subarray(0, b.length - 100) },
            400,
            'IncompleteBody',
          ],
          [
            'bad hex size',
            { mode, payload, mangle: (b) => Buffer.concat([Buffer.from('z'), b.subarray(1)]) },
            400,
            'IncompleteBody',
          ],
        ];
        if (mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
          refusals.push([
            'wrong trailing checksum',
            { mode, payload, trailerValue: sha256b64(Buffer.from('not it')) },
            400,
            'BadDigest',
          ]);
        }
        if (mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
          for (const k of [0, 2, 4]) {
            refusals.push([
              `bad signature on chunk ${k}`,
              { mode, payload, edit: { badChunkSignature: k } },
              403,
              'SignatureDoesNotMatch',
            ]);
          }
        }
        if (mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
          refusals.push([
            'wrong trailer signature',
            { mode, payload, edit: { badTrailerSignature: true } },
            403,
            'SignatureDoesNotMatch',
          ]);
        }
        for (const [what, put, status, code] of refusals) {
          await expectError(await rawPut(`new/${mode}`, put), status, code);
          assert.equal(await headStatus(`new/${mode}`), 404, what);
          // An overwrite that fails leaves the previous object intact.
          await expectError(await rawPut(key, { ...put, payload: put.payload }), status, code);
          assert.ok((await getBytes(key)).equals(payload), what);
        }
      });
    }

    test('x-amz-decoded-content-length is required (411); other operations refuse aws-chunked (501)', async () => {
      const { headers } = await sign(gw.endpoint, 'PUT', `/${BUCKET}/nolen2`, {
        payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers: { 'content-encoding': 'aws-chunked', 'content-length': '5' },
      });
      const missing = await fetch(new URL(`/${BUCKET}/nolen2`, gw.endpoint), {
        method: 'PUT',
        headers,
        body: '0\r\n\r\n',
      });
      await expectError(missing, 411, 'MissingContentLength');
      assert.equal(await headStatus('nolen2'), 404);
      const acl = await sign(gw.endpoint, 'PUT', `/${BUCKET}`, {
        query: { acl: '' },
        payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers: {
          'content-encoding': 'aws-chunked',
          'content-length': '5',
          'x-amz-decoded-content-length': '0',
        },
      });
      const refused = await fetch(new URL(`/${BUCKET}?acl=`, gw.endpoint), {
        method: 'PUT',
        headers: acl.headers,
        body: '0\r\n\r\n',
      });
      await expectError(refused, 501, 'NotImplemented');
    });
  });
}
