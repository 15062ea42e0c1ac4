// NatsBackend on encrypted buckets (src/storage/nats/sealed.ts): frames of PUTs that run at once interleave
// in the stream and the envelope's sequence gaps still lead every range to its frames; a failed upload
// leaves the old object and no frames; an overwrite purges the old frames; a read stopped early releases
// its consumer; frames purged under a read fail it; every object is ciphertext at rest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { PutObjectInput } from '../../src/storage/backend.js';
import { NatsBackend, type NatsBackendSettings } from '../../src/storage/nats/backend.js';
import { chunkSubject } from '../../src/storage/nats/names.js';
import { createCryptoPool, type CryptoPool } from '../../src/pool/pool.js';
import { ObjectKeys } from '../../src/keys/envelope.js';
import { DekCache } from '../../src/keys/dek-cache.js';
import { LocalKekProvider } from '../../src/keys/local.js';
import { bucketPolicy } from '../../src/storage/policy.js';
import { envelopeFromMeta, parseEnvelope } from '../../src/crypto/format.js';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { collect, input } from './nats-test-util.js';

const F = 65_536;

describe('NatsBackend, encrypted buckets', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let pool: CryptoPool;
  let keys: ObjectKeys;
  let be: NatsBackend;
  const backend = (o: NatsBackendSettings = {}) =>
    NatsBackend.fromConnection(nc, {
      frameSize: F,
      ...o,
      crypto: { pool, keys, policy: bucketPolicy({ plaintextBuckets: [], compressBuckets: [] }) },
    });
  const chunks = async (bucket: string) => {
    const si = await jsm.streams.info(`OBJ_${bucket}`, { subjects_filter: `$O.${bucket}.C.>` });
    return Object.values(si.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  };
  const consumers = async (bucket: string) => (await jsm.consumers.list(`OBJ_${bucket}`).next()).length;

  before(async () => {
    server = await startTestNatsServer();
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    pool = createCryptoPool({ threads: 2 });
    const kek = new LocalKekProvider('local', 1, new Map([[1, new Uint8Array(randomBytes(32))]]));
    keys = new ObjectKeys({ writer: kek, cache: new DekCache() });
    be = await backend();
  });
  after(async () => {
    await be?.close();
    await pool?.close();
    await nc?.drain();
    await server?.stop();
  });

  test('interleaved PUTs: the envelope records the sequence gaps and every range reads exact', async () => {
    await be.createBucket('ranges');
    // Other messages land in the stream while each PUT runs (as other PUTs' frames would), so the frames
    // of one object do not have consecutive sequences.
    const js = jetstream(nc);
    const interleaved = (key: string, data: Buffer): PutObjectInput => ({
      ...input('ranges', key, data),
      body: (async function* () {
        for (let off = 0; off < data.length; off += F) {
          yield data.subarray(off, Math.min(off + F, data.length));
          if ((off / F) % 8 === 7) await js.publish('$O.ranges.C.other', randomBytes(100));
        }
      })(),
    });
    const x = randomBytes(39 * F + 9);
    const y = randomBytes(39 * F + 11);
    await Promise.all([be.putObject(interleaved('x', x)), be.putObject(interleaved('y', y))]);
    const os = await new Objm(nc).open('ranges');
    for (const [key, buf] of [
      ['x', x],
      ['y', y],
    ] as const) {
      const info = (await os.info(key))!;
      const env = parseEnvelope(envelopeFromMeta(info.metadata!['jetvault.env']!)).envelope;
      assert.equal(env.frames, 40);
      assert.ok(env.seqGaps.length > 0, `${key}: frames of the two PUTs interleaved`);
      const cases: Array<[number, number]> = [
        [0, 0],
        [F - 1, F],
        [F, F],
        [3 * F - 1, 7 * F + 1],
        [0, 9 * F + 8],
      ];
      for (let k = 1; k <= 9; k++) cases.push([k * F - 1, k * F], [k * F + 1, k * F + 1]);
      cases.push([2, 20 * F]);
      for (const [s, e] of cases) {
        const r = await be.getObject('ranges', key, { start: s, end: e });
        const want = buf.subarray(s, Math.min(e, buf.length - 1) + 1);
        assert.ok((await collect(r.body)).equals(want), `${key} range ${s}-${e}`);
        assert.equal(r.info.size, buf.length);
      }
      assert.ok((await collect((await be.getObject('ranges', key)).body)).equals(buf));
      // At rest: ciphertext, with 24 bytes of framing per frame.
      const stored = Buffer.from((await os.getBlob(key))!);
      assert.equal(stored.length, buf.length + 40 * 24);
      assert.equal(stored.indexOf(buf.subarray(100, 140)), -1);
    }
  });

  test('a body that fails mid-way leaves the old object intact and no frames behind', async () => {
    await be.createBucket('failing');
    const old = randomBytes(2 * F + 3);
    await be.putObject(input('failing', 'k', old));
    const boom = new Error('client went away');
    const failing: PutObjectInput = {
      ...input('failing', 'k', Buffer.alloc(0)),
      body: (async function* () {
        yield randomBytes(20 * F + 100);
        throw boom;
      })(),
    };
    await assert.rejects(be.putObject(failing), (e) => e === boom);
    assert.ok((await collect((await be.getObject('failing', 'k')).body)).equals(old));
    assert.equal(await chunks('failing'), 3);
  });

  test('an overwrite purges the old frames; an empty object is one frame', async () => {
    await be.createBucket('overwrite');
    await be.putObject(input('overwrite', 'k', randomBytes(5 * F)));
    await be.putObject(input('overwrite', 'k', Buffer.alloc(0)));
    assert.equal((await collect((await be.getObject('overwrite', 'k')).body)).length, 0);
    assert.equal((await be.headObject('overwrite', 'k')).size, 0);
    assert.equal(await chunks('overwrite'), 1);
    const nuid = (await (await new Objm(nc).open('overwrite')).info('k'))!.nuid;
    const subject = chunkSubject('overwrite', nuid);
    const si = await jsm.streams.info('OBJ_overwrite', { subjects_filter: subject });
    assert.equal(si.state.subjects?.[subject], 1);
  });

  test('a read stopped early releases its consumer; frames purged under a read fail it', async () => {
    await be.createBucket('reads');
    const data = randomBytes(64 * F);
    await be.putObject(input('reads', 'big', data));
    const r = await be.getObject('reads', 'big');
    const it = r.body[Symbol.asyncIterator]();
    await it.next();
    await it.return!();
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(await consumers('reads'), 0);

    const quick = await backend({ readAheadBytes: 2 * F, stallCheckMs: 100 });
    const v = await quick.getObject('reads', 'big');
    const vi = v.body[Symbol.asyncIterator]();
    await vi.next();
    await quick.putObject(input('reads', 'big', randomBytes(10)));
    await assert.rejects(async () => {
      for (let i = 0; i < 64; i++) if ((await vi.next()).done) break;
    });
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(await consumers('reads'), 0);
    await quick.close();
  });
});
