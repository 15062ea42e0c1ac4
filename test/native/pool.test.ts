// The addon inside Piscina workers, and the protocol's transfer lists.
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { capabilities } from '../../src/crypto/native.js';
import { createCryptoPool, type CryptoPool } from '../../src/pool/pool.js';
import type { CryptoTask } from '../../src/pool/protocol.js';

const THREADS = 2;

describe('crypto pool (Piscina workers)', { timeout: 60_000 }, () => {
  let pool: CryptoPool;
  before(() => {
    // Load the addon on the main thread first: the workers then load the *same* .node file into
    // other environments of the same process, which only a context-aware addon survives.
    capabilities();
    pool = createCryptoPool({ threads: THREADS });
  });
  after(async () => {
    await pool.close();
  });

  it('loads the addon in every worker and reports the same capabilities there', async () => {
    assert.equal(pool.threads, THREADS);
    const main = capabilities();
    // More tasks than workers, all at once, so every worker runs some.
    const fromWorkers = await Promise.all(
      Array.from({ length: THREADS * 4 }, () => pool.run({ op: 'capabilities' })),
    );
    for (const caps of fromWorkers) assert.deepEqual(caps, main);
  });

  it('moves buffers to the worker and back instead of copying them', async () => {
    const size = 1 << 20;
    const sent = new ArrayBuffer(size);
    const view = new Uint8Array(sent);
    for (let i = 0; i < size; i++) view[i] = (i * 31 + 7) & 0xff;
    const expected = Uint8Array.from(view);

    const result = await pool.run({ op: 'echo', data: sent });

    // Transferred, so detached on the sender: a copy would have left it intact.
    assert.equal(sent.byteLength, 0);
    assert.equal(view.length, 0);
    assert.ok(result.data instanceof ArrayBuffer);
    assert.equal(result.data.byteLength, size);
    assert.deepEqual(new Uint8Array(result.data), expected);
    assert.notEqual(result.threadId, threadId, 'ran in a worker thread');
    assert.ok(result.threadId > 0);
  });

  it('returns each concurrent task its own buffer', async () => {
    const results = await Promise.all(
      Array.from({ length: THREADS * 8 }, (_, i) =>
        pool.run({ op: 'echo', data: new Uint8Array([i]).buffer }),
      ),
    );
    results.forEach((r, i) => assert.deepEqual(new Uint8Array(r.data), new Uint8Array([i])));
  });

  it('rejects an unknown op', async () => {
    await assert.rejects(pool.run({ op: 'nope' } as unknown as CryptoTask), /Unknown crypto task op: "nope"/);
  });
});

describe('crypto pool lifecycle', () => {
  it('validates threads', () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createCryptoPool({ threads }), RangeError);
    }
  });

  it('close() destroys the pool: further runs reject, closing twice is fine', async () => {
    const pool = createCryptoPool({ threads: 1 });
    assert.equal((await pool.run({ op: 'capabilities' })).arch, process.arch);
    await pool.close();
    await assert.rejects(pool.run({ op: 'capabilities' }), /closed/);
    await pool.close();
  });

  it('close() rejects tasks still queued', async () => {
    const pool = createCryptoPool({ threads: 1 });
    const tasks = Array.from({ length: 32 }, () => pool.run({ op: 'capabilities' }));
    const settled = Promise.allSettled(tasks);
    await pool.close();
    const outcomes = await settled;
    assert.ok(
      outcomes.some((o) => o.status === 'rejected'),
      'at least the queued tasks were rejected by destroy()',
    );
  });
});
