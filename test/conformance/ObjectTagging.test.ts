// Put/Get/DeleteObjectTagging and x-amz-tagging with @aws-sdk/client-s3 through the real gateway on a real
// nats-server, in an encrypted and a plaintext bucket: round trips, S3's limits (InvalidTag), unicode and
// symbols, the tag count on GET, tags kept by an overwrite's absence and by CopyObject (COPY / REPLACE),
// NoSuchKey, and tags that never change the object's bytes, ETag or Last-Modified.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway, type Gateway } from '../helpers/gateway.js';
import { assertS3Error } from '../helpers/s3-errors.js';
import { signedFetch } from '../helpers/signed-fetch.js';

describe('object tagging', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let s3: S3Client;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: ['--plaintext-buckets', 'tags-plain'],
    });
    s3 = s3Client(gw.endpoint);
    for (const b of ['tags-enc', 'tags-plain']) await s3.send(new CreateBucketCommand({ Bucket: b }));
  });
  after(async () => {
    s3?.destroy();
    await gw?.cleanup();
    await nats?.stop();
  });

  const tagsOf = async (Bucket: string, Key: string): Promise<Tag[]> =>
    (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet ?? [];

  for (const Bucket of ['tags-enc', 'tags-plain']) {
    test(`${Bucket}: put, get and delete a tag set; the object itself does not change`, async () => {
      const body = randomBytes(70_000);
      const Key = 'dir/ümlaut +key';
      const put = await s3.send(
        new PutObjectCommand({ Bucket, Key, Body: body, Tagging: 'a=1&b=two%20words' }),
      );
      assert.deepEqual(await tagsOf(Bucket, Key), [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: 'two words' },
      ]);
      const before = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      const TagSet = [
        { Key: 'project', Value: 'jetvault' },
        { Key: 'ünïcode key', Value: 'välue +-=._:/@' },
        { Key: 'empty', Value: '' },
      ];
      await s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet } }));
      assert.deepEqual(await tagsOf(Bucket, Key), TagSet);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
      assert.equal(got.TagCount, 3);
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
      const after = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      assert.equal(after.ETag, put.ETag);
      assert.equal(after.LastModified?.getTime(), before.LastModified?.getTime());
      await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key }));
      assert.deepEqual(await tagsOf(Bucket, Key), []);
      const untagged = await s3.send(new GetObjectCommand({ Bucket, Key }));
      assert.equal(untagged.TagCount, undefined);
      assert.ok(Buffer.from(await untagged.Body!.transformToByteArray()).equals(body));
    });
  }

  test("S3's limits: more than 10 tags, long keys or values, duplicates, aws: prefix are InvalidTag", async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags-enc', Key: 'limits', Body: 'x' }));
    const put = (TagSet: Tag[]) =>
      s3.send(new PutObjectTaggingCommand({ Bucket: 'tags-enc', Key: 'limits', Tagging: { TagSet } }));
    const ten = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await put(ten);
    await assertS3Error(put([...ten, { Key: 'k10', Value: 'v' }]), 400, 'InvalidTag');
    await put([{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
    await assertS3Error(put([{ Key: 'k'.repeat(129), Value: 'v' }]), 400, 'InvalidTag');
    await assertS3Error(put([{ Key: 'k', Value: 'v'.repeat(257) }]), 400, 'InvalidTag');
    await assertS3Error(
      put([
        { Key: 'same', Value: '1' },
        { Key: 'same', Value: '2' },
      ]),
      400,
      'InvalidTag',
    );
    await assertS3Error(put([{ Key: 'aws:reserved', Value: '1' }]), 400, 'InvalidTag');
    await assertS3Error(put([{ Key: 'bad*char', Value: '1' }]), 400, 'InvalidTag');
    await assertS3Error(
      s3.send(new PutObjectCommand({ Bucket: 'tags-enc', Key: 'limits2', Body: 'x', Tagging: 'a=1&a=2' })),
      400,
      'InvalidTag',
    );
    // A refused tagging leaves the last good set; a refused PUT stores nothing.
    assert.equal((await tagsOf('tags-enc', 'limits')).length, 1);
    await assertS3Error(
      s3.send(new HeadObjectCommand({ Bucket: 'tags-enc', Key: 'limits2' })),
      404,
      'NotFound',
    );
  });

  test('tagging a missing key is NoSuchKey; a tagging body without Content-MD5 or checksum is refused', async () => {
    await assertS3Error(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'tags-enc',
          Key: 'nope',
          Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
        }),
      ),
      404,
      'NoSuchKey',
    );
    await assertS3Error(
      s3.send(new GetObjectTaggingCommand({ Bucket: 'tags-enc', Key: 'nope' })),
      404,
      'NoSuchKey',
    );
    await s3.send(new PutObjectCommand({ Bucket: 'tags-enc', Key: 'raw', Body: 'x' }));
    const xml = '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>';
    const r = await signedFetch(gw.endpoint, 'PUT', '/tags-enc/raw', {
      query: { tagging: '' },
      body: Buffer.from(xml),
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>InvalidRequest<\/Code>/);
    const broken = Buffer.from('<Tagging><TagSet><Tag><Key>a</Key>');
    const bad = await signedFetch(gw.endpoint, 'PUT', '/tags-enc/raw', {
      query: { tagging: '' },
      body: broken,
      headers: { 'content-md5': createHash('md5').update(broken).digest('base64') },
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<Code>MalformedXML<\/Code>/);
    assert.deepEqual(await tagsOf('tags-enc', 'raw'), []);
  });

  test('CopyObject copies the tags by default and replaces them with x-amz-tagging-directive REPLACE', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'tags-enc', Key: 'src', Body: 'data', Tagging: 'color=blue' }),
    );
    await s3.send(new CopyObjectCommand({ Bucket: 'tags-plain', Key: 'copied', CopySource: 'tags-enc/src' }));
    assert.deepEqual(await tagsOf('tags-plain', 'copied'), [{ Key: 'color', Value: 'blue' }]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'tags-enc',
        Key: 'replaced',
        CopySource: 'tags-enc/src',
        TaggingDirective: 'REPLACE',
        Tagging: 'size=large',
      }),
    );
    assert.deepEqual(await tagsOf('tags-enc', 'replaced'), [{ Key: 'size', Value: 'large' }]);
    // An overwrite without x-amz-tagging has no tags, as in S3.
    await s3.send(new PutObjectCommand({ Bucket: 'tags-enc', Key: 'src', Body: 'new' }));
    assert.deepEqual(await tagsOf('tags-enc', 'src'), []);
  });
});
