// Ranged GETs through the real gateway (node engine) on a real nats-server, table-driven: object sizes
// around the frame size (F = 64 KiB) in an encrypted and a plaintext bucket, which must answer alike, and
// one 1 GiB encrypted object at the default 256 KiB frames whose bytes are computed, never held. Every
// answer is checked for status, Content-Length, Content-Range, the ETag HEAD gives, and the exact bytes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { readAll, streamPut } from '../helpers/raw-body.js';

const F = 64 * 1024;
const K = 3;
const SIZES = [0, 1, F - 1, F, F + 1, K * F, K * F + 1];
const BIG_F = 256 * 1024;
const MiB = 1024 * 1024;
const BIG_SIZE = 1024 * MiB;
/** Range answers longer than LONG (of the 1 GiB object) are checked on their first PREFIX bytes only. */
const LONG = 32 * MiB;
const PREFIX = 2 * MiB;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** What a Range header must produce: the whole object (200), a slice (206), or InvalidRange (416). */
type Expect = { status: 200 } | { status: 206; start: number; end: number } | { status: 416 };
interface RangeCase {
  range: string;
  expect: Expect;
}

/**
 * The expectations, written out case by case rather than by re-parsing the header: S3 clamps an end past
 * the object, answers 416 (Content-Range `bytes *` / size) for a start at or past the end, for `bytes=-0`
 * and for any range of an empty object, and ignores a range whose end is before its start.
 */
function rangeCases(size: number, frame: number, boundaries: number[]): RangeCase[] {
  const out = new Map<string, Expect>();
  const slice = (range: string, start: number, end: number): void => {
    if (size === 0 || start >= size) out.set(range, { status: 416 });
    else out.set(range, { status: 206, start, end: Math.min(end, size - 1) });
  };
  const suffix = (n: number): void => {
    if (n === 0 || size === 0) out.set(`bytes=-${n}`, { status: 416 });
    else out.set(`bytes=-${n}`, { status: 206, start: Math.max(0, size - n), end: size - 1 });
  };
  slice('bytes=0-0', 0, 0);
  slice('bytes=0-', 0, size - 1);
  for (const n of [0, 1, 2, 1000, frame - 1, frame, frame + 1, 5 * MiB + 3, size - 1, size, size + 1]) {
    if (n >= 0) suffix(n);
  }
  suffix(3 * size + 7);
  if (size > 0) slice(`bytes=${size - 1}-${size - 1}`, size - 1, size - 1); // the last byte
  for (const b of boundaries) {
    const at = b * frame;
    for (const p of [at - 1, at, at + 1]) {
      slice(`bytes=${p}-${p}`, p, p);
      slice(`bytes=${p}-`, p, size - 1);
      slice(`bytes=0-${p}`, 0, p);
    }
    slice(`bytes=${at - 1}-${at}`, at - 1, at);
    slice(`bytes=${at - 1}-${at + 1}`, at - 1, at + 1);
    slice(`bytes=${at - 2}-${at + frame + 1}`, at - 2, at + frame + 1); // over a whole frame
  }
  // Ends past the object are clamped.
  slice(`bytes=0-${size + 100}`, 0, size + 100);
  if (size >= 300) slice(`bytes=${size - 300}-${size + 100}`, size - 300, size + 100);
  if (size > 0) slice(`bytes=${size - 1}-${2 * size + 5}`, size - 1, 2 * size + 5);
  slice('bytes=1-99999999999', 1, 99999999999);
  if (size >= 3) slice(`bytes=1-${size - 2}`, 1, size - 2);
  // Unsatisfiable starts.
  slice(`bytes=${size}-`, size, size);
  slice(`bytes=${size}-${size}`, size, size);
  slice(`bytes=${size + 5}-${size + 10}`, size + 5, size + 10);
  slice('bytes=99999999999-', 99999999999, 99999999999);
  // A last-byte-pos before the first-byte-pos is not a range at all: S3 ignores it.
  out.set('bytes=5-2', { status: 200 });
  return [...out].map(([range, expect]): RangeCase => ({ range, expect }));
}

/** Frame boundaries inside (or at the end of) an object of `size` bytes: b·F for b ≥ 1, b·F ≤ size. */
function allBoundaries(size: number, frame: number): number[] {
  const out: number[] = [];
  for (let b = 1; b * frame <= size; b++) out.push(b);
  return out;
}

