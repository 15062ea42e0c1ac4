// Users, policies and public-read buckets through the real gateway on a real nats-server, with the AWS
// SDK and raw requests. Every refusal is checked for its S3 code and status, and for what it did not do:
// the object, bucket or deletion it asked for is looked up afterwards with a full-access key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { signedFetch } from '../helpers/signed-fetch.js';

const key = (name: string) => ({
  accessKey: `AKIA${name.toUpperCase().padEnd(16, '0')}`,
  secretKey: `secret-of-${name}-0123456789abcdefghijklmnop`,
});
const ADMIN = key('admin');
const READER = key('reader');
const UPLOADER = key('uploader');
const UNKNOWN = key('nobody');

const CREDENTIALS_FILE = {
  users: {
    admin: {},
    reader: { policy: { allow: [{ buckets: ['photos'], actions: ['read', 'list'] }] } },
    uploader: {
      policy: {
        allow: [
          { buckets: ['inbox-*'], actions: ['write', 'read'] },
          { buckets: ['*'], actions: ['list'] },
        ],
        deny: [{ buckets: ['inbox-locked'], actions: ['s3:PutObject'] }],
      },
    },
  },
  credentials: [
    { ...ADMIN, user: 'admin' },
    { ...READER, user: 'reader' },
    { ...UPLOADER, user: 'uploader' },
  ],
};

const BUCKETS = ['inbox-a', 'inbox-locked', 'photos', 'private', 'www'];

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { name: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected an S3 error');
}

async function xmlError(res: Response): Promise<{ status: number; code: string | undefined; body: string }> {
  const body = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], body };
}

