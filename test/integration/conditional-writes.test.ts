// Conditional PutObject (If-None-Match: *, If-Match) through the real gateway on a real nats-server, in an
// encrypted and a plaintext bucket, with the AWS SDK: 412 / 404 / 501 as S3 answers, nothing stored by a
// refused write, and of two racing create-only writes exactly one wins.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway, type Gateway } from '../helpers/gateway.js';
import { assertS3Error } from '../helpers/s3-errors.js';

describe('conditional writes', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let s3: S3Client;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url, args: ['--plaintext-buckets', 'plain'] });
    s3 = s3Client(gw.endpoint);
    for (const b of ['enc', 'plain']) await s3.send(new CreateBucketCommand({ Bucket: b }));
  });
  after(async () => {
    s3?.destroy();
    await gw?.cleanup();
    await nats?.stop();
  });

  const read = async (bucket: string, key: string): Promise<Buffer> => {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  };

  /** Messages on the bucket's chunk subjects: a refused write must leave no frames behind. */
  const frameMessages = async (bucket: string): Promise<number> => {
    const nc = await connect({ servers: nats.url });
    try {
      const si = await (
        await jetstreamManager(nc)
      ).streams.info(`OBJ_${bucket}`, {
        subjects_filter: `$O.${bucket}.C.>`,
      });
      return Object.values(si.state.subjects ?? {}).reduce((n, c) => n + c, 0);
    } finally {
      await nc.close();
    }
  };

  for (const bucket of ['enc', 'plain']) {
    test(`${bucket}: If-None-Match: * creates once, then 412 and the object is unchanged`, async () => {
      const first = randomBytes(300_000);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: first, IfNoneMatch: '*' }),
      );
      assert.ok(put.ETag);
      const frames = await frameMessages(bucket);
      await assertS3Error(
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: randomBytes(300_000), IfNoneMatch: '*' }),
        ),
        412,
        'PreconditionFailed',
      );
      assert.ok((await read(bucket, 'once')).equals(first));
      assert.equal(await frameMessages(bucket), frames);
    });

    test(`${bucket}: If-Match replaces only the object with that ETag; a missing key is 404`, async () => {
      const v1 = randomBytes(1000);
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cas', Body: v1 }));
      await assertS3Error(
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'cas', Body: randomBytes(10), IfMatch: '"0000"' }),
        ),
        412,
        'PreconditionFailed',
      );
      assert.ok((await read(bucket, 'cas')).equals(v1));
      const v2 = randomBytes(2000);
      const r = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cas', Body: v2, IfMatch: ETag }));
      assert.ok((await read(bucket, 'cas')).equals(v2));
      // Unquoted works too; the old ETag no longer matches.
      const v3 = randomBytes(3000);
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'cas', Body: v3, IfMatch: r.ETag!.replaceAll('"', '') }),
      );
      await assertS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cas', Body: v1, IfMatch: ETag })),
        412,
        'PreconditionFailed',
      );
      assert.ok((await read(bucket, 'cas')).equals(v3));
      await assertS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'missing', Body: v1, IfMatch: ETag })),
        404,
        'NoSuchKey',
      );
    });
  }

  test('If-None-Match with an ETag on a write is NotImplemented (501), as in S3', async () => {
    await assertS3Error(
      s3.send(new PutObjectCommand({ Bucket: 'enc', Key: 'x', Body: 'x', IfNoneMatch: '"abc"' })),
      501,
      'NotImplemented',
    );
  });

  test('of racing create-only writes to one key exactly one wins; the others get 412 or 409', async () => {
    const bodies = [0, 1, 2, 3].map(() => randomBytes(2 * 1024 * 1024));
    const results = await Promise.allSettled(
      bodies.map((Body) =>
        s3.send(new PutObjectCommand({ Bucket: 'enc', Key: 'race', Body, IfNoneMatch: '*' })),
      ),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results) {
      if (r.status === 'rejected') {
        const e = r.reason as S3ServiceException;
        assert.ok([412, 409].includes(e.$metadata.httpStatusCode ?? 0), String(e));
      }
    }
    assert.ok((await read('enc', 'race')).equals(bodies[won[0]!]!));
  });
});
