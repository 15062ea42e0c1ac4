// CORS (--cors-file) through the real gateway on both HTTP engines: unsigned OPTIONS preflights answered
// from the policy and never reaching another operation, CORS headers on actual responses (errors too),
// and the gateway without a policy or with a bad one.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { httpRequest, signedFetch } from '../helpers/signed-fetch.js';

const APP = 'https://app.example.com';
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
const RULES = [
  {
    AllowedOrigins: [APP, 'https://*.app.example.com'],
    AllowedMethods: ['GET', 'PUT', 'HEAD', 'DELETE'],
    AllowedHeaders: ['Content-Type', 'x-amz-*', 'Authorization'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
];

const xmlField = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

const cors = (res: Response): Record<string, string> =>
  Object.fromEntries(
    [...res.headers.entries()].filter(([k]) => k.startsWith('access-control-') || k === 'vary'),
  );

describe('CORS', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let dir: string;
  let corsFile: string;

  before(async () => {
    nats = await startTestNatsServer();
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-cors-'));
    corsFile = path.join(dir, 'cors.json');
    await writeFile(corsFile, JSON.stringify({ CORSRules: RULES }));
  });
  after(async () => {
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const engine of ['uws', 'node'] as const) {
    describe(`through the ${engine} engine`, () => {
      let gw: Gateway;
      let s3: S3Client;
      const options = (p: string, headers: Record<string, string>) =>
        httpRequest(new URL(p, gw.endpoint), 'OPTIONS', headers);

      before(async () => {
        gw = await startGateway({
          engine,
          natsUrl: nats.url,
          args: ['--cors-file', corsFile, '--domain', 's3.localhost'],
        });
        s3 = s3Client(gw.endpoint);
        // Both engines' gateways share the NATS server: the second finds the bucket there.
        await s3.send(new CreateBucketCommand({ Bucket: 'web' })).catch((e: unknown) => {
          if (!(e instanceof Error && e.name === 'BucketAlreadyOwnedByYou')) throw e;
        });
        await s3.send(new PutObjectCommand({ Bucket: 'web', Key: 'index.html', Body: '<p>hi</p>' }));
      });
      after(async () => {
        s3?.destroy();
        await gw?.cleanup();
      });

      test('a preflight from a named origin: 200, unsigned, with S3 headers', async () => {
        const res = await options('/web/index.html', {
          origin: APP,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'Content-Type,X-Amz-Date,x-amz-content-sha256,authorization',
        });
        assert.equal(res.status, 200);
        assert.equal(await res.text(), '');
        assert.deepEqual(cors(res), {
          'access-control-allow-origin': APP,
          'access-control-allow-methods': 'GET, PUT, HEAD, DELETE',
          'access-control-allow-credentials': 'true',
          'access-control-allow-headers': 'content-type, x-amz-date, x-amz-content-sha256, authorization',
          'access-control-expose-headers': 'ETag, x-amz-request-id',
          'access-control-max-age': '3000',
          vary: VARY,
        });
        assert.ok(res.headers.get('x-amz-request-id'));
      });

      test('a preflight matched by a wildcard origin, on a bucket, on the service, virtual-hosted', async () => {
        const sub = await options('/web', {
          origin: 'https://x.app.example.com',
          'access-control-request-method': 'DELETE',
        });
        assert.equal(sub.status, 200);
        assert.equal(sub.headers.get('access-control-allow-origin'), 'https://x.app.example.com');
        const any = await options('/', {
          origin: 'http://elsewhere.example',
          'access-control-request-method': 'GET',
        });
        assert.equal(any.status, 200);
        assert.deepEqual(cors(any), {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, HEAD',
          vary: VARY,
        });
        const hosted = await options('/index.html', {
          host: `web.s3.localhost:${gw.port}`,
          origin: APP,
          'access-control-request-method': 'GET',
        });
        assert.equal(hosted.status, 200);
        assert.equal(hosted.headers.get('access-control-allow-origin'), APP);
      });

      test('a preflight no rule allows: 403 AccessForbidden, no CORS headers', async () => {
        const refused: Record<string, string>[] = [
          { origin: 'http://elsewhere.example', 'access-control-request-method': 'PUT' },
          { origin: APP, 'access-control-request-method': 'POST' },
          {
            origin: APP,
            'access-control-request-method': 'PUT',
            'access-control-request-headers': 'x-custom',
          },
          { origin: APP },
        ];
        for (const headers of refused) {
          const res = await options('/web/index.html', headers);
          assert.equal(res.status, 403, JSON.stringify(headers));
          const xml = await res.text();
          assert.equal(xmlField(xml, 'Code'), 'AccessForbidden');
          assert.match(xmlField(xml, 'Message') ?? '', /^CORSResponse: This CORS request is not allowed\./);
          assert.equal(xmlField(xml, 'ResourceType'), 'OBJECT');
          assert.equal(res.headers.get('access-control-allow-origin'), null);
          assert.ok(res.headers.get('x-amz-request-id'));
        }
      });

      test('OPTIONS without Origin, or with a method CORS cannot name: 400 BadRequest', async () => {
        const noOrigin = await options('/web/index.html', { 'access-control-request-method': 'GET' });
        assert.equal(noOrigin.status, 400);
        const xml = await noOrigin.text();
        assert.equal(xmlField(xml, 'Code'), 'BadRequest');
        assert.equal(xmlField(xml, 'Message'), 'Insufficient information. Origin request header needed.');
        const patch = await options('/web/index.html', {
          origin: APP,
          'access-control-request-method': 'PATCH',
        });
        assert.equal(patch.status, 400);
      });

      test('an unsigned OPTIONS reaches no other operation, whatever it carries', async () => {
        const deleteXml = Buffer.from('<Delete><Object><Key>index.html</Key></Object></Delete>');
        const attempts: [string, Record<string, string>, Buffer?][] = [
          ['/web?delete', { origin: APP, 'access-control-request-method': 'DELETE' }, deleteXml],
          ['/web/index.html', { origin: APP, 'access-control-request-method': 'DELETE' }],
          ['/web', { origin: APP, 'access-control-request-method': 'DELETE' }],
          [
            '/web/new.txt',
            { origin: APP, 'access-control-request-method': 'PUT', 'x-amz-copy-source': '/web/index.html' },
          ],
          [
            '/web/new.txt?uploads',
            { origin: APP, 'access-control-request-method': 'PUT' },
            Buffer.from('data'),
          ],
          ['/web/index.html?acl', { origin: APP, 'access-control-request-method': 'PUT' }],
          ['/web/index.html', { origin: APP }],
          ['/web/index.html', {}],
        ];
        for (const [p, headers, body] of attempts) {
          const res = await httpRequest(
            new URL(p, gw.endpoint),
            'OPTIONS',
            {
              ...headers,
              ...(body ? { 'content-length': String(body.length) } : {}),
            },
            body,
          );
          assert.ok([200, 400, 403].includes(res.status), `${p}: ${res.status}`);
          const text = await res.text();
          if (res.status === 200) assert.equal(text, '');
          else assert.match(xmlField(text, 'Code') ?? '', /^(AccessForbidden|BadRequest)$/);
        }
        await s3.send(new HeadBucketCommand({ Bucket: 'web' }));
        const got = await s3.send(new GetObjectCommand({ Bucket: 'web', Key: 'index.html' }));
        assert.equal(await got.Body?.transformToString(), '<p>hi</p>');
        const copy = await signedFetch(gw.endpoint, 'HEAD', '/web/new.txt');
        assert.equal(copy.status, 404);
      });

      test('signed requests with a matching Origin get the CORS headers, errors too', async () => {
        const get = await signedFetch(gw.endpoint, 'GET', '/web/index.html', { headers: { origin: APP } });
        assert.equal(get.status, 200);
        assert.equal(await get.text(), '<p>hi</p>');
        assert.deepEqual(cors(get), {
          'access-control-allow-origin': APP,
          'access-control-allow-methods': 'GET, PUT, HEAD, DELETE',
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': 'ETag, x-amz-request-id',
          'access-control-max-age': '3000',
          vary: VARY,
        });
        const put = await signedFetch(gw.endpoint, 'PUT', '/web/up.txt', {
          headers: { origin: APP },
          body: Buffer.from('up'),
        });
        assert.equal(put.status, 200);
        assert.equal(put.headers.get('access-control-allow-origin'), APP);

        const missing = await signedFetch(gw.endpoint, 'GET', '/web/missing', { headers: { origin: APP } });
        assert.equal(missing.status, 404);
        assert.equal(missing.headers.get('access-control-allow-origin'), APP);
        assert.equal(missing.headers.get('access-control-expose-headers'), 'ETag, x-amz-request-id');
        assert.equal(missing.headers.get('vary'), VARY);

        // Unsigned and refused: still readable by the page, so it can tell the user.
        const unsigned = await httpRequest(new URL('/web/index.html', gw.endpoint), 'GET', { origin: APP });
        assert.equal(unsigned.status, 403);
        assert.equal(unsigned.headers.get('access-control-allow-origin'), APP);

        const hosted = await signedFetch(gw.endpoint, 'GET', '/index.html', {
          host: `web.s3.localhost:${gw.port}`,
          headers: { origin: 'https://a.app.example.com' },
        });
        assert.equal(hosted.status, 200);
        assert.equal(hosted.headers.get('access-control-allow-origin'), 'https://a.app.example.com');

        // Any origin may GET (the `*` rule), but only the named origins may DELETE.
        const anyGet = await signedFetch(gw.endpoint, 'GET', '/web/index.html', {
          headers: { origin: 'http://elsewhere.example' },
        });
        assert.equal(anyGet.headers.get('access-control-allow-origin'), '*');
        assert.equal(anyGet.headers.get('access-control-allow-credentials'), null);
        const otherDelete = await signedFetch(gw.endpoint, 'DELETE', '/web/up.txt', {
          headers: { origin: 'http://elsewhere.example' },
        });
        assert.equal(otherDelete.status, 204);
        assert.deepEqual(cors(otherDelete), {});
        const noOrigin = await signedFetch(gw.endpoint, 'GET', '/web/index.html');
        assert.deepEqual(cors(noOrigin), {});
      });
    });
  }

  describe('without --cors-file', () => {
    let gw: Gateway;
    before(async () => {
      gw = await startGateway({ engine: 'node', natsUrl: nats.url });
    });
    after(async () => {
      await gw?.cleanup();
    });

    test('preflights are refused and responses carry no CORS headers', async () => {
      const res = await httpRequest(new URL('/web/index.html', gw.endpoint), 'OPTIONS', {
        origin: APP,
        'access-control-request-method': 'GET',
      });
      assert.equal(res.status, 403);
      const xml = await res.text();
      assert.equal(xmlField(xml, 'Code'), 'AccessForbidden');
      assert.equal(xmlField(xml, 'Message'), 'CORSResponse: CORS is not enabled for this bucket.');
      const get = await signedFetch(gw.endpoint, 'GET', '/', { headers: { origin: APP } });
      assert.equal(get.status, 200);
      assert.deepEqual(cors(get), {});
    });
  });

  test('a bad CORS file stops the gateway at start-up, naming the option and the problem', async () => {
    const bad = path.join(dir, 'bad-cors.json');
    await writeFile(bad, JSON.stringify([{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }]));
    await assert.rejects(
      startGateway({ engine: 'node', natsUrl: nats.url, args: ['--cors-file', bad] }),
      /cannot start: --cors-file .*bad-cors\.json: rule 1, AllowedMethods\[0\]: must be one of GET/,
    );
  });
});
