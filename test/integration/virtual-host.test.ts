// Virtual-hosted–style addressing (--domain): the AWS SDK with forcePathStyle: false against
// http://s3.localhost:<port>, every name resolved to 127.0.0.1 by the agent (Node does not resolve
// *.localhost by itself everywhere), on both HTTP engines; raw signed requests for what the SDK does not
// send virtual-hosted (dotted bucket names) and for the error XML.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { httpRequest, signedFetch } from '../helpers/signed-fetch.js';

const DOMAIN = 's3.localhost';

/** Every name the client asks for is 127.0.0.1, and the names asked for are recorded. */
function loopback(asked: string[]): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(hostname);
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
}

function virtualHostClient(port: number, asked: string[]): S3Client {
  return new S3Client({
    endpoint: `http://${DOMAIN}:${port}`,
    region: 'us-east-1',
    forcePathStyle: false,
    credentials: { accessKeyId: CREDENTIALS.accessKey, secretAccessKey: CREDENTIALS.secretKey },
    maxAttempts: 1,
    requestHandler: { httpAgent: new http.Agent({ lookup: loopback(asked) }) },
  });
}

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { name: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected an S3 error');
}

const xmlField = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

for (const engine of ['uws', 'node'] as const) {
  describe(`virtual-hosted style through the ${engine} engine`, () => {
    let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
    let gw: Gateway;
    let s3: S3Client;
    let pathStyle: S3Client;
    const asked: string[] = [];

    before(async () => {
      nats = await startTestNatsServer();
      gw = await startGateway({ engine, natsUrl: nats.url, args: ['--domain', `${DOMAIN},example.test`] });
      s3 = virtualHostClient(gw.port, asked);
      pathStyle = s3Client(gw.endpoint);
    });
    after(async () => {
      s3?.destroy();
      pathStyle?.destroy();
      await gw?.cleanup();
      await nats?.stop();
    });

    test('the SDK creates, puts, gets, lists, copies and deletes with <bucket>.<domain> hosts', async () => {
      asked.length = 0;
      await s3.send(new CreateBucketCommand({ Bucket: 'vhost-a' }));
      const key = 'dir/hello world+€ (1).txt';
      const put = await s3.send(new PutObjectCommand({ Bucket: 'vhost-a', Key: key, Body: 'hello vhost' }));
      assert.match(put.ETag ?? '', /^"[0-9a-f]{32}"$/);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'vhost-a', Key: key }));
      assert.equal(await got.Body?.transformToString(), 'hello vhost');
      assert.equal(got.ETag, put.ETag);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'vhost-a', Key: key }));
      assert.equal(head.ContentLength, 11);
      await s3.send(new PutObjectCommand({ Bucket: 'vhost-a', Key: '/leading//slashes', Body: 'x' }));

      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-a' }));
      assert.deepEqual(
        listed.Contents?.map((o) => o.Key),
        ['/leading//slashes', key],
      );

      await s3.send(new CreateBucketCommand({ Bucket: 'vhost-b' }));
      const copied = await s3.send(
        new CopyObjectCommand({
          Bucket: 'vhost-b',
          Key: 'copy.txt',
          CopySource: `vhost-a/${encodeURIComponent(key)}`,
        }),
      );
      assert.equal(copied.CopyObjectResult?.ETag, put.ETag);
      const copy = await s3.send(new GetObjectCommand({ Bucket: 'vhost-b', Key: 'copy.txt' }));
      assert.equal(await copy.Body?.transformToString(), 'hello vhost');

      // ListBuckets goes to the bare domain: path style.
      const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
      assert.deepEqual(buckets, ['vhost-a', 'vhost-b']);

      await s3.send(new DeleteObjectCommand({ Bucket: 'vhost-b', Key: 'copy.txt' }));
      const deleted = await s3.send(
        new DeleteObjectsCommand({
          Bucket: 'vhost-a',
          Delete: { Objects: [{ Key: key }, { Key: '/leading//slashes' }] },
        }),
      );
      assert.equal(deleted.Deleted?.length, 2);
      assert.deepEqual(await s3Error(s3.send(new GetObjectCommand({ Bucket: 'vhost-a', Key: key }))), {
        name: 'NoSuchKey',
        status: 404,
      });
      await s3.send(new DeleteBucketCommand({ Bucket: 'vhost-b' }));
      await s3.send(new DeleteBucketCommand({ Bucket: 'vhost-a' }));

      // The SDK really used virtual-hosted names (and the bare domain for ListBuckets).
      assert.ok(asked.includes(`vhost-a.${DOMAIN}`));
      assert.ok(asked.includes(`vhost-b.${DOMAIN}`));
      assert.ok(asked.includes(DOMAIN));
    });

    test('path style keeps working next to virtual-hosted style, on the same objects', async () => {
      await pathStyle.send(new CreateBucketCommand({ Bucket: 'both-ways' }));
      await s3.send(new PutObjectCommand({ Bucket: 'both-ways', Key: 'k', Body: 'via host' }));
      const got = await pathStyle.send(new GetObjectCommand({ Bucket: 'both-ways', Key: 'k' }));
      assert.equal(await got.Body?.transformToString(), 'via host');
      // Path style through the domain name itself, too.
      const viaDomain = await signedFetch(gw.endpoint, 'GET', '/both-ways/k', {
        host: `${DOMAIN}:${gw.port}`,
      });
      assert.equal(viaDomain.status, 200);
      assert.equal(await viaDomain.text(), 'via host');
      await pathStyle.send(new DeleteObjectCommand({ Bucket: 'both-ways', Key: 'k' }));
      await pathStyle.send(new DeleteBucketCommand({ Bucket: 'both-ways' }));
    });

    test('dotted bucket names and a second domain, with raw signed requests', async () => {
      const host = `my.dotted.bucket.example.test:${gw.port}`;
      assert.equal((await signedFetch(gw.endpoint, 'PUT', '/', { host })).status, 200);
      const body = Buffer.from('dots');
      const put = await signedFetch(gw.endpoint, 'PUT', '/a/b.txt', { host, body });
      assert.equal(put.status, 200);
      const got = await pathStyle.send(new GetObjectCommand({ Bucket: 'my.dotted.bucket', Key: 'a/b.txt' }));
      assert.equal(await got.Body?.transformToString(), 'dots');
      const list = await signedFetch(gw.endpoint, 'GET', '/', { host, query: { 'list-type': '2' } });
      assert.equal(list.status, 200);
      const xml = await list.text();
      assert.equal(xmlField(xml, 'Name'), 'my.dotted.bucket');
      assert.equal(xmlField(xml, 'Key'), 'a/b.txt');
      assert.equal((await signedFetch(gw.endpoint, 'DELETE', '/a/b.txt', { host })).status, 204);
      assert.equal((await signedFetch(gw.endpoint, 'DELETE', '/', { host })).status, 204);
    });

    test('errors name the bucket from the host and the resource as /bucket/key', async () => {
      await pathStyle.send(new CreateBucketCommand({ Bucket: 'errs' }));
      const missing = await signedFetch(gw.endpoint, 'GET', '/no/such%20key', {
        host: `errs.${DOMAIN}:${gw.port}`,
      });
      assert.equal(missing.status, 404);
      const xml = await missing.text();
      assert.equal(xmlField(xml, 'Code'), 'NoSuchKey');
      assert.equal(xmlField(xml, 'Resource'), '/errs/no/such key');
      assert.ok(missing.headers.get('x-amz-request-id'));

      const noBucket = await signedFetch(gw.endpoint, 'GET', '/', { host: `nope-bucket.${DOMAIN}` });
      assert.equal(noBucket.status, 404);
      const noBucketXml = await noBucket.text();
      assert.equal(xmlField(noBucketXml, 'Code'), 'NoSuchBucket');
      assert.equal(xmlField(noBucketXml, 'Resource'), '/nope-bucket');

      const invalid = await signedFetch(gw.endpoint, 'GET', '/k', {
        host: `Bad_Bucket.${DOMAIN}:${gw.port}`,
      });
      assert.equal(invalid.status, 400);
      const invalidXml = await invalid.text();
      assert.equal(xmlField(invalidXml, 'Code'), 'InvalidBucketName');
      assert.equal(xmlField(invalidXml, 'BucketName'), 'bad_bucket');
      await pathStyle.send(new DeleteBucketCommand({ Bucket: 'errs' }));
    });

    test('a host that is no <bucket>.<domain> (an IP address, another name) is path style', async () => {
      await pathStyle.send(new CreateBucketCommand({ Bucket: 'plain' }));
      for (const host of [`127.0.0.1:${gw.port}`, `other.example.com:${gw.port}`, `${DOMAIN}`]) {
        const res = await signedFetch(gw.endpoint, 'GET', '/plain', { host, query: { location: '' } });
        assert.equal(res.status, 200, host);
      }
      await pathStyle.send(new DeleteBucketCommand({ Bucket: 'plain' }));
    });

    test('monitoring paths answer only path-style hosts; <bucket>.<domain>/healthz is an object', async () => {
      const plain = await httpRequest(new URL('/healthz', gw.endpoint), 'GET', {
        host: `${DOMAIN}:${gw.port}`,
      });
      assert.equal(plain.status, 200);
      const hosted = await httpRequest(new URL('/healthz', gw.endpoint), 'GET', {
        host: `metrics.${DOMAIN}:${gw.port}`,
      });
      // An unsigned S3 request, refused as such (no public-read buckets here).
      assert.equal(hosted.status, 403);
      assert.equal(xmlField(await hosted.text(), 'Code'), 'AccessDenied');
    });
  });
}
