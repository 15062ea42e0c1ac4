// NatsBackend against a real nats-server: buckets, objects of edge sizes, stock-client interoperability
// both ways, listing pages. Overwrites, failures, races, ranges and reads are in nats-backend-io.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { NatsBackend } from '../../src/storage/nats/backend.js';
import { chunkSubject, metaSubject } from '../../src/storage/nats/names.js';
import {
  collect,
  etagOf,
  expectS3Error,
  F,
  input,
  natsFixture,
  sha256Digest,
  type NatsFixture,
} from './nats-test-util.js';

describe('NatsBackend on nats-server', () => {
  let fx: NatsFixture;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let be: NatsBackend;
  const count = (bucket: string, filter: string) => fx.count(bucket, filter);

  before(async () => {
    fx = await natsFixture();
    ({ nc, jsm, be } = fx);
  });
  after(() => fx?.close());

  test('ready() answers', async () => {
    assert.equal(await be.ready(), true);
    assert.equal(be.isConnected(), true);
  });

  test('buckets: create, list (dots mapped, internal and foreign stores hidden), head, delete', async () => {
    const t0 = Date.now() - 1000;
    await be.createBucket('alpha');
    await be.createBucket('my.dotted.bucket');
    const si = await jsm.streams.info('OBJ_my_dotted_bucket');
    assert.deepEqual(si.config.subjects, ['$O.my_dotted_bucket.C.>', '$O.my_dotted_bucket.M.>']);
    assert.equal(si.config.allow_direct, true);
    assert.equal(si.config.allow_rollup_hdrs, true);
    assert.equal(si.config.discard, 'new');
    assert.equal(si.config.storage, 'file');
    // Made by other tools: internal, upper-case, and a plain stream.
    const objm = new Objm(nc);
    await objm.create('_jv_staging');
    await objm.create('Foreign_Store');
    await jsm.streams.add({ name: 'PLAIN', subjects: ['plain.>'] });

    const list = await be.listBuckets();
    assert.deepEqual(
      list.map((b) => b.name),
      ['alpha', 'my.dotted.bucket'],
    );
    for (const b of list) assert.ok(b.created.getTime() >= t0 && b.created.getTime() <= Date.now() + 1000);

    await be.headBucket('my.dotted.bucket');
    await expectS3Error(be.headBucket('missing-bucket'), 'NoSuchBucket');
    await expectS3Error(be.createBucket('alpha'), 'BucketAlreadyOwnedByYou');
    await expectS3Error(be.createBucket('Bad_Name'), 'InvalidBucketName');
    await expectS3Error(be.deleteBucket('missing-bucket'), 'NoSuchBucket');

    await be.putObject(input('my.dotted.bucket', 'k', randomBytes(10)));
    await expectS3Error(be.deleteBucket('my.dotted.bucket'), 'BucketNotEmpty');
    await be.deleteObject('my.dotted.bucket', 'k');
    await be.deleteBucket('my.dotted.bucket');
    await expectS3Error(be.headBucket('my.dotted.bucket'), 'NoSuchBucket');
    // The stock client opens what we create.
    await (await objm.open('alpha')).status();
  });

  test('racing creates: exactly one wins, the others get BucketAlreadyOwnedByYou', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => be.createBucket('race-bucket')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) {
      if (r.status === 'rejected')
        assert.equal((r.reason as { code?: string }).code, 'BucketAlreadyOwnedByYou');
    }
  });

  test('a bucket holding only stock-client tombstones is empty', async () => {
    await be.createBucket('tombstones');
    const os = await new Objm(nc).open('tombstones');
    await os.putBlob({ name: 'gone' }, new Uint8Array([1, 2, 3]));
    await os.delete('gone');
    await be.deleteBucket('tombstones');
  });

  describe('objects', () => {
    before(() => be.createBucket('objects'));

    for (const size of [0, 1, F - 1, F, F + 1, 3 * F + 7, 20 * 1024 * 1024]) {
      test(`size ${size}: put/head/get byte-exact, stock client reads it, frames as expected`, async () => {
        const key = `dir/obj-${size}`;
        const data = randomBytes(size);
        const put = await be.putObject(
          input('objects', key, data, {
            contentType: 'text/plain',
            userMetadata: { colour: 'blue', 'x-y': 'z w' },
          }),
        );
        assert.equal(put.size, size);
        assert.equal(put.etag, etagOf(data));
        const head = await be.headObject('objects', key);
        assert.equal(head.size, size);
        assert.equal(head.etag, etagOf(data));
        assert.equal(head.contentType, 'text/plain');
        assert.deepEqual(head.userMetadata, { colour: 'blue', 'x-y': 'z w' });
        assert.equal(head.lastModified.getTime(), put.lastModified.getTime());
        const got = await be.getObject('objects', key);
        assert.equal(got.info.etag, etagOf(data));
        assert.ok((await collect(got.body)).equals(data));

        const os = await new Objm(nc).open('objects');
        const info = await os.info(key);
        assert.equal(info?.size, size);
        assert.equal(info?.chunks, Math.ceil(size / F));
        assert.equal(info?.digest, sha256Digest(data));
        assert.equal(info?.headers?.get('Content-Type'), 'text/plain');
        const blob = await os.getBlob(key);
        assert.ok(blob !== null && Buffer.from(blob).equals(data));
        assert.equal(await count('objects', chunkSubject('objects', info!.nuid)), Math.ceil(size / F));

        await be.deleteObject('objects', key);
        await expectS3Error(be.headObject('objects', key), 'NoSuchKey');
        await expectS3Error(be.getObject('objects', key), 'NoSuchKey');
        assert.equal(await count('objects', chunkSubject('objects', info!.nuid)), 0);
        assert.equal(await count('objects', metaSubject('objects', key)), 0);
      });
    }

    test('missing keys and buckets map to NoSuchKey / NoSuchBucket, quickly', async () => {
      const t = Date.now();
      await expectS3Error(be.headObject('objects', 'nope'), 'NoSuchKey');
      await expectS3Error(be.getObject('objects', 'nope'), 'NoSuchKey');
      await be.deleteObject('objects', 'nope');
      await expectS3Error(be.headObject('no-such-bucket', 'k'), 'NoSuchBucket');
      await expectS3Error(be.getObject('no-such-bucket', 'k'), 'NoSuchBucket');
      await expectS3Error(be.deleteObject('no-such-bucket', 'k'), 'NoSuchBucket');
      await expectS3Error(be.putObject(input('no-such-bucket', 'k', randomBytes(5))), 'NoSuchBucket');
      await expectS3Error(
        be.listObjects({ bucket: 'no-such-bucket', prefix: '', delimiter: '', startAfter: '', maxKeys: 10 }),
        'NoSuchBucket',
      );
      assert.ok(Date.now() - t < 2000, 'no timeouts on the way');
    });

    test('objects written by the stock client read correctly, with a digest-derived ETag', async () => {
      const os = await new Objm(nc).open('objects');
      const data = randomBytes(5 * 131072 + 5);
      await os.putBlob({ name: 'stock' }, data);
      const head = await be.headObject('objects', 'stock');
      const sha = createHash('sha256').update(data).digest();
      assert.equal(head.etag, `"${sha.subarray(0, 16).toString('hex')}"`);
      assert.equal(head.contentType, 'application/octet-stream');
      assert.equal(head.size, data.length);
      assert.ok((await collect((await be.getObject('objects', 'stock')).body)).equals(data));
      for (const [s, e] of [
        [0, 0],
        [131071, 131072],
        [131072, 3 * 131072 + 1],
        [data.length - 1, data.length - 1],
      ] as const) {
        const r = await be.getObject('objects', 'stock', { start: s, end: e });
        assert.ok((await collect(r.body)).equals(data.subarray(s, e + 1)), `range ${s}-${e}`);
      }
      // The Go client's chunks follow its reader's reads, so foreign chunk sizes may vary: ranges count bytes.
      const js = jetstream(nc);
      const sizes = [10, 100_000, 5, 70_000, 1];
      const parts = sizes.map((n) => randomBytes(n));
      const whole = Buffer.concat(parts);
      for (const p of parts) await js.publish(chunkSubject('objects', 'GOSTYLENUID'), p);
      const h = headers();
      h.set('Nats-Rollup', 'sub');
      const goMeta = {
        name: 'go-style',
        bucket: 'objects',
        nuid: 'GOSTYLENUID',
        size: whole.length,
        chunks: parts.length,
        digest: sha256Digest(whole),
        mtime: new Date().toISOString(),
        options: { max_chunk_size: 128 * 1024 },
      };
      await js.publish(metaSubject('objects', 'go-style'), JSON.stringify(goMeta), { headers: h });
      assert.ok((await collect((await be.getObject('objects', 'go-style')).body)).equals(whole));
      for (const [s, e] of [
        [0, 9],
        [9, 10],
        [100_005, 100_010],
        [100_014, whole.length - 1],
        [3, whole.length + 100],
      ] as const) {
        const r = await be.getObject('objects', 'go-style', { start: s, end: e });
        assert.ok((await collect(r.body)).equals(whole.subarray(s, e + 1)), `go-style range ${s}-${e}`);
      }
      await os.putBlob({ name: 'stock-empty' }, new Uint8Array(0));
      assert.equal((await collect((await be.getObject('objects', 'stock-empty')).body)).length, 0);
    });

    test('listing: prefix, delimiter, start-after, max-keys pages in UTF-8 order', async () => {
      await be.createBucket('listing');
      const keys = ['a', 'b/1', 'b/2', 'b/3/x', 'c', 'd/e/f', 'z', 'é', '\u{1F600}', 'ｚ'];
      for (const k of keys) await be.putObject(input('listing', k, Buffer.from(k)));
      await be.putObject(input('listing', 'deleted', Buffer.from('x')));
      await be.deleteObject('listing', 'deleted');
      const os = await new Objm(nc).open('listing');
      await os.putBlob({ name: 'tomb' }, new Uint8Array([1]));
      await os.delete('tomb');
      const sorted = [...keys].sort((p, q) => Buffer.compare(Buffer.from(p), Buffer.from(q)));

      const all = await be.listObjects({
        bucket: 'listing',
        prefix: '',
        delimiter: '',
        startAfter: '',
        maxKeys: 1000,
      });
      assert.deepEqual(
        all.objects.map((o) => o.key),
        sorted,
      );
      assert.equal(all.isTruncated, false);
      const b1 = all.objects.find((o) => o.key === 'b/1')!;
      assert.equal(b1.size, 3);
      assert.equal(b1.etag, (await be.headObject('listing', 'b/1')).etag);

      const grouped = await be.listObjects({
        bucket: 'listing',
        prefix: '',
        delimiter: '/',
        startAfter: '',
        maxKeys: 1000,
      });
      assert.deepEqual(grouped.commonPrefixes, ['b/', 'd/']);
      assert.deepEqual(
        grouped.objects.map((o) => o.key),
        sorted.filter((k) => !k.includes('/')),
      );
      const inB = await be.listObjects({
        bucket: 'listing',
        prefix: 'b/',
        delimiter: '/',
        startAfter: '',
        maxKeys: 1000,
      });
      assert.deepEqual(
        inB.objects.map((o) => o.key),
        ['b/1', 'b/2'],
      );
      assert.deepEqual(inB.commonPrefixes, ['b/3/']);

      const paged: string[] = [];
      let startAfter = '';
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 10);
        const page = await be.listObjects({
          bucket: 'listing',
          prefix: '',
          delimiter: '/',
          startAfter,
          maxKeys: 3,
        });
        paged.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
        if (!page.isTruncated) break;
        startAfter = page.nextStartAfter!;
      }
      assert.deepEqual(
        paged.sort(),
        [...grouped.objects.map((o) => o.key), ...grouped.commonPrefixes].sort(),
      );

      const empty = await be.listObjects({
        bucket: 'alpha',
        prefix: '',
        delimiter: '',
        startAfter: '',
        maxKeys: 10,
      });
      assert.deepEqual(empty, {
        objects: [],
        commonPrefixes: [],
        isTruncated: false,
        nextStartAfter: undefined,
      });
    });
  });
});
