// Damage at rest: someone with access to NATS deletes, alters, moves or truncates frame messages, or
// rewrites, swaps or strips metas, under a running gateway (node engine, F = 64 KiB). The gateway must
// never return wrong bytes: damage in the first frame a GET reads is a 500 InternalError before any
// status line; damage later may let a 200 start, but then the body fails (the connection is aborted or
// comes up short) and every byte received is the true object's. HEAD of a damaged envelope or meta is a
// 500. Ranges that touch only undamaged frames may succeed, byte-exact. After every case the gateway still
// serves its other objects.
import { describe, test, before, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { readAll } from '../helpers/raw-body.js';
import { metaSubject } from '../../src/storage/nats/names.js';
import { flipped, StreamTamper, type MetaJson, type StoredMessage } from '../helpers/nats-tamper.js';

const F = 64 * 1024;
const MiB = 1024 * 1024;
/**
 * What the gateway authenticates before it sends a status line: the first frame it reads (a GET opens that
 * frame alone, so its first byte does not wait for a whole batch).
 */
const FIRST_BATCH_FRAMES = 1;
const SMALL = 3 * F + 1; // 4 frames: read with direct gets
const BIG = 6 * MiB; // 96 frames: read with a consumer
const ENV = 'jetvault.env';
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

type Outcome = 'exact' | 'refused' | 'aborted' | 'short';

interface Range {
  start: number;
  end: number;
}

describe('tampering with the stream under a running gateway', () => {
  let nats: TestNatsServer;
  let gw: Gateway;
  let nt: StreamTamper;
  const control = randomBytes(2 * MiB + 5);

  const put = async (bucket: string, key: string, size: number): Promise<Buffer> => {
    const body = randomBytes(size);
    const r = await signedFetch(gw.endpoint, 'PUT', `/${bucket}/${key}`, { body });
    assert.equal(r.status, 200, await r.text());
    return body;
  };

  const get = (bucket: string, key: string, range?: Range) =>
    signedFetch(gw.endpoint, 'GET', `/${bucket}/${key}`, {
      headers: range ? { range: `bytes=${range.start}-${range.end}` } : {},
    });

  /** A 500 InternalError, answered before any 2xx. */
  const assertRefused = async (r: Response, what: string): Promise<void> => {
    assert.equal(r.status, 500, `${what}: status`);
    assert.match(await r.text(), /<Code>InternalError<\/Code>/, what);
  };

  /**
   * The read of `truth` (the true bytes of the range asked for) must not succeed, and must not return
   * a wrong byte: a 500 before the status, or a 2xx whose body fails or is short but is a true prefix.
   */
  const assertFails = async (r: Response, truth: Buffer, what: string): Promise<Outcome> => {
    if (r.status === 500) {
      assert.match(await r.text(), /<Code>InternalError<\/Code>/, what);
      return 'refused';
    }
    assert.ok(r.status === 200 || r.status === 206, `${what}: status ${r.status}`);
    const { bytes, error } = await readAll(r);
    assert.ok(bytes.equals(truth.subarray(0, bytes.length)), `${what}: a received byte is wrong`);
    assert.ok(
      error !== undefined || bytes.length < truth.length,
      `${what}: the damaged read completed (${bytes.length} bytes)`,
    );
    return error !== undefined ? 'aborted' : 'short';
  };

  /** A read that touches no damaged frame: byte-exact, or refused (never wrong, never short and "fine"). */
  const assertExactOrFails = async (r: Response, truth: Buffer, what: string): Promise<Outcome> => {
    if (r.status === 500) return assertFails(r, truth, what);
    const { bytes, error } = await readAll(r);
    assert.ok(bytes.equals(truth.subarray(0, bytes.length)), `${what}: a received byte is wrong`);
    if (error === undefined && bytes.length === truth.length) return 'exact';
    return error !== undefined ? 'aborted' : 'short';
  };

  /** The whole object, a range in damaged frame `k`, and ranges away from it (which may be served). */
  const checkReads = async (
    t: TestContext,
    bucket: string,
    key: string,
    body: Buffer,
    damaged: number[],
  ): Promise<void> => {
    const what = `${bucket}/${key} (frames ${damaged.join(',')} damaged)`;
    const first = Math.min(...damaged);
    const full = await get(bucket, key);
    if (first < FIRST_BATCH_FRAMES) await assertRefused(full, `${what}: full GET`);
    else t.diagnostic(`${what}: full GET ${await assertFails(full, body, `${what}: full GET`)}`);
    for (const k of damaged) {
      const end = Math.min(body.length, (k + 1) * F) - 1;
      const range = { start: Math.min(k * F + 7, end), end };
      const r = await get(bucket, key, range);
      // A range starting in the damaged frame: its first batch is that frame, so it is refused.
      await assertRefused(r, `${what}: range in frame ${k}`);
    }
    const frames = Math.ceil(body.length / F);
    const clean = [...Array(frames).keys()].filter((i) => !damaged.includes(i));
    // A short range and a long one (a consumer) within undamaged frames.
    const ranges: Range[] = [];
    const lo = clean[0];
    if (lo !== undefined) ranges.push({ start: lo * F + 1, end: Math.min(body.length, lo * F + 100) - 1 });
    const run = longestRun(clean);
    if (run.length >= 6) ranges.push({ start: run[0]! * F + 3, end: (run[run.length - 1]! + 1) * F - 2 });
    for (const range of ranges) {
      const r = await get(bucket, key, range);
      const outcome = await assertExactOrFails(
        r,
        body.subarray(range.start, range.end + 1),
        `${what}: clean range ${range.start}-${range.end}`,
      );
      t.diagnostic(`${what}: clean range ${range.start}-${range.end}: ${outcome}`);
    }
  };

  /** The gateway is alive and serves an undamaged object byte-exact. */
  const assertStillServing = async (): Promise<void> => {
    assert.equal(gw.process.exitCode, null, 'the gateway exited');
    assert.doesNotMatch(gw.output(), /unhandled|uncaught/i);
    const r = await get('vault', 'control');
    assert.equal(r.status, 200);
    const { bytes, error } = await readAll(r);
    assert.equal(error, undefined);
    assert.ok(bytes.equals(control), 'the control object differs');
    const h = await signedFetch(gw.endpoint, 'HEAD', '/vault/control');
    assert.equal(h.headers.get('etag'), `"${md5(control)}"`);
  };

  const headStatus = async (bucket: string, key: string): Promise<Response> =>
    signedFetch(gw.endpoint, 'HEAD', `/${bucket}/${key}`);

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url, args: ['--frame-size', String(F)] });
    nt = await StreamTamper.connect(nats.url);
    assert.equal((await signedFetch(gw.endpoint, 'PUT', '/vault')).status, 200);
    const r = await signedFetch(gw.endpoint, 'PUT', '/vault/control', { body: control });
    assert.equal(r.status, 200);
  });
  after(async () => {
    if (process.env.TAMPER_LOG) console.log(gw?.output());
    await nt?.close();
    await gw?.cleanup();
    await nats?.stop();
  });

  // (a) A frame message deleted.
  for (const [size, label] of [
    [SMALL, 'a 4-frame object'],
    [BIG, 'a 6 MiB object'],
  ] as const) {
    const frames = Math.ceil(size / F);
    for (const [k, where] of [
      [0, 'first'],
      [size === BIG ? 40 : 2, 'middle'],
      [frames - 1, 'last'],
    ] as const) {
      test(`(a) the ${where} frame of ${label} deleted`, async (t) => {
        const key = `a-${size}-${where}`;
        const body = await put('vault', key, size);
        const l = await nt.layout('vault', key);
        assert.equal(l.frameSeqs.length, frames);
        await nt.deleteSeq(l.stream, l.frameSeqs[k]!);
        // The meta is intact: HEAD answers from it.
        const h = await headStatus('vault', key);
        assert.equal(h.status, 200);
        assert.equal(h.headers.get('content-length'), String(size));
        await checkReads(t, 'vault', key, body, [k]);
        await assertStillServing();
      });
    }
  }

  // (b) A frame altered: a copy with one byte flipped, published on the object's own chunk subject, the
  // original deleted. It now sits at a later sequence than the envelope recorded.
  for (const [k, at] of [
    [0, 8 + 100],
    [5, 8 + 5],
    [40, 8 + F - 1],
    [95, 8 + 100],
  ] as const) {
    test(`(b) frame ${k} of a 6 MiB object altered and republished on its subject`, async (t) => {
      const key = `b-${k}`;
      const body = await put('vault', key, BIG);
      const l = await nt.layout('vault', key);
      const frame = await nt.message(l.stream, l.frameSeqs[k]!);
      await nt.publish(l.chunkSubject, flipped(frame.data, at));
      await nt.deleteSeq(l.stream, frame.seq);
      assert.equal((await headStatus('vault', key)).status, 200);
      await checkReads(t, 'vault', key, body, [k]);
      await assertStillServing();
    });
  }

  // (b') The same, but in place: the stream rebuilt so the altered frame has exactly the original's
  // sequence; only the frame's authentication can catch it. Restoring the stream makes the object whole.
  for (const [k, at, part] of [
    [0, 1, 'header flags'],
    [0, 7, 'header index'],
    [3, 8 + 1234, 'ciphertext'],
    [40, 8 + 77, 'ciphertext'],
    [95, -1, 'tag'],
  ] as const) {
    test(`(b') frame ${k} of a 6 MiB object altered in place (${part})`, async (t) => {
      const bucket = `forge-b-${k}-${at < 0 ? 'tag' : at}`;
      assert.equal((await signedFetch(gw.endpoint, 'PUT', `/${bucket}`)).status, 200);
      const body = await put(bucket, 'obj', BIG);
      const l = await nt.layout(bucket, 'obj');
      const original = await nt.snapshot(l.stream);
      const forged = original.map((m): StoredMessage => {
        if (m.seq !== l.frameSeqs[k]) return m;
        return { ...m, data: flipped(m.data, at < 0 ? m.data.length - 1 : at) };
      });
      await nt.rebuild(l.stream, forged);
      assert.equal((await headStatus(bucket, 'obj')).status, 200);
      await checkReads(t, bucket, 'obj', body, [k]);
      await assertStillServing();
      await nt.rebuild(l.stream, original);
      const r = await get(bucket, 'obj');
      assert.equal(r.status, 200);
      assert.ok((await readAll(r)).bytes.equals(body), 'the restored object differs');
    });
  }

  // (c) Two keys' metas swapped: each key now names the other's frames and envelope. The meta JSON also
  // carries the other key's `name`, and the envelope's MAC is bound to that name.
  // Such a meta would authenticate for its own name: the gateway refuses a meta whose name is not the key
  // it was read for.

  /** What went wrong reading `key`, whose true bytes are gone, while `other` must never come back. */
  const servedInstead = async (key: string, other: Buffer): Promise<string[]> => {
    const wrong: string[] = [];
    const h = await headStatus('vault', key);
    if (h.status !== 500) wrong.push(`HEAD ${key}: ${h.status}, ETag ${h.headers.get('etag')}`);
    if (h.headers.get('etag') === `"${md5(other)}"`) wrong.push(`HEAD ${key}: the other key's ETag`);
    const r = await get('vault', key);
    if (r.status !== 500) {
      const { bytes } = await readAll(r);
      wrong.push(`GET ${key}: ${r.status} with ${bytes.length} bytes`);
      if (bytes.equals(other)) wrong.push(`GET ${key}: the other key's object, byte for byte`);
    } else {
      assert.match(await r.text(), /<Code>InternalError<\/Code>/);
    }
    return wrong;
  };

  test('(c) the metas of two keys swapped: HEAD and GET of both fail, never the other one', async () => {
    const a = await put('vault', 'c-a', SMALL);
    const b = await put('vault', 'c-b', 2 * SMALL);
    const la = await nt.layout('vault', 'c-a');
    const lb = await nt.layout('vault', 'c-b');
    await nt.replaceMeta(lb.metaSubject, la.metaBytes);
    await nt.replaceMeta(la.metaSubject, lb.metaBytes);
    const wrong = [...(await servedInstead('c-a', b)), ...(await servedInstead('c-b', a))];
    await assertStillServing();
    assert.deepEqual(wrong, []);
  });

  test('(c) a meta copied whole to a key that never existed: never served there', async () => {
    const a = await put('vault', 'c-source', SMALL);
    const la = await nt.layout('vault', 'c-source');
    await nt.replaceMeta(metaSubject('vault', 'c-alias'), la.metaBytes);
    const wrong = await servedInstead('c-alias', a);
    await assertStillServing();
    assert.deepEqual(wrong, []);
  });

  test("(c') a meta copied to another key with its name rewritten: the envelope's MAC fails", async () => {
    const a = await put('vault', 'c2-a', SMALL);
    await put('vault', 'c2-b', SMALL);
    const la = await nt.layout('vault', 'c2-a');
    const lb = await nt.layout('vault', 'c2-b');
    await nt.replaceMeta(lb.metaSubject, { ...la.meta, name: 'c2-b' });
    assert.equal((await headStatus('vault', 'c2-b')).status, 500);
    const r = await get('vault', 'c2-b');
    if (r.status !== 500)
      assert.ok(!(await readAll(r)).bytes.equals(a), "GET returned the other key's object");
    await assertRefused(r, 'GET c2-b');
    // The original key is untouched.
    const ok = await get('vault', 'c2-a');
    assert.equal(ok.status, 200);
    assert.ok((await readAll(ok)).bytes.equals(a));
    await assertStillServing();
  });

  // (d) Truncation.
  test('(d) the last 3 frames of a 6 MiB object deleted', async (t) => {
    const body = await put('vault', 'd-tail', BIG);
    const l = await nt.layout('vault', 'd-tail');
    for (const seq of l.frameSeqs.slice(-3)) await nt.deleteSeq(l.stream, seq);
    assert.equal((await headStatus('vault', 'd-tail')).status, 200);
    await checkReads(t, 'vault', 'd-tail', body, [93, 94, 95]);
    await assertStillServing();
  });

  test('(d) the chunk subject purged down to its first frame', async (t) => {
    const body = await put('vault', 'd-first-only', BIG);
    const l = await nt.layout('vault', 'd-first-only');
    for (const seq of l.frameSeqs.slice(1)) await nt.deleteSeq(l.stream, seq);
    assert.equal((await nt.layout('vault', 'd-first-only')).frameSeqs.length, 1);
    await checkReads(
      t,
      'vault',
      'd-first-only',
      body,
      [...Array(95).keys()].map((i) => i + 1),
    );
    await assertStillServing();
  });

  // (e) One byte of the envelope flipped (decoded, flipped, re-encoded).
  for (const [where, pick] of [
    ['magic', () => 0],
    ['the middle byte', (env: Buffer) => Math.floor(env.length / 2)],
    ['the last byte of size', (env: Buffer) => lastByteOfField(env, 5)],
    ['the last byte of sealed metadata', (env: Buffer) => lastByteOfField(env, 11)],
    ['the last byte of first_seq', (env: Buffer) => lastByteOfField(env, 12)],
    ['the MAC', (env: Buffer) => env.length - 1],
  ] as const) {
    test(`(e) a byte of the envelope flipped: ${where}`, async () => {
      const key = `e-${where.replace(/\W/g, '')}`;
      await put('vault', key, SMALL);
      const l = await nt.layout('vault', key);
      const env = Buffer.from(l.meta.metadata![ENV]!, 'base64url');
      const bad = Buffer.from(flipped(env, pick(env))).toString('base64url');
      await nt.replaceMeta(l.metaSubject, { ...l.meta, metadata: { ...l.meta.metadata, [ENV]: bad } });
      assert.equal((await headStatus('vault', key)).status, 500, 'HEAD');
      await assertRefused(await get('vault', key), 'GET');
      await assertRefused(await get('vault', key, { start: 0, end: 0 }), 'GET bytes=0-0');
      // A listing still answers (it shows the damaged key with its stored size).
      const list = await signedFetch(gw.endpoint, 'GET', '/vault', { query: { 'list-type': '2' } });
      assert.equal(list.status, 200);
      await assertStillServing();
    });
  }

  // (f) An object without an envelope in an encrypted bucket.
  test('(f) the meta replaced by a plaintext-style one (no envelope) is refused', async () => {
    const body = await put('vault', 'f-plain-meta', SMALL);
    const l = await nt.layout('vault', 'f-plain-meta');
    const metadata: Record<string, string> = { 'jetvault.etag': `"${md5(body)}"` };
    metadata['jetvault.frames'] = `${l.frameSeqs[0]}:${l.frameSeqs.length}`;
    const plain: MetaJson = { ...l.meta, metadata, size: SMALL };
    await nt.replaceMeta(l.metaSubject, plain);
    assert.equal((await headStatus('vault', 'f-plain-meta')).status, 500, 'HEAD');
    await assertRefused(await get('vault', 'f-plain-meta'), 'GET');
    await assertRefused(await get('vault', 'f-plain-meta', { start: 0, end: 9 }), 'GET bytes=0-9');
    await assertStillServing();
  });

  test('(f) plaintext objects planted with a stock Object Store client are refused', async () => {
    const existing = await put('vault', 'f-overwritten', SMALL);
    const planted = randomBytes(SMALL);
    const os = await new Objm(nt.nc).open('vault');
    await os.putBlob({ name: 'f-planted' }, planted);
    await os.putBlob({ name: 'f-overwritten' }, planted);
    for (const key of ['f-planted', 'f-overwritten']) {
      assert.equal((await headStatus('vault', key)).status, 500, `HEAD ${key}`);
      const r = await get('vault', key);
      if (r.status !== 500) {
        const { bytes } = await readAll(r);
        assert.ok(!bytes.equals(planted) && !bytes.equals(existing), `GET ${key} served bytes`);
      }
      await assertRefused(r, `GET ${key}`);
    }
    await assertStillServing();
  });

  // (g) A frame of object X moved into object Y's position.
  test("(g) X's frame 0 published on Y's chunk subject, Y's frame 0 deleted", async (t) => {
    await put('vault', 'g-x', SMALL);
    const y = await put('vault', 'g-y', SMALL);
    const lx = await nt.layout('vault', 'g-x');
    const ly = await nt.layout('vault', 'g-y');
    await nt.publish(ly.chunkSubject, (await nt.message(lx.stream, lx.frameSeqs[0]!)).data);
    await nt.deleteSeq(ly.stream, ly.frameSeqs[0]!);
    await checkReads(t, 'vault', 'g-y', y, [0]);
    await assertStillServing();
  });

  test("(g') X's frame 0 in place of Y's frame 0, and Y's frames 1 and 2 swapped, at Y's own sequences", async (t) => {
    assert.equal((await signedFetch(gw.endpoint, 'PUT', '/forge-g')).status, 200);
    await put('forge-g', 'x', SMALL);
    const y = await put('forge-g', 'y', SMALL);
    const lx = await nt.layout('forge-g', 'x');
    const ly = await nt.layout('forge-g', 'y');
    const original = await nt.snapshot(ly.stream);
    const bySeq = new Map(original.map((m) => [m.seq, m]));
    const moved = original.map((m): StoredMessage => {
      if (m.seq === ly.frameSeqs[0]) return { ...m, data: bySeq.get(lx.frameSeqs[0]!)!.data };
      return m;
    });
    await nt.rebuild(ly.stream, moved);
    await checkReads(t, 'forge-g', 'y', y, [0]);
    const swapped = original.map((m): StoredMessage => {
      if (m.seq === ly.frameSeqs[1]) return { ...m, data: bySeq.get(ly.frameSeqs[2]!)!.data };
      if (m.seq === ly.frameSeqs[2]) return { ...m, data: bySeq.get(ly.frameSeqs[1]!)!.data };
      return m;
    });
    await nt.rebuild(ly.stream, swapped);
    await checkReads(t, 'forge-g', 'y', y, [1, 2]);
    await nt.rebuild(ly.stream, original);
    const r = await get('forge-g', 'y');
    assert.equal(r.status, 200);
    assert.ok((await readAll(r)).bytes.equals(y), 'the restored object differs');
    await assertStillServing();
  });
});

/** Offset of the last value byte of TLV field `type` in an envelope (format.md §5: magic, then fields). */
function lastByteOfField(env: Buffer, type: number): number {
  for (let at = 4; at + 5 <= env.length - 32;) {
    const len = env.readUInt32BE(at + 1);
    if (env[at] === type) return at + 5 + len - 1;
    at += 5 + len;
  }
  throw new Error(`no field ${type} in the envelope`);
}

function longestRun(sorted: number[]): number[] {
  let best: number[] = [];
  let cur: number[] = [];
  for (const i of sorted) {
    cur = cur.length > 0 && cur[cur.length - 1] === i - 1 ? [...cur, i] : [i];
    if (cur.length > best.length) best = cur;
  }
  return best;
}
