// The streaming pipeline on the real worker pool, cross-checked against the pure-TS reference.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { SealStream, openStream } from '../../src/crypto/pipeline.js';
import { sealStream as refSeal, openStream as refOpen } from '../../src/crypto/reference.js';
import { FormatError } from '../../src/crypto/format.js';
import { createCryptoPool, type CryptoPool } from '../../src/pool/pool.js';
import type { StreamParams } from '../../src/crypto/codec.js';

const log2F = 16;
const F = 2 ** log2F;
const BATCH = 4 * F;
const params: StreamParams = {
  dek: randomBytes(32),
  objectId: randomBytes(16),
  salt: randomBytes(16),
  part: 0,
  log2F,
};

async function* chunks(data: Uint8Array, size = 7777): AsyncIterable<Uint8Array> {
  for (let off = 0; off < data.length; off += size) yield data.subarray(off, off + size);
}

async function* each(frames: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* frames;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const x of it) out.push(Uint8Array.from(x));
  return out;
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('crypto pipeline on the pool', () => {
  let pool: CryptoPool;
  before(() => {
    pool = createCryptoPool({ threads: 2 });
  });
  after(async () => {
    await pool.close();
  });

  for (const size of [0, 1, F - 1, F, F + 1, BATCH, BATCH + 1, 3 * BATCH, 3 * BATCH + 5]) {
    it(`${size} bytes: frames equal the reference's, hashes equal node's, and open back`, async () => {
      const data = randomBytes(size);
      const seal = new SealStream(chunks(data), {
        pool,
        stream: params,
        compress: false,
        hashes: ['md5', 'sha256', 'crc32'],
        batchBytes: BATCH,
        digestFrames: true,
      });
      const frames = await collect(seal);
      const expected = refSeal(params, data);
      assert.equal(frames.length, expected.length);
      frames.forEach((fr, i) => assert.ok(Buffer.from(fr).equals(Buffer.from(expected[i]!)), `frame ${i}`));
      const s = seal.summary();
      assert.equal(s.size, size);
      assert.equal(s.frames, Math.max(1, Math.ceil(size / F)));
      assert.deepEqual(Buffer.from(s.digests.md5!), createHash('md5').update(data).digest());
      assert.deepEqual(Buffer.from(s.digests.sha256!), createHash('sha256').update(data).digest());
      assert.equal(Buffer.from(s.digests.crc32!).readUInt32BE(), crc32(data) >>> 0);
      const opened = concat(
        await collect(
          openStream(each(frames), { pool, stream: params, frameCount: s.frames, batchBytes: BATCH }),
        ),
      );
      assert.ok(opened.equals(data));
      // A one-frame first batch (what GETs use for time to first byte) yields the same bytes.
      const quick = await collect(
        openStream(each(frames), {
          pool,
          stream: params,
          frameCount: s.frames,
          batchBytes: BATCH,
          firstBatchFrames: 1,
        }),
      );
      assert.ok(concat(quick).equals(data));
      if (data.length > 0) assert.equal(quick[0]!.length, Math.min(F, data.length));
      // The stored-frames digest is the SHA-256 of the frames back to back.
      assert.equal(
        s.stored,
        frames.reduce((n, fr) => n + fr.length, 0),
      );
      const sha = createHash('sha256');
      for (const fr of frames) sha.update(fr);
      assert.deepEqual(Buffer.from(s.framesDigest!), sha.digest());
    });
  }

  it('recycled output buffers (given back once their frames are used) still seal exactly', async () => {
    const data = randomBytes(7 * BATCH + 3);
    const seal = new SealStream(chunks(data), {
      pool,
      stream: params,
      compress: false,
      hashes: [],
      batchBytes: BATCH,
    });
    const frames: Uint8Array[] = [];
    let current: ArrayBufferLike | undefined;
    for await (const frame of seal) {
      if (frame.buffer !== current) {
        if (current instanceof ArrayBuffer) seal.recycle(current);
        current = frame.buffer;
      }
      frames.push(Uint8Array.from(frame));
    }
    const expected = refSeal(params, data);
    assert.equal(frames.length, expected.length);
    frames.forEach((fr, i) => assert.ok(Buffer.from(fr).equals(Buffer.from(expected[i]!)), `frame ${i}`));
    // Every batch after the first two was sealed into a buffer given back.
    assert.ok(seal.reused >= 5, `${seal.reused} of 8 batches reused a buffer`);
  });

  it('a ranged read opens frames [2, 4) only', async () => {
    const data = randomBytes(6 * F + 3);
    const frames = refSeal(params, data);
    const got = concat(
      await collect(
        openStream(each(frames.slice(2, 4)), {
          pool,
          stream: params,
          frameCount: frames.length,
          firstIndex: 2,
          endIndex: 4,
        }),
      ),
    );
    assert.ok(got.equals(data.subarray(2 * F, 4 * F)));
  });

  it('compressed frames from the native codec open with the reference (fzstd) too', async () => {
    const text = Buffer.from(
      'jetvault compresses frames that shrink by at least three percent. '.repeat(5000),
    );
    const seal = new SealStream(chunks(text, 10_000), {
      pool,
      stream: params,
      compress: true,
      hashes: [],
      batchBytes: BATCH,
    });
    const frames = await collect(seal);
    assert.ok(seal.summary().compressed > 0);
    assert.ok(frames.reduce((n, f) => n + f.length, 0) < text.length / 4);
    assert.ok(Buffer.from(refOpen(params, frames)).equals(text));
  });

  it('a flipped bit, a missing last frame and an extra frame are errors, never plaintext', async () => {
    const data = randomBytes(5 * F);
    const frames = refSeal(params, data);
    const opts = { pool, stream: params, frameCount: frames.length, batchBytes: 2 * F };
    const flipped = frames.map((f) => Uint8Array.from(f));
    flipped[3]![100]! ^= 1;
    await assert.rejects(collect(openStream(each(flipped), opts)), (e: unknown) => e instanceof FormatError);
    await assert.rejects(
      collect(openStream(each(frames.slice(0, -1)), opts)),
      (e: unknown) => e instanceof FormatError && e.reason === 'missing-final',
    );
    await assert.rejects(
      collect(openStream(each([...frames, frames[0]!]), opts)),
      (e: unknown) => e instanceof FormatError && e.reason === 'trailing-frame',
    );
  });
});
