// Requests that must be refused with nothing stored, through the real gateway on a real nats-server, in an
// encrypted and a plaintext bucket (whose bodies are hashed by different paths): a wrong Content-MD5, signed
// SHA-256 or flexible checksum; a presigned URL used with another method, with a changed or added query
// parameter, or after it expired; a header signature dated outside the 15-minute clock-skew window.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { hashFinal, hashInit, hashUpdate } from '../../src/crypto/native.js';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, startGateway, type Gateway } from '../helpers/gateway.js';
import { presignedUrl, signedFetch } from '../helpers/signed-fetch.js';

const code = async (r: Response): Promise<string> => /<Code>([^<]+)<\/Code>/.exec(await r.text())?.[1] ?? '';

describe('refusals store nothing', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: ['--plaintext-buckets', 'refuse-plain'],
    });
    for (const b of ['refuse-enc', 'refuse-plain'])
      assert.equal((await signedFetch(gw.endpoint, 'PUT', `/${b}`)).status, 200);
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
  });

  const absent = async (path: string): Promise<void> => {
    assert.equal((await signedFetch(gw.endpoint, 'HEAD', path)).status, 404, `${path} must not exist`);
  };

  for (const bucket of ['refuse-enc', 'refuse-plain']) {
    test(`${bucket}: wrong Content-MD5, signed SHA-256 or x-amz-checksum-crc32c`, async () => {
      const body = randomBytes(300_000);
      const cases: Array<[string, Parameters<typeof signedFetch>[3], number, string]> = [
        [
          'md5',
          { body, headers: { 'content-md5': createHash('md5').update('other').digest('base64') } },
          400,
          'BadDigest',
        ],
        [
          'sha',
          { body, payloadHash: createHash('sha256').update('other').digest('hex') },
          400,
          'XAmzContentSHA256Mismatch',
        ],
        ['crc', { body, headers: { 'x-amz-checksum-crc32c': 'AAAAAA==' } }, 400, 'BadDigest'],
      ];
      for (const [name, opts, status, want] of cases) {
        const r = await signedFetch(gw.endpoint, 'PUT', `/${bucket}/${name}`, opts);
        assert.equal(r.status, status, name);
        assert.equal(await code(r), want, name);
        await absent(`/${bucket}/${name}`);
      }
      // The same body with the right values is stored, with its MD5 as ETag.
      const ok = await signedFetch(gw.endpoint, 'PUT', `/${bucket}/good`, {
        body,
        headers: { 'content-md5': createHash('md5').update(body).digest('base64') },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('etag'), `"${createHash('md5').update(body).digest('hex')}"`);
    });
  }

  test('x-amz-sdk-checksum-algorithm without its checksum, naming another, or unknown, is InvalidRequest', async () => {
    const body = randomBytes(1000);
    const state = hashInit(['crc32c']);
    hashUpdate(state, body);
    const value = Buffer.from(hashFinal(state).crc32c!).toString('base64');
    const cases: Array<[string, Record<string, string>]> = [
      ['no checksum', { 'x-amz-sdk-checksum-algorithm': 'CRC32C' }],
      ['another algorithm', { 'x-amz-sdk-checksum-algorithm': 'SHA256', 'x-amz-checksum-crc32c': value }],
      ['unknown algorithm', { 'x-amz-sdk-checksum-algorithm': 'MD4', 'x-amz-checksum-crc32c': value }],
    ];
    for (const [what, headers] of cases) {
      const r = await signedFetch(gw.endpoint, 'PUT', '/refuse-enc/sdk-alg', { body, headers });
      assert.equal(r.status, 400, what);
      assert.equal(await code(r), 'InvalidRequest', what);
      await absent('/refuse-enc/sdk-alg');
    }
    const ok = await signedFetch(gw.endpoint, 'PUT', '/refuse-enc/sdk-alg', {
      body,
      headers: { 'x-amz-sdk-checksum-algorithm': 'crc32c', 'x-amz-checksum-crc32c': value },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-amz-checksum-crc32c'), value);
  });

  test('a presigned URL with another method, a changed or added parameter, or expired, is refused', async () => {
    const put = await presignedUrl(gw.endpoint, 'PUT', 'refuse-enc', 'presigned');
    const get = await presignedUrl(gw.endpoint, 'GET', 'refuse-enc', 'presigned');
    const body = randomBytes(1000);
    const tries: Array<[string, string, string, number, string]> = [
      ['GET URL used to PUT', get, 'PUT', 403, 'SignatureDoesNotMatch'],
      [
        'changed X-Amz-Expires',
        put.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800'),
        'PUT',
        403,
        'SignatureDoesNotMatch',
      ],
      ['added parameter', `${put}&x-amz-acl=private`, 'PUT', 403, 'SignatureDoesNotMatch'],
      ['DELETE with a PUT URL', put, 'DELETE', 403, 'SignatureDoesNotMatch'],
    ];
    for (const [what, url, method, status, want] of tries) {
      const r = await fetch(url, { method, ...(method === 'PUT' ? { body } : {}) });
      assert.equal(r.status, status, what);
      assert.equal(await code(r), want, what);
      await absent('/refuse-enc/presigned');
    }
    const expiring = await presignedUrl(gw.endpoint, 'PUT', 'refuse-enc', 'presigned', { expiresIn: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    const late = await fetch(expiring, { method: 'PUT', body });
    assert.equal(late.status, 403);
    assert.equal(await code(late), 'AccessDenied');
    await absent('/refuse-enc/presigned');
    // The untouched URL works.
    assert.equal((await fetch(put, { method: 'PUT', body })).status, 200);
  });

  test('error XML names the bucket or key as S3 does, with RequestId and HostId', async () => {
    const key = await signedFetch(gw.endpoint, 'GET', '/refuse-enc/no%20such');
    const keyXml = await key.text();
    assert.equal(key.status, 404);
    assert.match(keyXml, /<Code>NoSuchKey<\/Code>/);
    assert.match(keyXml, /<Key>no such<\/Key>/);
    const requestId = key.headers.get('x-amz-request-id')!;
    assert.match(keyXml, new RegExp(`<RequestId>${requestId}</RequestId>`));
    assert.match(keyXml, new RegExp(`<HostId>${key.headers.get('x-amz-id-2')!}</HostId>`));
    const bucket = await (await signedFetch(gw.endpoint, 'GET', '/no-such-bucket-here')).text();
    assert.match(bucket, /<Code>NoSuchBucket<\/Code>/);
    assert.match(bucket, /<BucketName>no-such-bucket-here<\/BucketName>/);
    assert.match(bucket, /<Resource>\/no-such-bucket-here<\/Resource>/);
  });

  test('a header signature more than 15 minutes off the clock is RequestTimeTooSkewed', async () => {
    const url = new URL(gw.endpoint);
    const signer = new SignatureV4({
      credentials: { accessKeyId: CREDENTIALS.accessKey, secretAccessKey: CREDENTIALS.secretKey },
      region: 'us-east-1',
      service: 's3',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: false,
    });
    const body = Buffer.from('skewed');
    for (const offsetMin of [-16, 16]) {
      const req = new HttpRequest({
        method: 'PUT',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/refuse-enc/skewed',
        headers: {
          host: url.host,
          'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
          'content-length': String(body.length),
        },
        body,
      });
      const signed = await signer.sign(req, { signingDate: new Date(Date.now() + offsetMin * 60_000) });
      const r = await fetch(`${gw.endpoint}/refuse-enc/skewed`, {
        method: 'PUT',
        headers: signed.headers as Record<string, string>,
        body,
      });
      assert.equal(r.status, 403, `${offsetMin} min`);
      assert.equal(await code(r), 'RequestTimeTooSkewed');
      await absent('/refuse-enc/skewed');
    }
  });
});
