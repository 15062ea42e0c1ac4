// @aws-sdk/client-s3 against the real gateway (node engine) on a real nats-server, with flexible checksums:
// the SDK's defaults (CRC32; a stream body goes as aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER with the
// checksum in the trailer) and each algorithm selected with ChecksumAlgorithm, as a header (buffer body) and
// as a trailer (stream body). GET with ChecksumMode ENABLED makes the SDK itself validate the bytes against
// the checksum the gateway returns. Then HEAD, range GET, presigned GET/PUT URLs fetched with plain fetch,
// an expired presigned URL, and wrong checksums (400 BadDigest, nothing stored).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ChecksumAlgorithm,
} from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/protocol-http';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway } from '../helpers/gateway.js';
import { assertS3Error } from '../helpers/s3-errors.js';
import type { Gateway } from '../helpers/gateway.js';
import { objectPath, presignedUrl, signedFetch } from '../helpers/signed-fetch.js';

const BUCKETS = ['sdk-checksums', 'sdk.checksums.dotted'];
const KEYS = [
  'plain.bin',
  'dir/with space/file name.txt',
  'a+b+c=d&e.bin',
  'ünïcødé/日本語 ファイル 🎉.bin',
  '100%/%41 literal%.bin',
];
/** Empty, one byte, and across a 256 KiB frame boundary; one per key, cycling. */
const SIZES = [0, 1, 256 * 1024 + 17, 3 * 1024 * 1024 + 5, 1000];
const ALGORITHMS = ['CRC32C', 'SHA256', 'CRC64NVME', 'SHA1'] as const satisfies readonly ChecksumAlgorithm[];

type Algorithm = 'CRC32' | (typeof ALGORITHMS)[number];
type ChecksumFields = Partial<Record<`Checksum${Algorithm}`, string>>;

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const crc32b64 = (b: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
};
/** What this test can compute without the SDK or the gateway (CRC32C and CRC64NVME come from the SDK only). */
const independent: Partial<Record<Algorithm, (b: Buffer) => string>> = {
  CRC32: crc32b64,
  SHA1: (b) => createHash('sha1').update(b).digest('base64'),
  SHA256: (b) => createHash('sha256').update(b).digest('base64'),
};

/** Distinct bytes per object, so a mix-up between objects changes the hash. */
const payload = (size: number, seed: string) =>
  Buffer.concat([Buffer.from(seed), randomBytes(size)]).subarray(0, size);
/** A stream body the SDK cannot measure itself: it needs ContentLength and sends aws-chunked. */
const streamOf = (b: Buffer) => Readable.from(b.length === 0 ? [] : [b.subarray(0, 1000), b.subarray(1000)]);
const xmlCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const xmlMessage = (xml: string) => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];

