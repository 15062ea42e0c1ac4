// NatsBackend writes and reads under stress: overwrite and failed uploads leave no orphan frames, racing PUTs
// serialise, ranges at frame boundaries (also on interleaved frames), damaged or vanishing frames fail the
// read, and a slow reader keeps NATS reads bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { PutObjectInput } from '../../src/storage/backend.js';
import { NatsBackend } from '../../src/storage/nats/backend.js';
import { chunkSubject, metaSubject } from '../../src/storage/nats/names.js';
import { collect, F, input, natsFixture, sha256Digest, type NatsFixture } from './nats-test-util.js';

describe('NatsBackend writes and reads', () => {
  let fx: NatsFixture;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let be: NatsBackend;
  const count = (bucket: string, filter: string) => fx.count(bucket, filter);
  const chunkCount = (bucket: string) => fx.chunkCount(bucket);

  before(async () => {
    fx = await natsFixture();
    ({ nc, jsm, be } = fx);
    await be.createBucket('objects');
  });
  after(() => fx?.close());

  test('overwrite switches atomically and purges the old frames', async () => {
    const a = randomBytes(3 * F + 7);
    const b = randomBytes(F + 1);
    await be.putObject(input('objects', 'ow', a));
    await be.putObject(input('objects', 'ow', b));
    assert.ok((await collect((await be.getObject('objects', 'ow')).body)).equals(b));
    const os = await new Objm(nc).open('objects');
    const info = await os.info('ow');
    assert.equal(await count('objects', chunkSubject('objects', info!.nuid)), 2);
    await be.deleteObject('objects', 'ow');
  });

  test('a body that fails mid-way leaves the old object intact and no frames behind', async () => {
    await be.createBucket('failing');
    const old = randomBytes(2 * F + 3);
    await be.putObject(input('failing', 'k', old));
    const boom = new Error('client went away');
    const failing: PutObjectInput = {
      ...input('failing', 'k', Buffer.alloc(0)),
      body: (async function* () {
        yield randomBytes(F + 100);
        yield randomBytes(F);
        throw boom;
      })(),
    };
    await assert.rejects(be.putObject(failing), (e) => e === boom);
    assert.ok((await collect((await be.getObject('failing', 'k')).body)).equals(old));
    assert.equal(await chunkCount('failing'), 3);
  });

  test('concurrent PUTs to one key: one winner, no orphans', async () => {
    await be.createBucket('racing');
    const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(F * (i % 3) + 1000 * i + 1));
    await Promise.all(bodies.map((b) => be.putObject(input('racing', 'hot', b))));
    const got = await collect((await be.getObject('racing', 'hot')).body);
    const winner = bodies.find((b) => b.equals(got));
    assert.ok(winner !== undefined);
    assert.equal(await chunkCount('racing'), Math.ceil(winner.length / F));
    assert.equal(await count('racing', '$O.racing.M.>'), 1);
  });

  test('ranges at frame boundaries ±1, including on interleaved frames', async () => {
    await be.createBucket('ranges');
    const data = randomBytes(3 * F + 7);
    await be.putObject(input('ranges', 'r', data));
    // Two PUTs fed in lock-step interleave their frames in the stream: the frame index has several runs.
    const x = randomBytes(4 * F + 9);
    const y = randomBytes(4 * F + 11);
    const slow = await NatsBackend.fromConnection(nc, { maxInFlight: 1 });
    await Promise.all([
      slow.putObject(input('ranges', 'x', x, { chunk: F })),
      slow.putObject(input('ranges', 'y', y, { chunk: F })),
    ]);
    const meta = await jsm.direct.getMessage('OBJ_ranges', { last_by_subj: metaSubject('ranges', 'x') });
    const frames = (meta!.json() as { metadata: Record<string, string> }).metadata['jetvault.frames']!;
    assert.ok(frames.includes(','), `interleaved frames index: ${frames}`);
    const cases: Array<[number, number]> = [
      [0, 0],
      [0, F - 1],
      [0, F],
      [F - 1, F],
      [F, F],
      [F + 1, 2 * F - 1],
      [F - 1, 2 * F + 1],
      [2 * F, 3 * F],
      [3 * F - 1, 3 * F + 6],
      [3 * F + 6, 3 * F + 6],
      [5, 3 * F + 6],
      [2 * F, 10 * F],
    ];
    for (const [key, buf] of [
      ['r', data],
      ['x', x],
      ['y', y],
    ] as const) {
      for (const [s, e] of cases) {
        if (s >= buf.length) continue;
        const r = await be.getObject('ranges', key, { start: s, end: e });
        const want = buf.subarray(s, Math.min(e, buf.length - 1) + 1);
        assert.ok((await collect(r.body)).equals(want), `${key} range ${s}-${e}`);
      }
      assert.ok((await collect((await be.getObject('ranges', key)).body)).equals(buf));
    }
  });

  test('damaged objects fail the read: missing frames, extra frames, wrong digest', async () => {
    await be.createBucket('damaged');
    const js = jetstream(nc);
    const os = await new Objm(nc).open('damaged');
    for (const damage of ['missing', 'extra', 'digest'] as const) {
      const data = randomBytes(2 * F + 1);
      await be.putObject(input('damaged', damage, data));
      const info = (await os.info(damage))!;
      const subj = chunkSubject('damaged', info.nuid);
      if (damage === 'missing') await jsm.streams.purge('OBJ_damaged', { filter: subj });
      if (damage === 'extra') await js.publish(subj, randomBytes(10));
      if (damage === 'digest') {
        const m = await jsm.direct.getMessage('OBJ_damaged', {
          last_by_subj: metaSubject('damaged', damage),
        });
        const meta = m!.json() as Record<string, unknown>;
        meta.digest = sha256Digest(randomBytes(4));
        const h = headers();
        h.set('Nats-Rollup', 'sub');
        await js.publish(metaSubject('damaged', damage), JSON.stringify(meta), { headers: h });
      }
      await assert.rejects(
        (async () => collect((await be.getObject('damaged', damage)).body))(),
        /frames|digest/,
        damage,
      );
    }
  });

  test('frames purged under a running read (overwrite, delete) fail it instead of hanging', async () => {
    await be.createBucket('vanish');
    const quick = await NatsBackend.fromConnection(nc, { readAheadBytes: 2 * F, stallCheckMs: 100 });
    await quick.putObject(input('vanish', 'k', randomBytes(32 * F)));
    const r = await quick.getObject('vanish', 'k');
    const it = r.body[Symbol.asyncIterator]();
    await it.next();
    await quick.putObject(input('vanish', 'k', randomBytes(10)));
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 32; i++) await it.next();
      })(),
      /vanished/,
    );
    await new Promise((res) => setTimeout(res, 100));
    assert.equal((await jsm.consumers.list('OBJ_vanish').next()).length, 0);
  });

  test('a slow reader keeps NATS reads bounded; stopping early releases the consumer', async () => {
    await be.createBucket('slow');
    const readAheadFrames = 4;
    const slow = await NatsBackend.fromConnection(nc, { readAheadBytes: readAheadFrames * F });
    const data = randomBytes(64 * F);
    await slow.putObject(input('slow', 'big', data));
    const r = await slow.getObject('slow', 'big');
    const it = r.body[Symbol.asyncIterator]();
    let consumed = 0;
    const delivered = async () => {
      const cis = await jsm.consumers.list('OBJ_slow').next();
      assert.equal(cis.length, 1);
      return cis[0]!.delivered.consumer_seq;
    };
    for (let i = 0; i < 5; i++) {
      await it.next();
      consumed++;
      await new Promise((res) => setTimeout(res, 200)); // time for the server to push whatever it would
      const d = await delivered();
      assert.ok(d <= consumed + readAheadFrames + 2, `delivered ${d} after consuming ${consumed}`);
    }
    await it.return!();
    await new Promise((res) => setTimeout(res, 200));
    assert.equal((await jsm.consumers.list('OBJ_slow').next()).length, 0);
    // The same read to the end still verifies.
    assert.ok((await collect((await slow.getObject('slow', 'big')).body)).equals(data));
    // return() before the first next() releases too.
    const unread = await slow.getObject('slow', 'big');
    await unread.body[Symbol.asyncIterator]().return!();
    await new Promise((res) => setTimeout(res, 200));
    assert.equal((await jsm.consumers.list('OBJ_slow').next()).length, 0);
  });
});