describe('credentials with policies, through the real gateway', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let dir: string;
  let admin: S3Client;
  let reader: S3Client;
  let uploader: S3Client;

  /** Status of a HEAD of the object with the full-access key: 200 when it exists, 404 when not. */
  const exists = async (bucket: string, k: string): Promise<boolean> => {
    try {
      await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
      return true;
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return false;
      throw e;
    }
  };
  const bucketNames = async (c: S3Client) =>
    ((await c.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);

  before(async () => {
    nats = await startTestNatsServer();
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-creds-it-'));
    const file = path.join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(CREDENTIALS_FILE), { mode: 0o600 });
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      withCredentials: false,
      args: ['--credentials', file, '--public-read-buckets', 'www,pub-*'],
    });
    admin = s3Client(gw.endpoint, ADMIN);
    reader = s3Client(gw.endpoint, READER);
    uploader = s3Client(gw.endpoint, UPLOADER);
    for (const b of BUCKETS) await admin.send(new CreateBucketCommand({ Bucket: b }));
    for (const [b, k] of [
      ['photos', 'cat.txt'],
      ['private', 'secret.txt'],
      ['www', 'index.html'],
    ] as const) {
      await admin.send(new PutObjectCommand({ Bucket: b, Key: k, Body: `content of ${b}/${k}` }));
    }
  });
  after(async () => {
    for (const c of [admin, reader, uploader]) c?.destroy();
    await gw?.cleanup();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a key without a policy has full access; ListBuckets shows everything to it', async () => {
    assert.deepEqual(await bucketNames(admin), BUCKETS);
    const got = await admin.send(new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }));
    assert.equal(await got.Body?.transformToString(), 'content of private/secret.txt');
  });

  test('a read-only user reads and lists its bucket', async () => {
    const got = await reader.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cat.txt' }));
    assert.equal(await got.Body?.transformToString(), 'content of photos/cat.txt');
    await reader.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'cat.txt' }));
    await reader.send(new HeadBucketCommand({ Bucket: 'photos' }));
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['cat.txt'],
    );
    // With list permission a missing key is 404, as usual.
    assert.deepEqual(await s3Error(reader.send(new GetObjectCommand({ Bucket: 'photos', Key: 'no' }))), {
      name: 'NoSuchKey',
      status: 404,
    });
  });

  test('ListBuckets shows a user only the buckets it may list', async () => {
    assert.deepEqual(await bucketNames(reader), ['photos']);
    assert.deepEqual(await bucketNames(uploader), BUCKETS);
  });

  test('policy-denied action: a read-only user PUTs, DELETEs, copies, creates → AccessDenied, nothing changed', async () => {
    const denied = { name: 'AccessDenied', status: 403 };
    assert.deepEqual(
      await s3Error(reader.send(new PutObjectCommand({ Bucket: 'photos', Key: 'new.txt', Body: 'x' }))),
      denied,
    );
    assert.equal(await exists('photos', 'new.txt'), false);
    assert.deepEqual(
      await s3Error(reader.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'cat.txt' }))),
      denied,
    );
    assert.deepEqual(
      await s3Error(
        reader.send(
          new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'cat.txt' }] } }),
        ),
      ),
      denied,
    );
    assert.equal(await exists('photos', 'cat.txt'), true);
    assert.deepEqual(
      await s3Error(
        reader.send(
          new CopyObjectCommand({ Bucket: 'photos', Key: 'copy.txt', CopySource: 'photos/cat.txt' }),
        ),
      ),
      denied,
    );
    assert.equal(await exists('photos', 'copy.txt'), false);
    assert.deepEqual(await s3Error(reader.send(new CreateBucketCommand({ Bucket: 'reader-made' }))), denied);
    assert.ok(!(await bucketNames(admin)).includes('reader-made'));
    assert.deepEqual(await s3Error(reader.send(new DeleteBucketCommand({ Bucket: 'inbox-a' }))), denied);
    assert.ok((await bucketNames(admin)).includes('inbox-a'));
  });

  test('policy-denied bucket: reading another bucket is AccessDenied, raw XML with a request id', async () => {
    assert.deepEqual(
      await s3Error(reader.send(new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }))),
      {
        name: 'AccessDenied',
        status: 403,
      },
    );
    assert.deepEqual(await s3Error(reader.send(new ListObjectsV2Command({ Bucket: 'private' }))), {
      name: 'AccessDenied',
      status: 403,
    });
    const res = await signedFetch(gw.endpoint, 'GET', '/private/secret.txt', { credentials: READER });
    const err = await xmlError(res);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'AccessDenied');
    assert.match(err.body, /<Message>Access Denied<\/Message>/);
    assert.match(err.body, /<RequestId>[0-9A-F]+<\/RequestId>/);
    assert.ok(!err.body.includes('content of'), 'no object content');
  });

  test('a deny statement overrides an allow: write to inbox-a works, inbox-locked is AccessDenied', async () => {
    await uploader.send(new PutObjectCommand({ Bucket: 'inbox-a', Key: 'up.txt', Body: 'up' }));
    assert.equal(await exists('inbox-a', 'up.txt'), true);
    assert.deepEqual(
      await s3Error(
        uploader.send(new PutObjectCommand({ Bucket: 'inbox-locked', Key: 'up.txt', Body: 'up' })),
      ),
      { name: 'AccessDenied', status: 403 },
    );
    assert.equal(await exists('inbox-locked', 'up.txt'), false);
    // The deny names s3:PutObject only; the rest of "write"/"read" on inbox-* still holds there.
    await s3Error(uploader.send(new GetObjectCommand({ Bucket: 'inbox-locked', Key: 'nothing' }))).then((e) =>
      assert.deepEqual(e, { name: 'NoSuchKey', status: 404 }),
    );
  });

  test('a copy needs read on its source bucket', async () => {
    assert.deepEqual(
      await s3Error(
        uploader.send(
          new CopyObjectCommand({ Bucket: 'inbox-a', Key: 'stolen.txt', CopySource: 'private/secret.txt' }),
        ),
      ),
      { name: 'AccessDenied', status: 403 },
    );
    assert.equal(await exists('inbox-a', 'stolen.txt'), false);
    await uploader.send(
      new CopyObjectCommand({ Bucket: 'inbox-a', Key: 'copy.txt', CopySource: 'inbox-a/up.txt' }),
    );
    assert.equal(await exists('inbox-a', 'copy.txt'), true);
  });

  test('an unknown key is InvalidAccessKeyId, nothing stored', async () => {
    const res = await signedFetch(gw.endpoint, 'PUT', '/inbox-a/unknown.txt', {
      body: Buffer.from('x'),
      credentials: UNKNOWN,
    });
    const err = await xmlError(res);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'InvalidAccessKeyId');
    assert.match(err.body, new RegExp(`<AWSAccessKeyId>${UNKNOWN.accessKey}</AWSAccessKeyId>`));
    assert.equal(await exists('inbox-a', 'unknown.txt'), false);
    const sdk = s3Client(gw.endpoint, UNKNOWN);
    try {
      assert.deepEqual(await s3Error(sdk.send(new ListBucketsCommand({}))), {
        name: 'InvalidAccessKeyId',
        status: 403,
      });
    } finally {
      sdk.destroy();
    }
  });

  describe('public-read buckets', () => {
    const anonymous = (method: string, p: string, body?: string) =>
      fetch(`${gw.endpoint}${p}`, { method, ...(body !== undefined ? { body } : {}) });
    const ANONYMOUS_MESSAGE =
      /<Message>Anonymous requests are not allowed; sign the request with AWS Signature Version 4.<\/Message>/;

    test('unsigned GET and HEAD of an object in a public-read bucket are served', async () => {
      const got = await anonymous('GET', '/www/index.html');
      assert.equal(got.status, 200);
      assert.equal(await got.text(), 'content of www/index.html');
      assert.match(got.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
      const head = await anonymous('HEAD', '/www/index.html');
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String('content of www/index.html'.length));
      const range = await fetch(`${gw.endpoint}/www/index.html`, { headers: { range: 'bytes=11-13' } });
      assert.equal(range.status, 206);
      assert.equal(await range.text(), 'www');
    });

    test('a missing key in a public bucket is AccessDenied to anonymous (names cannot be probed)', async () => {
      const err = await xmlError(await anonymous('GET', '/www/missing.html'));
      assert.equal(err.status, 403);
      assert.equal(err.code, 'AccessDenied');
      assert.equal((await anonymous('HEAD', '/www/missing.html')).status, 403);
    });

    test('anonymous writes, deletes and listings are refused even on a public-read bucket; nothing changes', async () => {
      for (const [method, p, body] of [
        ['PUT', '/www/evil.html', 'evil'],
        ['DELETE', '/www/index.html', undefined],
        ['GET', '/www?list-type=2', undefined],
        ['GET', '/www', undefined],
        ['HEAD', '/www', undefined],
        ['GET', '/www/index.html?acl', undefined],
        ['POST', '/www?delete', '<Delete><Object><Key>index.html</Key></Object></Delete>'],
        ['PUT', '/pub-new', undefined],
        ['GET', '/', undefined],
      ] as const) {
        const res = await anonymous(method, p, body);
        assert.equal(res.status, 403, `${method} ${p}`);
        if (method !== 'HEAD') {
          const err = await xmlError(res);
          assert.equal(err.code, 'AccessDenied', `${method} ${p}`);
          assert.match(err.body, ANONYMOUS_MESSAGE, `${method} ${p}`);
        }
      }
      assert.equal(await exists('www', 'evil.html'), false);
      assert.equal(await exists('www', 'index.html'), true);
      assert.ok(!(await bucketNames(admin)).includes('pub-new'));
      const copy = await fetch(`${gw.endpoint}/www/copied.html`, {
        method: 'PUT',
        headers: { 'x-amz-copy-source': '/www/index.html' },
      });
      assert.equal(copy.status, 403);
      assert.equal(await exists('www', 'copied.html'), false);
    });

    test('unsigned requests elsewhere get exactly the refusal they got before', async () => {
      for (const p of ['/private/secret.txt', '/photos/cat.txt', '/no-such-bucket/x', '/Bad_Bucket/x']) {
        const err = await xmlError(await anonymous('GET', p));
        assert.equal(err.status, 403, p);
        assert.equal(err.code, 'AccessDenied', p);
        assert.match(err.body, ANONYMOUS_MESSAGE, p);
      }
    });

    test('a signed user reads a public bucket too; monitoring paths stay open', async () => {
      const got = await reader.send(new GetObjectCommand({ Bucket: 'www', Key: 'index.html' }));
      assert.equal(await got.Body?.transformToString(), 'content of www/index.html');
      assert.equal(await (await fetch(`${gw.endpoint}/healthz`)).text(), 'ok\n');
      assert.equal((await fetch(`${gw.endpoint}/readyz`)).status, 200);
    });
  });
});
