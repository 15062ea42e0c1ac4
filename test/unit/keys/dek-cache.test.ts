// src/keys/dek-cache.ts: LRU eviction, TTL, wiping of evicted/expired/cleared buffers, copies to callers,
// commitment checked before anything is returned or cached.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { keyCommitment } from '../../../src/crypto/format.js';
import { DekCache, type DekEnvelope } from '../../../src/keys/dek-cache.js';
import { LocalKekProvider } from '../../../src/keys/local.js';
import { assertNoKeyBytes, rejectsReason } from './helpers.js';

function object(n: number): { env: DekEnvelope; dek: Uint8Array } {
  const dek = new Uint8Array(randomBytes(32));
  const objectId = new Uint8Array(16).fill(n);
  return {
    dek,
    env: {
      objectId,
      kekId: 'local',
      kekVersion: 1,
      wrappedDek: new Uint8Array(60).fill(n),
      commitment: keyCommitment(dek, objectId),
    },
  };
}

/** An unwrap callback that counts calls and remembers the buffers it handed to the cache. */
function unwrapper(dek: Uint8Array) {
  const given: Uint8Array[] = [];
  const fn = async (): Promise<Uint8Array> => {
    const copy = dek.slice();
    given.push(copy);
    return copy;
  };
  return { fn, given };
}

const zero = new Uint8Array(32);

describe('DekCache', () => {
  test('hit after miss; callers get copies they may wipe', async () => {
    const cache = new DekCache();
    const a = object(1);
    const u = unwrapper(a.dek);
    const first = await cache.get('b', 'k', a.env, u.fn);
    assert.deepEqual(first, a.dek);
    first.fill(0);
    const second = await cache.get('b', 'k', a.env, u.fn);
    assert.deepEqual(second, a.dek, 'wiping a returned copy leaves the cache intact');
    assert.equal(u.given.length, 1, 'unwrapped once');
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, evictions: 0 });
    // Another bucket, key or wrapped bytes is another entry.
    await cache.get('b2', 'k', a.env, u.fn);
    await cache.get('b', 'k2', a.env, u.fn);
    await cache.get('b', 'k', { ...a.env, wrappedDek: new Uint8Array(60).fill(9) }, u.fn);
    assert.equal(u.given.length, 4);
  });

  test('LRU eviction wipes the least recently used DEK', async () => {
    const cache = new DekCache({ maxEntries: 2 });
    const [a, b, c] = [object(1), object(2), object(3)];
    const [ua, ub, uc] = [unwrapper(a.dek), unwrapper(b.dek), unwrapper(c.dek)];
    await cache.get('b', 'a', a.env, ua.fn);
    await cache.get('b', 'b', b.env, ub.fn);
    await cache.get('b', 'a', a.env, ua.fn); // a is now the most recent
    await cache.get('b', 'c', c.env, uc.fn); // evicts b
    assert.equal(cache.size, 2);
    assert.deepEqual(ub.given[0], zero, 'evicted DEK wiped');
    assert.deepEqual(ua.given[0], a.dek, 'a kept');
    assert.equal(cache.stats.evictions, 1);
    await cache.get('b', 'a', a.env, ua.fn);
    assert.equal(ua.given.length, 1, 'a still cached');
    await cache.get('b', 'b', b.env, ub.fn);
    assert.equal(ub.given.length, 2, 'b unwrapped again');
    cache.clear();
    assert.equal(cache.size, 0);
    for (const u of [ua, ub, uc]) assert.deepEqual(u.given.at(-1), zero, 'clear wipes every entry');
  });

  test('TTL: expired entries are wiped and unwrapped again; prune drops them', async () => {
    let now = 1000;
    const cache = new DekCache({ ttlMs: 100, now: () => now });
    const a = object(1);
    const u = unwrapper(a.dek);
    await cache.get('b', 'k', a.env, u.fn);
    now += 99;
    await cache.get('b', 'k', a.env, u.fn);
    assert.equal(u.given.length, 1, 'fresh until the TTL');
    now += 1;
    assert.deepEqual(await cache.get('b', 'k', a.env, u.fn), a.dek);
    assert.equal(u.given.length, 2, 'expired: unwrapped again');
    assert.deepEqual(u.given[0], zero, 'expired DEK wiped');
    now += 100;
    cache.prune();
    assert.equal(cache.size, 0);
    assert.deepEqual(u.given[1], zero);
  });

  test('maxEntries 0 caches nothing', async () => {
    const cache = new DekCache({ maxEntries: 0 });
    const a = object(1);
    const u = unwrapper(a.dek);
    assert.deepEqual(await cache.get('b', 'k', a.env, u.fn), a.dek);
    await cache.get('b', 'k', a.env, u.fn);
    assert.equal(u.given.length, 2);
    assert.equal(cache.size, 0);
  });

  test('a DEK that does not match the commitment is refused, wiped and never cached', async () => {
    const cache = new DekCache();
    const a = object(1);
    const wrong = new Uint8Array(randomBytes(32));
    const u = unwrapper(wrong);
    const err = await rejectsReason(() => cache.get('b', 'k', a.env, u.fn), 'bad-commitment');
    assertNoKeyBytes(err.message, [wrong, a.dek]);
    assert.deepEqual(u.given[0], zero, 'refused DEK wiped');
    assert.equal(cache.size, 0);
    await rejectsReason(() => cache.get('b', 'k', a.env, async () => new Uint8Array(31)), 'bad-commitment');

    // A cached DEK is checked again against each envelope: a forged commitment is refused on a hit too.
    const good = unwrapper(a.dek);
    await cache.get('b', 'k', a.env, good.fn);
    const forged = { ...a.env, commitment: keyCommitment(wrong, a.env.objectId) };
    await rejectsReason(() => cache.get('b', 'k', forged, good.fn), 'bad-commitment');
    assert.deepEqual(await cache.get('b', 'k', a.env, good.fn), a.dek);
  });

  test('unwrap errors pass through and nothing is cached; works with a real provider', async () => {
    const kek = new Uint8Array(randomBytes(32));
    const provider = new LocalKekProvider('local', 1, new Map([[1, kek]]));
    const a = object(1);
    const context = { bucket: 'b', key: 'k', objectId: a.env.objectId };
    const { wrappedDek } = await provider.wrap(a.dek, context);
    const env = { ...a.env, wrappedDek };
    const cache = new DekCache();
    const unwrap = () => provider.unwrap(env.wrappedDek, env.kekVersion, context);
    assert.deepEqual(await cache.get('b', 'k', env, unwrap), a.dek);
    const elsewhere = { ...context, key: 'other' };
    await rejectsReason(
      () => cache.get('b', 'other', env, () => provider.unwrap(wrappedDek, 1, elsewhere)),
      'unwrap-failed',
    );
    assert.equal(cache.size, 1);
  });

  test('rejects bad options', () => {
    assert.throws(() => new DekCache({ maxEntries: -1 }));
    assert.throws(() => new DekCache({ ttlMs: Number.NaN }));
  });
});