/** The response to `range` must be exactly `expect` of an object of `size` bytes, read through `bytesOf`. */
async function checkRange(
  endpoint: string,
  path: string,
  size: number,
  etag: string,
  c: RangeCase,
  bytesOf: (start: number, end: number) => Buffer,
): Promise<void> {
  const r = await signedFetch(endpoint, 'GET', path, { headers: { range: c.range } });
  const what = `${path} (${size} bytes) ${c.range}`;
  assert.equal(r.status, c.expect.status, `${what}: status`);
  if (c.expect.status === 416) {
    assert.equal(r.headers.get('content-range'), `bytes */${size}`, `${what}: Content-Range`);
    assert.match(await r.text(), /<Code>InvalidRange<\/Code>/, what);
    return;
  }
  assert.equal(r.headers.get('etag'), etag, `${what}: ETag`);
  assert.equal(r.headers.get('accept-ranges'), 'bytes', `${what}: Accept-Ranges`);
  const { start, end } = c.expect.status === 206 ? c.expect : { start: 0, end: size - 1 };
  const length = end - start + 1;
  assert.equal(r.headers.get('content-length'), String(length), `${what}: Content-Length`);
  assert.equal(
    r.headers.get('content-range'),
    c.expect.status === 206 ? `bytes ${start}-${end}/${size}` : null,
    `${what}: Content-Range`,
  );
  if (length > LONG) {
    // Ranges that cover most of the 1 GiB object: the full GET reads it all once; here the first MiBs.
    const reader = r.body!.getReader();
    for (let at = 0; at < PREFIX;) {
      const { done, value } = await reader.read();
      assert.equal(done, false, `${what}: body ended at ${at}`);
      assert.ok(Buffer.from(value!).equals(bytesOf(start + at, start + at + value!.length - 1)), what);
      at += value!.length;
    }
    await reader.cancel();
    return;
  }
  const { bytes, error } = await readAll(r);
  assert.equal(error, undefined, `${what}: body failed`);
  assert.equal(bytes.length, length, `${what}: body length`);
  assert.ok(bytes.equals(length === 0 ? Buffer.alloc(0) : bytesOf(start, end)), `${what}: bytes differ`);
}

async function head(endpoint: string, path: string, size: number, body: Buffer | undefined, etag?: string) {
  const r = await signedFetch(endpoint, 'HEAD', path);
  assert.equal(r.status, 200, `HEAD ${path}`);
  assert.equal(r.headers.get('content-length'), String(size), `HEAD ${path}: Content-Length`);
  const got = r.headers.get('etag');
  assert.equal(got, etag ?? `"${md5(body!)}"`, `HEAD ${path}: ETag`);
  return got!;
}

describe('ranged GETs through the gateway: encrypted and plaintext buckets agree', () => {
  let nats: TestNatsServer;
  let gw: Gateway;
  const bodies = new Map(SIZES.map((s) => [s, randomBytes(s)]));

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: ['--frame-size', String(F), '--plaintext-buckets', 'plain'],
    });
    for (const bucket of ['sealed', 'plain']) {
      assert.equal((await signedFetch(gw.endpoint, 'PUT', `/${bucket}`)).status, 200);
      for (const [size, body] of bodies) {
        const r = await signedFetch(gw.endpoint, 'PUT', `/${bucket}/obj-${size}`, { body });
        assert.equal(r.status, 200, `PUT ${bucket}/obj-${size}: ${await r.text()}`);
        assert.equal(r.headers.get('etag'), `"${md5(body)}"`);
      }
    }
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
  });

  test('the encrypted bucket really is encrypted and the plaintext one is not', async () => {
    const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as {
      encryption: { buckets: Record<string, { encrypted: boolean }> };
    };
    assert.equal(stats.encryption.buckets['sealed']?.encrypted, true);
    assert.equal(stats.encryption.buckets['plain']?.encrypted, false);
  });

  for (const bucket of ['sealed', 'plain']) {
    for (const size of SIZES) {
      test(`${bucket}: ${size} bytes, full GET and every range of the table`, async () => {
        const body = bodies.get(size)!;
        const path = `/${bucket}/obj-${size}`;
        const etag = await head(gw.endpoint, path, size, body);
        const full = await signedFetch(gw.endpoint, 'GET', path);
        assert.equal(full.status, 200);
        assert.equal(full.headers.get('content-length'), String(size));
        assert.equal(full.headers.get('content-range'), null);
        assert.equal(full.headers.get('etag'), etag);
        const got = await readAll(full);
        assert.equal(got.error, undefined);
        assert.ok(got.bytes.equals(body), `${path}: full GET differs`);
        const cases = rangeCases(size, F, allBoundaries(size, F));
        // A few at a time: the order must not matter and the gateway serves them concurrently.
        for (let i = 0; i < cases.length; i += 4) {
          await Promise.all(
            cases
              .slice(i, i + 4)
              .map((c) => checkRange(gw.endpoint, path, size, etag, c, (s, e) => body.subarray(s, e + 1))),
          );
        }
      });
    }
  }
});

/**
 * The 1 GiB object: MiB i is one fixed random 1 MiB block with BE64(i) in its first 8 bytes, so every
 * byte's value is known from its offset and no MiB repeats another.
 */
