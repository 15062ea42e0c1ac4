// The real AWS SDK for JavaScript v3 (S3Client), captured just before the wire: whatever headers,
// checksums and escaping it chooses, its requests must verify.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/protocol-http';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { authenticate, type AuthInput } from '../../../../src/s3/sigv4/verify.js';
import { AK, SK, toRawQuery } from './helpers.js';

class Captured extends Error {
  constructor(readonly request: HttpRequest) {
    super('captured');
  }
}

const client = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://localhost:9000',
  forcePathStyle: true,
  credentials: { accessKeyId: AK, secretAccessKey: SK },
  maxAttempts: 1,
  requestHandler: {
    handle: async (request: HttpRequest) => {
      throw new Captured(request);
    },
  },
});

async function capture(send: () => Promise<unknown>): Promise<AuthInput> {
  try {
    await send();
  } catch (e) {
    if (!(e instanceof Captured)) throw e;
    const r = e.request;
    const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { method: r.method, rawPath: r.path, rawQuery: toRawQuery(r.query ?? {}), headers };
  }
  assert.fail('the request was not captured');
}

const store = createCredentialStore([{ accessKey: AK, secretKey: SK }]);
const KEY = "dir/ünï côdé+~!'()*=&$@.txt";

describe('S3Client requests verify', () => {
  const cases: [string, () => Promise<unknown>][] = [
    [
      'PutObject',
      () => client.send(new PutObjectCommand({ Bucket: 'bucket', Key: KEY, Body: 'hello world' })),
    ],
    [
      'GetObject with Range',
      () => client.send(new GetObjectCommand({ Bucket: 'bucket', Key: KEY, Range: 'bytes=0-9' })),
    ],
    ['HeadObject', () => client.send(new HeadObjectCommand({ Bucket: 'bucket', Key: KEY }))],
    [
      'ListObjectsV2',
      () =>
        client.send(
          new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'a b+c/', Delimiter: '/', StartAfter: '~x' }),
        ),
    ],
    [
      'DeleteObjects',
      () => client.send(new DeleteObjectsCommand({ Bucket: 'bucket', Delete: { Objects: [{ Key: KEY }] } })),
    ],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const req = await capture(make);
      const auth = authenticate(req, store, { now: new Date(), region: 'us-east-1' });
      assert.equal(auth.accessKey, AK);
      assert.equal(auth.kind, 'header');
    });
  }
});
