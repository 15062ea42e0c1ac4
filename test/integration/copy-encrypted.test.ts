// CopyObject between encrypted buckets moves the stored frames without decrypting them (docs/format.md §9):
// the copy's frames are the source's ciphertext byte for byte, its envelope is bound to the new name, it
// reads back exactly, survives the source's deletion, and keeps tags, metadata directives and the ETag.
// Into a plaintext bucket (or between different compression policies) the copy streams plaintext instead.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway, type Gateway } from '../helpers/gateway.js';

const F = 65536;

describe('CopyObject of encrypted objects', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let s3: S3Client;
  let nc: NatsConnection;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: [
        '--frame-size',
        String(F),
        '--plaintext-buckets',
        'copy-plain',
        '--compress-buckets',
        'copy-zst',
      ],
    });
    s3 = s3Client(gw.endpoint);
    nc = await connect({ servers: nats.url });
    for (const b of ['copy-a', 'copy-b', 'copy-plain', 'copy-zst'])
      await s3.send(new CreateBucketCommand({ Bucket: b }));
  });
  after(async () => {
    s3?.destroy();
    await nc?.close();
    await gw?.cleanup();
    await nats?.stop();
  });

  const read = async (Bucket: string, Key: string): Promise<Buffer> =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray());
  const stored = async (bucket: string, key: string): Promise<Buffer> =>
    Buffer.from((await (await new Objm(nc).open(bucket)).getBlob(key))!);

  test('the copy holds the same ciphertext frames, opens under its new name, and outlives the source', async () => {
    const body = randomBytes(5 * F + 17);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'copy-a',
        Key: 'src',
        Body: body,
        Metadata: { m: '1' },
        Tagging: 't=1',
      }),
    );
    for (const [Bucket, Key] of [
      ['copy-a', 'same-bucket'],
      ['copy-b', 'other bucket/+key'],
    ] as const) {
      const r = await s3.send(
        new CopyObjectCommand({ Bucket, Key, CopySource: `copy-a/${encodeURIComponent('src')}` }),
      );
      assert.equal(r.CopyObjectResult?.ETag, put.ETag);
      assert.ok((await read(Bucket, Key)).equals(body));
      // Byte-identical ciphertext: nothing was decrypted and encrypted again. (The stock nats.js client is
      // used to look: it names non-ASCII keys by their Latin-1 bytes, not UTF-8 as Go and jetvault do, so
      // these keys are ASCII.)
      assert.ok((await stored(Bucket, Key)).equals(await stored('copy-a', 'src')));
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.Metadata?.['m'], '1');
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket, Key }));
      assert.deepEqual(tags.TagSet, [{ Key: 't', Value: '1' }]);
      const range = await s3.send(new GetObjectCommand({ Bucket, Key, Range: `bytes=${F - 1}-${3 * F}` }));
      assert.ok(
        Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(F - 1, 3 * F + 1)),
      );
    }
    await s3.send(new CopyObjectCommand({ Bucket: 'copy-b', Key: 'ünïcode ✓', CopySource: 'copy-a/src' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'copy-a', Key: 'src' }));
    assert.ok((await read('copy-b', 'other bucket/+key')).equals(body));
    assert.ok((await read('copy-b', 'ünïcode ✓')).equals(body));
    assert.ok((await read('copy-a', 'same-bucket')).equals(body));
  });

  test('copy onto itself with REPLACE changes the metadata and keeps the bytes', async () => {
    const body = randomBytes(2 * F);
    await s3.send(new PutObjectCommand({ Bucket: 'copy-a', Key: 'self', Body: body, ContentType: 'a/b' }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'copy-a',
        Key: 'self',
        CopySource: 'copy-a/self',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'copy-a', Key: 'self' }));
    assert.equal(head.ContentType, 'text/plain');
    assert.ok((await read('copy-a', 'self')).equals(body));
  });

  test('into a plaintext bucket, or across compression policies, the copy is re-encoded', async () => {
    const body = Buffer.alloc(3 * F + 5, 'compressible text ');
    await s3.send(new PutObjectCommand({ Bucket: 'copy-a', Key: 'text', Body: body }));
    await s3.send(new CopyObjectCommand({ Bucket: 'copy-plain', Key: 'text', CopySource: 'copy-a/text' }));
    assert.ok((await stored('copy-plain', 'text')).equals(body), 'a plaintext bucket holds the plaintext');
    await s3.send(new CopyObjectCommand({ Bucket: 'copy-zst', Key: 'text', CopySource: 'copy-a/text' }));
    assert.ok((await stored('copy-zst', 'text')).length < body.length / 4, 'compressed on the way in');
    assert.ok((await read('copy-zst', 'text')).equals(body));
    await s3.send(
      new CopyObjectCommand({ Bucket: 'copy-b', Key: 'from-plain', CopySource: 'copy-plain/text' }),
    );
    assert.ok((await read('copy-b', 'from-plain')).equals(body));
    assert.equal((await stored('copy-b', 'from-plain')).indexOf(body.subarray(0, 40)), -1);
  });
});