class BigObject {
  private readonly block = randomBytes(MiB);
  private cached = -1;
  private cache = Buffer.alloc(MiB);

  mib(i: number): Buffer {
    if (i !== this.cached) {
      this.block.copy(this.cache);
      this.cache.writeBigUInt64BE(BigInt(i), 0);
      this.cached = i;
    }
    return this.cache;
  }

  /** Bytes start..end (inclusive). */
  bytes(start: number, end: number): Buffer {
    const out = Buffer.alloc(end - start + 1);
    for (let at = start; at <= end;) {
      const i = Math.floor(at / MiB);
      const off = at - i * MiB;
      const n = Math.min(MiB - off, end + 1 - at);
      this.mib(i).copy(out, at - start, off, off + n);
      at += n;
    }
    return out;
  }

  /** Index of the first byte of `chunk` (at object offset `at`) that differs, or -1. */
  mismatch(at: number, chunk: Uint8Array): number {
    for (let done = 0; done < chunk.length;) {
      const i = Math.floor((at + done) / MiB);
      const off = at + done - i * MiB;
      const n = Math.min(MiB - off, chunk.length - done);
      const want = this.mib(i).subarray(off, off + n);
      if (!want.equals(chunk.subarray(done, done + n))) {
        for (let j = 0; j < n; j++) if (want[j] !== chunk[done + j]) return done + j;
      }
      done += n;
    }
    return -1;
  }
}

describe('ranged GETs of one 1 GiB encrypted object at the default frame size', () => {
  let nats: TestNatsServer;
  let gw: Gateway;
  const big = new BigObject();
  let etag = '';
  const path = '/huge/gib';

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url }); // default frame size: 256 KiB
    assert.equal((await signedFetch(gw.endpoint, 'PUT', '/huge')).status, 200);
    const hash = createHash('md5');
    const chunks = function* (): Generator<Buffer> {
      for (let i = 0; i < BIG_SIZE / MiB; i++) {
        const c = Buffer.from(big.mib(i));
        hash.update(c);
        yield c;
      }
    };
    const put = await streamPut(gw.endpoint, path, BIG_SIZE, chunks());
    assert.equal(put.status, 200, put.body.toString());
    etag = `"${hash.digest('hex')}"`;
    assert.equal(put.headers.etag, etag);
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
  });

  test('HEAD gives the size and the MD5 ETag; the stored frames are 256 KiB', async () => {
    await head(gw.endpoint, path, BIG_SIZE, undefined, etag);
    const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as {
      encryption: { buckets: Record<string, { encrypted: boolean }> };
    };
    assert.equal(stats.encryption.buckets['huge']?.encrypted, true);
    const nc = await connect({ servers: nats.url });
    try {
      const info = await (await new Objm(nc).open('huge')).info('gib');
      assert.equal(info?.options?.max_chunk_size, BIG_F + 24);
      assert.equal(info?.chunks, BIG_SIZE / BIG_F);
      assert.equal(info?.size, BIG_SIZE + (BIG_SIZE / BIG_F) * 24);
    } finally {
      await nc.close();
    }
  });

  test('a full GET streams all 1 GiB byte-exact', async () => {
    const r = await signedFetch(gw.endpoint, 'GET', path);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String(BIG_SIZE));
    assert.equal(r.headers.get('etag'), etag);
    let at = 0;
    for await (const chunk of r.body!) {
      const bad = big.mismatch(at, chunk);
      assert.equal(bad, -1, `full GET differs at byte ${at + bad}`);
      at += chunk.length;
    }
    assert.equal(at, BIG_SIZE);
  });

  test('ranges at sampled frame boundaries ±1 (first, middle, last), suffixes, clamps, 416s', async () => {
    const frames = BIG_SIZE / BIG_F;
    const mid = frames / 2;
    const boundaries = [1, 2, 3, mid - 1, mid, mid + 1, frames - 3, frames - 2, frames - 1, frames];
    const cases = rangeCases(BIG_SIZE, BIG_F, boundaries);
    // Longer reads: 4 frames (direct gets), 5 frames (a consumer), 20 MiB across MiB and frame edges.
    const at = mid * BIG_F;
    for (const [start, end] of [
      [at, at + 4 * BIG_F - 1],
      [at - 1, at + 4 * BIG_F],
      [at + 7, at + 20 * MiB + 11],
    ] as const) {
      cases.push({ range: `bytes=${start}-${end}`, expect: { status: 206, start, end } });
    }
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(
        cases
          .slice(i, i + 4)
          .map((c) => checkRange(gw.endpoint, path, BIG_SIZE, etag, c, (s, e) => big.bytes(s, e))),
      );
    }
  });
});
