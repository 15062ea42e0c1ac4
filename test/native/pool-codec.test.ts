// The codec through the Piscina pool: buffers move by transfer both ways, the frames equal the
// main thread's, frame errors keep their class and reason, and a hash state keeps going whichever
// worker gets the next call.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import {
  HASH_NAMES,
  NativeFrameError,
  hashFinal,
  hashInit,
  hashUpdate,
  openCapacity,
  sealBatch,
  sealCapacity,
} from '../../src/crypto/native.js';
import { createCryptoPool, type CryptoPool } from '../../src/pool/pool.js';
import { noise, stream, text } from './codec-helpers.js';

const LOG2F = 16;
const F = 2 ** LOG2F;

function hexDigests(state: Uint8Array): Record<string, string> {
  const d = hashFinal(state);
  return Object.fromEntries(HASH_NAMES.map((n) => [n, Buffer.from(d[n]!).toString('hex')]));
}

describe('codec through the crypto pool', { timeout: 60_000 }, () => {
  let pool: CryptoPool;
  // Two one-thread pools: alternating between them is alternating between two worker threads.
  let a: CryptoPool;
  let b: CryptoPool;
  before(() => {
    pool = createCryptoPool({ threads: 2 });
    a = createCryptoPool({ threads: 1 });
    b = createCryptoPool({ threads: 1 });
  });
  after(async () => {
    await Promise.all([pool.close(), a.close(), b.close()]);
  });

  it('seals and opens with every buffer moved, not copied', async () => {
    const s = stream(LOG2F, 4);
    const size = 3 * F + 17;
    const plaintext = text(size);
    const expected = Uint8Array.from(plaintext);
    const local = sealBatch({ stream: s, firstIndex: 0, plaintext: expected, final: true, compress: true });
    const out = new Uint8Array(sealCapacity(size, LOG2F, true));
    const state = hashInit(['md5', 'sha256']);

    const sealed = await pool.run({
      op: 'seal',
      stream: s,
      firstIndex: 0,
      plaintext,
      final: true,
      compress: true,
      out,
      hashState: state,
    });
    for (const sent of [plaintext, out, state]) assert.equal(sent.byteLength, 0, 'detached on the sender');
    assert.notEqual(sealed.threadId, threadId);
    assert.deepEqual(sealed.frames, local.frames, 'same frames as on the main thread');
    assert.deepEqual(sealed.offsets, local.offsets);
    assert.equal(sealed.compressed, 3, 'the 17-byte last frame is not worth compressing');
    assert.equal(sealed.plaintext.length, size, 'the plaintext buffer came back for reuse');
    assert.ok(sealed.hashState);
    assert.equal(
      Buffer.from(hashFinal(sealed.hashState).md5!).toString('hex'),
      createHash('md5').update(expected).digest('hex'),
    );

    const frames = sealed.frames;
    const openOut = new Uint8Array(openCapacity(frames, sealed.offsets, LOG2F));
    const opened = await pool.run({
      op: 'open',
      stream: s,
      firstIndex: 0,
      frames,
      offsets: sealed.offsets,
      expectFinal: true,
      out: openOut,
    });
    assert.equal(frames.byteLength, 0);
    assert.equal(openOut.byteLength, 0);
    assert.equal(opened.final, true);
    assert.deepEqual(opened.plaintext, expected);
    assert.equal(opened.frames.length, local.frames.length, 'the frames buffer came back');
    assert.equal(opened.hashState, undefined);
  });

  it('lets the worker allocate the output when none is given', async () => {
    const s = stream(LOG2F);
    const sealed = await pool.run({
      op: 'seal',
      stream: s,
      firstIndex: 0,
      plaintext: noise(100),
      final: true,
      compress: false,
    });
    assert.equal(sealed.frames.length, 124);
    const opened = await pool.run({
      op: 'open',
      stream: s,
      firstIndex: 0,
      frames: sealed.frames,
      offsets: sealed.offsets,
      expectFinal: true,
    });
    assert.deepEqual(opened.plaintext, noise(100));
  });

  it('rejects a tampered frame with the same NativeFrameError as the main thread', async () => {
    const s = stream(LOG2F);
    const sealed = sealBatch({
      stream: s,
      firstIndex: 0,
      plaintext: noise(2 * F),
      final: true,
      compress: false,
    });
    sealed.frames[F + 100]! ^= 1;
    await assert.rejects(
      pool.run({
        op: 'open',
        stream: s,
        firstIndex: 0,
        frames: sealed.frames,
        offsets: sealed.offsets,
        expectFinal: true,
      }),
      (err: unknown) => {
        assert.ok(err instanceof NativeFrameError, String(err));
        assert.equal(err.reason, 'bad-tag');
        assert.equal(err.code, 'ERR_JETVAULT_FRAME_TAG');
        assert.equal(err.frame, 1);
        assert.equal(err.index, 1);
        return true;
      },
    );
    // Argument errors stay what they are.
    await assert.rejects(
      pool.run({
        op: 'seal',
        stream: { ...s, log2F: 12 },
        firstIndex: 0,
        plaintext: noise(1),
        final: true,
        compress: false,
      }),
      { name: 'RangeError', message: /log2F/ },
    );
  });

  it('carries a hash state across calls alternating between two workers', async () => {
    const data = noise(3_000_000, 21);
    const want = Object.fromEntries(
      (['md5', 'sha1', 'sha256'] as const).map((n) => [n, createHash(n).update(data).digest('hex')]),
    );
    let state = hashInit(HASH_NAMES);
    const threads = new Set<number>();
    const chunk = 250_000 + 3;
    for (let at = 0, i = 0; at < data.length; at += chunk, i++) {
      const r = await (i % 2 === 0 ? a : b).run({ op: 'hash', state, data: data.slice(at, at + chunk) });
      threads.add(r.threadId);
      state = r.state;
    }
    assert.equal(threads.size, 2, 'two different worker threads took turns');
    const got = hexDigests(state);
    for (const n of ['md5', 'sha1', 'sha256'] as const) assert.equal(got[n], want[n], n);
    // The same data in one call on the main thread.
    const local = hashInit(HASH_NAMES);
    hashUpdate(local, data);
    assert.deepEqual(got, hexDigests(local));
  });

  it('a stream sealed batch by batch on alternating workers hashes and seals like one call', async () => {
    const s = stream(LOG2F, 9);
    const data = new Uint8Array(6 * F + 5);
    data.set(text(3 * F));
    data.set(noise(3 * F + 5, 8), 3 * F);
    const one = hashInit(HASH_NAMES);
    const whole = sealBatch(
      { stream: s, firstIndex: 0, plaintext: data, final: true, compress: true },
      undefined,
      one,
    );

    let state = hashInit(HASH_NAMES);
    const frames: Uint8Array[] = [];
    const threads = new Set<number>();
    for (let batch = 0; batch < 4; batch++) {
      const from = batch * 2 * F;
      const to = batch === 3 ? data.length : from + 2 * F;
      const r = await (batch % 2 === 0 ? a : b).run({
        op: 'seal',
        stream: s,
        firstIndex: from / F,
        plaintext: data.slice(from, to),
        final: batch === 3,
        compress: true,
        hashState: state,
      });
      threads.add(r.threadId);
      state = r.hashState!;
      frames.push(r.frames);
    }
    assert.equal(threads.size, 2);
    assert.deepEqual(new Uint8Array(Buffer.concat(frames)), whole.frames);
    assert.deepEqual(hexDigests(state), hexDigests(one));
  });
});
