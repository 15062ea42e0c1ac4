// The first S3 operations through the real gateway (both HTTP engines) on a real nats-server, with the
// AWS SDK as the client, plus raw requests for what SDKs never send.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  PutObjectAclCommand,
  CopyObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { sign, signedFetch } from '../helpers/signed-fetch.js';

const F = 256 * 1024;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { name: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected an S3 error');
}

for (const engine of ['uws', 'node'] as const) {
  describe(`S3 basics through the ${engine} engine`, () => {
    let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
    let gw: Gateway;
    let s3: S3Client;

    before(async () => {
      nats = await startTestNatsServer();
      gw = await startGateway({ engine, natsUrl: nats.url });
      s3 = s3Client(gw.endpoint);
    });
    after(async () => {
      s3?.destroy();
      await gw?.cleanup();
      await nats?.stop();
    });

    const chunkCount = async (bucket: string): Promise<number> => {
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await jetstreamManager(nc);
        const store = bucket.replaceAll('.', '_');
        const si = await jsm.streams.info(`OBJ_${store}`, { subjects_filter: `$O.${store}.C.>` });
        return Object.values(si.state.subjects ?? {}).reduce((a, b) => a + b, 0);
      } finally {
        await nc.close();
      }
    };

    test('buckets: create, list, head, dotted names, duplicates, delete', async () => {
      assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
      await s3.send(new CreateBucketCommand({ Bucket: 'alpha' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'my.dotted.bucket' }));
      const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
      assert.deepEqual(names, ['alpha', 'my.dotted.bucket']);
      assert.ok((await s3.send(new ListBucketsCommand({}))).Buckets?.[0]?.CreationDate instanceof Date);
      await s3.send(new HeadBucketCommand({ Bucket: 'my.dotted.bucket' }));
      assert.deepEqual(await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'alpha' }))), {
        name: 'BucketAlreadyOwnedByYou',
        status: 409,
      });
      assert.equal((await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'nope-missing' })))).status, 404);
      await s3.send(new DeleteBucketCommand({ Bucket: 'my.dotted.bucket' }));
      assert.equal(
        (await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'my.dotted.bucket' })))).status,
        404,
      );
    });

    test('bad bucket names are InvalidBucketName, never a 500', async () => {
      for (const bad of ['Upper-Case', 'a..b', 'ab', '192.168.0.1', 'under_score']) {
        const r = await signedFetch(gw.endpoint, 'PUT', `/${bad}`);
        assert.equal(r.status, 400, bad);
        assert.match(await r.text(), /<Code>InvalidBucketName<\/Code>/);
      }
    });

    test('objects: sizes around the frame size round-trip with MD5 ETags, metadata and content type', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
      for (const size of [0, 1, F - 1, F, F + 1, 3 * F + 7]) {
        const body = randomBytes(size);
        const key = `size/${size}`;
        const put = await s3.send(
          new PutObjectCommand({
            Bucket: 'objects',
            Key: key,
            Body: body,
            ContentType: 'application/x-test',
            Metadata: { colour: 'blue', 'two-words': 'a b' },
          }),
        );
        assert.equal(put.ETag, `"${md5(body)}"`);
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: key }));
        assert.equal(head.ContentLength, size);
        assert.equal(head.ETag, put.ETag);
        assert.equal(head.ContentType, 'application/x-test');
        assert.deepEqual(head.Metadata, { colour: 'blue', 'two-words': 'a b' });
        assert.ok(
          head.LastModified instanceof Date && Math.abs(head.LastModified.getTime() - Date.now()) < 60_000,
        );
        const get = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
        const got = Buffer.from(await get.Body!.transformToByteArray());
        assert.equal(got.length, size);
        assert.ok(got.equals(body), `bytes differ at size ${size}`);
        assert.equal(get.ETag, put.ETag);
        assert.equal(get.AcceptRanges, 'bytes');
      }
    });

    test('keys with unicode, spaces, plus, percent and dots', async () => {
      for (const key of ['ünï cødé/€.txt', 'a+b c', '100%/x', 'dir/../up', '~tilde!*()', 'trailing/']) {
        const body = Buffer.from(key);
        await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: body }));
        const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
        assert.equal(Buffer.from(await got.Body!.transformToByteArray()).toString(), key);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'a+b' }));
      assert.deepEqual(
        listed.Contents?.map((c) => c.Key),
        ['a+b c'],
      );
    });

    test('range GET', async () => {
      const body = randomBytes(2 * F + 10);
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'ranged', Body: body }));
      for (const [range, start, end] of [
        ['bytes=0-0', 0, 0],
        ['bytes=10-', 10, body.length - 1],
        ['bytes=-5', body.length - 5, body.length - 1],
        [`bytes=${F - 1}-${F}`, F - 1, F],
        [`bytes=${F}-${10 * F}`, F, body.length - 1],
      ] as const) {
        const r = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: range }));
        assert.equal(r.ContentRange, `bytes ${start}-${end}/${body.length}`, range);
        const got = Buffer.from(await r.Body!.transformToByteArray());
        assert.ok(got.equals(body.subarray(start, end + 1)), range);
      }
      const r = await signedFetch(gw.endpoint, 'GET', '/objects/ranged', {
        headers: { range: `bytes=${body.length}-` },
      });
      assert.equal(r.status, 416);
      assert.equal(r.headers.get('content-range'), `bytes */${body.length}`);
      assert.match(await r.text(), /<Code>InvalidRange<\/Code>/);
    });

    test('missing things: NoSuchKey, NoSuchBucket, BucketNotEmpty', async () => {
      assert.deepEqual(await s3Error(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'nope' }))), {
        name: 'NoSuchKey',
        status: 404,
      });
      assert.deepEqual(await s3Error(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'k' }))), {
        name: 'NoSuchBucket',
        status: 404,
      });
      assert.deepEqual(
        await s3Error(s3.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'k', Body: 'x' }))),
        { name: 'NoSuchBucket', status: 404 },
      );
      assert.deepEqual(await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'objects' }))), {
        name: 'BucketNotEmpty',
        status: 409,
      });
      const r = await signedFetch(gw.endpoint, 'GET', '/objects/nope');
      const xml = await r.text();
      assert.match(xml, /<Code>NoSuchKey<\/Code>/);
      assert.match(xml, /<RequestId>[0-9A-F]+<\/RequestId>/);
      assert.equal(r.headers.get('x-amz-request-id')?.length, 16);
    });

    test('delete object, then the bucket', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'todelete' }));
      await s3.send(new PutObjectCommand({ Bucket: 'todelete', Key: 'k', Body: randomBytes(F + 1) }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'todelete', Key: 'k' }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'todelete', Key: 'never-existed' }));
      assert.equal(
        (await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'todelete', Key: 'k' })))).status,
        404,
      );
      assert.equal(await chunkCount('todelete'), 0);
      await s3.send(new DeleteBucketCommand({ Bucket: 'todelete' }));
    });

    test('unsigned and wrongly signed requests are refused', async () => {
      const unsigned = await fetch(`${gw.endpoint}/objects/size/1`);
      assert.equal(unsigned.status, 403);
      assert.match(await unsigned.text(), /<Code>AccessDenied<\/Code>/);
      const wrong = s3Client(gw.endpoint, { ...CREDENTIALS, secretKey: 'not-the-secret' });
      assert.deepEqual(await s3Error(wrong.send(new ListBucketsCommand({}))), {
        name: 'SignatureDoesNotMatch',
        status: 403,
      });
      const unknown = s3Client(gw.endpoint, { accessKey: 'AKIAUNKNOWN000000000', secretKey: 'x' });
      assert.deepEqual(await s3Error(unknown.send(new ListBucketsCommand({}))), {
        name: 'InvalidAccessKeyId',
        status: 403,
      });
      wrong.destroy();
      unknown.destroy();
    });

    test('bad Content-MD5 and a wrong signed payload hash store nothing', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'guarded', Body: 'original' }));
      const before = await chunkCount('objects');
      const badMd5 = await signedFetch(gw.endpoint, 'PUT', '/objects/guarded', {
        body: Buffer.from('replacement'),
        headers: { 'content-md5': createHash('md5').update('something else').digest('base64') },
      });
      assert.equal(badMd5.status, 400);
      assert.match(await badMd5.text(), /<Code>BadDigest<\/Code>/);
      const badSha = await signedFetch(gw.endpoint, 'PUT', '/objects/guarded', {
        body: Buffer.from('replacement'),
        payloadHash: createHash('sha256').update('something else').digest('hex'),
      });
      assert.equal(badSha.status, 400);
      assert.match(await badSha.text(), /<Code>XAmzContentSHA256Mismatch<\/Code>/);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'guarded' }));
      assert.equal(await got.Body!.transformToString(), 'original');
      assert.equal(await chunkCount('objects'), before);
    });

    for (const how of ['disconnects', 'half-closes after a short body'] as const) {
      test(`a client that ${how} mid-upload leaves the old object and no orphan frames`, async () => {
        const original = randomBytes(F + 3);
        await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cut', Body: original }));
        const before = await chunkCount('objects');
        const { headers } = await sign(gw.endpoint, 'PUT', '/objects/cut', {
          headers: { 'content-length': String(4 * F) },
          payloadHash: 'UNSIGNED-PAYLOAD',
        });
        await new Promise<void>((resolve, reject) => {
          const sock = net.connect(gw.port, '127.0.0.1', () => {
            const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
            sock.write(`PUT /objects/cut HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n`);
            sock.write(randomBytes(2 * F + 5), () =>
              setTimeout(() => (how === 'disconnects' ? sock.destroy() : sock.end()), 300),
            );
          });
          sock.on('data', () => {});
          sock.on('close', () => resolve());
          sock.on('error', reject);
        });
        // The gateway notices the cut asynchronously; give it a moment to purge.
        for (let i = 0; i < 50 && (await chunkCount('objects')) !== before; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(await chunkCount('objects'), before);
        const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cut' }));
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(original));
      });
    }

    test('a GET whose client goes away releases its NATS consumer', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'abandoned', Body: randomBytes(40 * F) }));
      const { headers } = await sign(gw.endpoint, 'GET', '/objects/abandoned');
      const consumers = async (): Promise<number> => {
        const nc = await connect({ servers: nats.url });
        try {
          const jsm = await jetstreamManager(nc);
          return (await jsm.streams.info('OBJ_objects')).state.consumer_count;
        } finally {
          await nc.close();
        }
      };
      const sock = net.connect(gw.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.pause(); // read nothing: the response stalls on backpressure with its consumer open
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
      sock.write(`GET /objects/abandoned HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n`);
      let open = 0;
      for (let i = 0; i < 50 && open === 0; i++) {
        open = await consumers();
        if (open === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(open, 1, 'the GET reads through one consumer');
      sock.destroy();
      let left = open;
      for (let i = 0; i < 60 && left > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await consumers();
      }
      assert.equal(left, 0);
    });

    test('stored headers round-trip and response-* overrides apply to one GET', async () => {
      const expires = new Date('2030-01-02T03:04:05Z');
      await s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'headers',
          Body: 'x',
          ContentType: 'text/plain',
          CacheControl: 'max-age=60',
          ContentDisposition: 'attachment; filename="a b.txt"',
          ContentEncoding: 'identity',
          ContentLanguage: 'de-CH',
          Expires: expires,
        }),
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'headers' }));
      assert.equal(head.CacheControl, 'max-age=60');
      assert.equal(head.ContentDisposition, 'attachment; filename="a b.txt"');
      assert.equal(head.ContentEncoding, 'identity');
      assert.equal(head.ContentLanguage, 'de-CH');
      assert.equal(head.Expires?.getTime(), expires.getTime());
      const got = await s3.send(
        new GetObjectCommand({
          Bucket: 'objects',
          Key: 'headers',
          ResponseContentType: 'application/json',
          ResponseContentDisposition: 'inline',
          ResponseCacheControl: 'no-cache',
        }),
      );
      assert.equal(got.ContentType, 'application/json');
      assert.equal(got.ContentDisposition, 'inline');
      assert.equal(got.CacheControl, 'no-cache');
      assert.equal(got.ContentLanguage, 'de-CH');
      assert.equal(await got.Body!.transformToString(), 'x');
      const again = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'headers' }));
      assert.equal(again.ContentType, 'text/plain');
    });

    test('DeleteObjects deletes many keys, reports each, and honours Quiet', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'batch' }));
      const keys = ['a', ' leading space', 'ü/ñ', 'x&y<z>'];
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'batch', Key, Body: Key }));
      const r = await s3.send(
        new DeleteObjectsCommand({
          Bucket: 'batch',
          Delete: { Objects: [...keys, 'never-there'].map((Key) => ({ Key })) },
        }),
      );
      assert.deepEqual(r.Deleted?.map((d) => d.Key).sort(), [...keys, 'never-there'].sort());
      assert.equal(r.Errors, undefined);
      assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'batch' }))).KeyCount, 0);
      await s3.send(new PutObjectCommand({ Bucket: 'batch', Key: 'q', Body: 'q' }));
      const quiet = await s3.send(
        new DeleteObjectsCommand({ Bucket: 'batch', Delete: { Quiet: true, Objects: [{ Key: 'q' }] } }),
      );
      assert.equal(quiet.Deleted, undefined);
      const unguarded = await signedFetch(gw.endpoint, 'POST', '/batch', {
        query: { delete: '' },
        body: Buffer.from('<Delete><Object><Key>q</Key></Object></Delete>'),
      });
      assert.equal(unguarded.status, 400);
      assert.match(await unguarded.text(), /Content-MD5/);
      const body = Buffer.from('<Delete><Object><Key>q</Key></Object></Delete>');
      const badMd5 = await signedFetch(gw.endpoint, 'POST', '/batch', {
        query: { delete: '' },
        body,
        headers: { 'content-md5': createHash('md5').update('other').digest('base64') },
      });
      assert.equal(badMd5.status, 400);
      assert.match(await badMd5.text(), /<Code>BadDigest<\/Code>/);
      await s3.send(new DeleteBucketCommand({ Bucket: 'batch' }));
    });

    test('versioning, versions listing and ACLs answer as an unversioned, owner-enforced bucket', async () => {
      const v = await s3.send(new GetBucketVersioningCommand({ Bucket: 'objects' }));
      assert.equal(v.Status, undefined);
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'objects', Prefix: 'size/' }));
      assert.ok((versions.Versions?.length ?? 0) > 0);
      for (const ver of versions.Versions ?? []) {
        assert.equal(ver.VersionId, 'null');
        assert.equal(ver.IsLatest, true);
      }
      const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'objects' }));
      assert.equal(acl.Grants?.[0]?.Permission, 'FULL_CONTROL');
      assert.equal(
        (await s3.send(new GetObjectAclCommand({ Bucket: 'objects', Key: 'ranged' }))).Owner?.ID,
        'jetvault',
      );
      await s3.send(new PutObjectAclCommand({ Bucket: 'objects', Key: 'ranged', ACL: 'private' }));
      assert.deepEqual(
        await s3Error(
          s3.send(new PutObjectAclCommand({ Bucket: 'objects', Key: 'ranged', ACL: 'public-read' })),
        ),
        { name: 'AccessControlListNotSupported', status: 400 },
      );
      assert.deepEqual(
        await s3Error(
          s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'pub', Body: 'x', ACL: 'public-read' })),
        ),
        { name: 'AccessControlListNotSupported', status: 400 },
      );
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'priv', Body: 'x', ACL: 'private' }));
    });

    test('conditional GET and HEAD: 304 with the ETag, 412 on a failed precondition', async () => {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond', Body: 'c' }));
      const nm = await signedFetch(gw.endpoint, 'GET', '/objects/cond', {
        headers: { 'if-none-match': put.ETag! },
      });
      assert.equal(nm.status, 304);
      assert.equal(nm.headers.get('etag'), put.ETag);
      assert.equal(await nm.text(), '');
      const head = await signedFetch(gw.endpoint, 'HEAD', '/objects/cond', {
        headers: { 'if-none-match': put.ETag! },
      });
      assert.equal(head.status, 304);
      const pf = await signedFetch(gw.endpoint, 'GET', '/objects/cond', {
        headers: { 'if-match': '"nope"' },
      });
      assert.equal(pf.status, 412);
      assert.match(await pf.text(), /<Code>PreconditionFailed<\/Code>/);
      const ok = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfMatch: put.ETag }));
      assert.equal(await ok.Body!.transformToString(), 'c');
    });

    test('CopyObject: same and cross bucket, COPY and REPLACE metadata, onto itself, conditions', async () => {
      const body = randomBytes(2 * F + 9);
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'src/ü +1',
          Body: body,
          ContentType: 'image/png',
          Metadata: { a: '1' },
          CacheControl: 'max-age=5',
        }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: 'copy.target' }));
      const copied = await s3.send(
        new CopyObjectCommand({
          Bucket: 'copy.target',
          Key: 'dst',
          CopySource: `objects/${encodeURIComponent('src/ü +1')}`,
        }),
      );
      assert.equal(copied.CopyObjectResult?.ETag, put.ETag);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'copy.target', Key: 'dst' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
      assert.equal(got.ContentType, 'image/png');
      assert.deepEqual(got.Metadata, { a: '1' });
      assert.equal(got.CacheControl, 'max-age=5');

      assert.deepEqual(
        await s3Error(
          s3.send(
            new CopyObjectCommand({
              Bucket: 'objects',
              Key: 'src/ü +1',
              CopySource: `objects/${encodeURIComponent('src/ü +1')}`,
            }),
          ),
        ),
        { name: 'InvalidRequest', status: 400 },
      );
      await s3.send(
        new CopyObjectCommand({
          Bucket: 'objects',
          Key: 'src/ü +1',
          CopySource: `/objects/${encodeURIComponent('src/ü +1')}?versionId=null`,
          MetadataDirective: 'REPLACE',
          ContentType: 'text/plain',
          Metadata: { b: '2' },
        }),
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'src/ü +1' }));
      assert.equal(head.ContentType, 'text/plain');
      assert.deepEqual(head.Metadata, { b: '2' });
      assert.equal(head.ETag, put.ETag);
      assert.equal(head.CacheControl, undefined);

      assert.deepEqual(
        await s3Error(
          s3.send(
            new CopyObjectCommand({
              Bucket: 'copy.target',
              Key: 'x',
              CopySource: 'objects/src/ü +1'.replace('ü', '%C3%BC').replace(' ', '%20').replace('+', '%2B'),
              CopySourceIfMatch: '"nope"',
            }),
          ),
        ),
        { name: 'PreconditionFailed', status: 412 },
      );
      assert.deepEqual(
        await s3Error(
          s3.send(new CopyObjectCommand({ Bucket: 'copy.target', Key: 'x', CopySource: 'objects/missing' })),
        ),
        { name: 'NoSuchKey', status: 404 },
      );
    });

    test('flexible checksums on PUT are verified: right ones store, a wrong one stores nothing', async () => {
      for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
        const body = randomBytes(F + 17);
        await s3.send(
          new PutObjectCommand({
            Bucket: 'objects',
            Key: `ck/${algorithm}`,
            Body: body,
            ChecksumAlgorithm: algorithm,
          }),
        );
        const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: `ck/${algorithm}` }));
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), algorithm);
      }
      const before = await chunkCount('objects');
      const bad = await signedFetch(gw.endpoint, 'PUT', '/objects/ck/bad', {
        body: randomBytes(F + 3),
        headers: { 'x-amz-checksum-crc32c': Buffer.from('00000000', 'hex').toString('base64') },
      });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /<Code>BadDigest<\/Code>.*CRC32C/);
      assert.equal(await chunkCount('objects'), before);
      assert.equal(
        (await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'ck/bad' })))).status,
        404,
      );
      const r = await s3.send(
        new DeleteObjectsCommand({
          Bucket: 'objects',
          ChecksumAlgorithm: 'CRC64NVME',
          Delete: {
            Objects: ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'].map((a) => ({ Key: `ck/${a}` })),
          },
        }),
      );
      assert.equal(r.Deleted?.length, 5);
    });

    test('monitoring endpoints answer unsigned; a signed request on the same path is S3', async () => {
      assert.equal(await (await fetch(`${gw.endpoint}/healthz`)).text(), 'ok\n');
      assert.equal((await fetch(`${gw.endpoint}/readyz`)).status, 200);
      const metrics = await (await fetch(`${gw.endpoint}/metrics`)).text();
      assert.match(metrics, /jetvault_s3_requests_total\{operation="PutObject",status_class="2xx"\} \d+/);
      assert.match(metrics, /jetvault_s3_bytes_in_total\{operation="PutObject"\} \d+/);
      assert.match(metrics, /jetvault_nats_connected 1/);
      assert.match(metrics, /jetvault_s3_request_duration_seconds_bucket/);
      const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as Record<string, unknown>;
      assert.equal(stats['engine'], engine);
      const signed = await signedFetch(gw.endpoint, 'GET', '/metrics');
      assert.equal(signed.status, 404);
      assert.match(await signed.text(), /<Code>NoSuchBucket<\/Code>/);
    });
  });
}