describe('@aws-sdk/client-s3 with flexible checksums (node engine)', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let s3: S3Client;
  /** Headers of the last request the SDK sent (after signing). */
  let sent: Record<string, string> = {};

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url });
    s3 = s3Client(gw.endpoint);
    s3.middlewareStack.add(
      (next) => async (args) => {
        if (HttpRequest.isInstance(args.request)) sent = { ...args.request.headers };
        return next(args);
      },
      { step: 'deserialize', name: 'captureSentHeaders' },
    );
    for (const Bucket of BUCKETS) await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    s3?.destroy();
    await gw?.cleanup();
    await nats?.stop();
  });

  const getBytes = async (Bucket: string, Key: string, extra: { Range?: string } = {}) => {
    const r = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED', ...extra }));
    // Reading the body is where the SDK validates the returned checksum against the bytes.
    return { r, bytes: Buffer.from(await r.Body!.transformToByteArray()) };
  };

  /** GET (validated by the SDK), HEAD and a range GET agree with what PUT stored and answered. */
  const checkReads = async (
    Bucket: string,
    Key: string,
    data: Buffer,
    algorithm: Algorithm,
    put: { ETag?: string | undefined } & ChecksumFields,
  ) => {
    const field = `Checksum${algorithm}` as const;
    const { r, bytes } = await getBytes(Bucket, Key);
    assert.equal(sent['x-amz-checksum-mode'], 'ENABLED');
    assert.equal(sha256(bytes), sha256(data));
    assert.equal(r.ContentLength, data.length);
    assert.equal(r.ETag, put.ETag);
    assert.equal(r[field], put[field]);
    assert.equal(r.ChecksumType, 'FULL_OBJECT');

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ETag, put.ETag);
    assert.equal(head[field], put[field]);

    if (data.length >= 2) {
      const start = Math.floor(data.length / 3);
      const end = data.length - 2;
      const ranged = await getBytes(Bucket, Key, { Range: `bytes=${start}-${end}` });
      assert.equal(ranged.r.ContentRange, `bytes ${start}-${end}/${data.length}`);
      assert.equal(ranged.r.ContentLength, end - start + 1);
      assert.ok(ranged.bytes.equals(data.subarray(start, end + 1)), 'range bytes differ');
      // A range gets no whole-object checksum (it would not describe the bytes sent).
      assert.equal(ranged.r[field], undefined);
    }
  };

  for (const Bucket of BUCKETS) {
    describe(`bucket ${Bucket}`, () => {
      test('defaults: a stream body goes aws-chunked with a CRC32 trailer; GET, HEAD, range agree', async () => {
        for (const [i, Key] of KEYS.entries()) {
          const data = payload(SIZES[i % SIZES.length]!, `${Bucket}/${Key}`);
          const put = await s3.send(
            new PutObjectCommand({ Bucket, Key, Body: streamOf(data), ContentLength: data.length }),
          );
          assert.equal(sent['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
          assert.equal(sent['x-amz-trailer'], 'x-amz-checksum-crc32');
          assert.equal(sent['x-amz-decoded-content-length'], String(data.length));
          assert.match(sent['content-encoding'] ?? '', /aws-chunked/);
          assert.equal(put.ETag, `"${md5(data)}"`, Key);
          assert.equal(put.ChecksumCRC32, crc32b64(data), Key);
          await checkReads(Bucket, Key, data, 'CRC32', put);
          // The framing is not part of the object: no aws-chunked left in Content-Encoding.
          const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
          assert.ok(!/aws-chunked/.test(head.ContentEncoding ?? ''), `stored ${head.ContentEncoding}`);
        }
      });

      for (const algorithm of ALGORITHMS) {
        test(`ChecksumAlgorithm ${algorithm}: header (buffer body) and trailer (stream body)`, async () => {
          const field = `Checksum${algorithm}` as const;
          const header = `x-amz-checksum-${algorithm.toLowerCase()}`;
          for (const [i, Key] of KEYS.entries()) {
            const data = payload(SIZES[(i + 1) % SIZES.length]!, `${algorithm}/${Bucket}/${Key}`);

            const put = await s3.send(
              new PutObjectCommand({ Bucket, Key, Body: data, ChecksumAlgorithm: algorithm }),
            );
            const value = sent[header];
            assert.ok(value, `the SDK sent no ${header} header`);
            assert.equal(put[field], value, `${Key}: PUT answered another ${algorithm}`);
            const oracle = independent[algorithm];
            if (oracle) assert.equal(value, oracle(data));
            assert.equal(put.ETag, `"${md5(data)}"`);
            await checkReads(Bucket, Key, data, algorithm, put);

            const streamed = await s3.send(
              new PutObjectCommand({
                Bucket,
                Key,
                Body: streamOf(data),
                ContentLength: data.length,
                ChecksumAlgorithm: algorithm,
              }),
            );
            assert.equal(sent['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
            assert.equal(sent['x-amz-trailer'], header);
            assert.equal(streamed[field], value, `${Key}: the trailer gave another ${algorithm}`);
            assert.equal(streamed.ETag, put.ETag);
            await checkReads(Bucket, Key, data, algorithm, streamed);
          }
        });
      }

      test('ListObjectsV2 lists every key with its plaintext size and MD5 ETag', async () => {
        const r = await s3.send(new ListObjectsV2Command({ Bucket }));
        const listed = new Map((r.Contents ?? []).map((o) => [o.Key, o]));
        assert.deepEqual([...listed.keys()].sort(), [...KEYS].sort());
        for (const Key of KEYS) {
          const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
          assert.equal(listed.get(Key)?.Size, head.ContentLength, Key);
          assert.equal(listed.get(Key)?.ETag, head.ETag, Key);
        }
      });

      test('presigned GET and PUT URLs work with plain fetch, byte-exact', async () => {
        for (const [i, Key] of KEYS.entries()) {
          const data = payload(SIZES[(i + 2) % SIZES.length]!, `presigned/${Bucket}/${Key}`);
          const putUrl = await presignedUrl(gw.endpoint, 'PUT', Bucket, Key, { expiresIn: 300 });
          assert.match(putUrl, /X-Amz-Expires=300/);
          const putRes = await fetch(putUrl, { method: 'PUT', body: data });
          assert.equal(putRes.status, 200, await putRes.text());
          assert.equal(putRes.headers.get('etag'), `"${md5(data)}"`);

          const getRes = await fetch(await presignedUrl(gw.endpoint, 'GET', Bucket, Key, { expiresIn: 300 }));
          assert.equal(getRes.status, 200);
          const got = Buffer.from(await getRes.arrayBuffer());
          assert.equal(sha256(got), sha256(data), Key);
          assert.equal(getRes.headers.get('etag'), `"${md5(data)}"`);

          const viaSdk = await getBytes(Bucket, Key);
          assert.ok(viaSdk.bytes.equals(data));
        }
      });

      test('an expired presigned URL is 403 AccessDenied "Request has expired"', async () => {
        const Key = KEYS[3]!;
        const url = await presignedUrl(gw.endpoint, 'GET', Bucket, Key, { expiresIn: 1 });
        await sleep(2100);
        const res = await fetch(url);
        const body = await res.text();
        assert.equal(res.status, 403, body);
        assert.equal(xmlCode(body), 'AccessDenied');
        assert.equal(xmlMessage(body), 'Request has expired');

        const putUrl = await presignedUrl(gw.endpoint, 'PUT', Bucket, 'expired-put', { expiresIn: 1 });
        await sleep(2100);
        const putRes = await fetch(putUrl, { method: 'PUT', body: 'never stored' });
        assert.equal(putRes.status, 403);
        assert.equal(xmlCode(await putRes.text()), 'AccessDenied');
        await assertAbsent(Bucket, 'expired-put');
      });

      test('a wrong checksum is 400 BadDigest and stores nothing (new key and overwrite)', async () => {
        const data = payload(100_000, `bad/${Bucket}`);
        const Key = `bad digest/ü+%.bin`;
        // A Checksum* in the input goes out as the header; the SDK then computes nothing itself.
        const wrongCrc32c = Buffer.from('bad!').toString('base64');
        await assertS3Error(
          s3.send(new PutObjectCommand({ Bucket, Key, Body: data, ChecksumCRC32C: wrongCrc32c })),
          400,
          'BadDigest',
        );
        assert.equal(sent['x-amz-checksum-crc32c'], wrongCrc32c);
        await assertAbsent(Bucket, Key);

        // Same through a raw signed request with a wrong SHA-256 checksum.
        const wrongSha = createHash('sha256').update('other bytes').digest('base64');
        const res = await signedFetch(gw.endpoint, 'PUT', objectPath(Bucket, Key), {
          body: data,
          headers: { 'x-amz-checksum-sha256': wrongSha },
        });
        const text = await res.text();
        assert.equal(res.status, 400, text);
        assert.equal(xmlCode(text), 'BadDigest');
        await assertAbsent(Bucket, Key);

        // Over an existing object: it stays intact.
        const good = await s3.send(
          new PutObjectCommand({ Bucket, Key, Body: data, ChecksumAlgorithm: 'CRC32C' }),
        );
        await assertS3Error(
          s3.send(
            new PutObjectCommand({
              Bucket,
              Key,
              Body: payload(5000, 'replacement'),
              ChecksumCRC32C: good.ChecksumCRC32C,
            }),
          ),
          400,
          'BadDigest',
        );
        await checkReads(Bucket, Key, data, 'CRC32C', good);
        await s3.send(new DeleteObjectCommand({ Bucket, Key }));
      });

      test('delete every object, then the bucket', async () => {
        const r = await s3.send(new ListObjectsV2Command({ Bucket }));
        for (const o of r.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
        assert.equal((await s3.send(new ListObjectsV2Command({ Bucket }))).KeyCount, 0);
        await s3.send(new DeleteBucketCommand({ Bucket }));
      });
    });
  }

  const assertAbsent = async (Bucket: string, Key: string) => {
    await assertS3Error(s3.send(new HeadObjectCommand({ Bucket, Key })), 404);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: Key }));
    assert.equal(listed.KeyCount, 0, `${Key} is listed`);
  };
});
