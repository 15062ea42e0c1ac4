// src/keys/envelope.ts and load.ts: a new object's envelope opens only for its own bucket and key, under a
// KEK that knows its version; the DEK cache serves repeated opens; a bare 32-byte key file and its hex and
// base64 spellings load as version 1; embedded mode generates a keyring once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFormatError } from '../../../src/crypto/format.js';
import { DekCache } from '../../../src/keys/dek-cache.js';
import { ObjectKeys, type NewObject } from '../../../src/keys/envelope.js';
import { loadKek } from '../../../src/keys/load.js';
import { LocalKekProvider } from '../../../src/keys/local.js';
import { isKeyError } from '../../../src/keys/provider.js';
import { tempDir } from './helpers.js';

const kek = new Uint8Array(randomBytes(32));

function keysWith(cache = new DekCache()): ObjectKeys {
  return new ObjectKeys({ writer: new LocalKekProvider('local', 1, new Map([[1, kek]])), cache });
}

async function sealed(
  keys: ObjectKeys,
  bucket: string,
  key: string,
): Promise<{ env: string; obj: NewObject }> {
  const obj = await keys.newObject(bucket, key);
  const stream = keys.newStream(obj, 18);
  const env = keys.envelope(obj, {
    log2F: 18,
    salt: stream.salt,
    size: 300_000,
    frames: 2,
    firstSeq: 7,
    seqGaps: [{ frame: 1, seq: 20n }],
    meta: { etag: '"0123456789abcdef0123456789abcdef"' },
  });
  return { env, obj };
}

describe('ObjectKeys', () => {
  test('an envelope opens for its bucket and key and gives back size, ETag and sequences', async () => {
    const keys = keysWith();
    const { env, obj } = await sealed(keys, 'b', 'k');
    const opened = await keys.open('b', 'k', env);
    assert.equal(opened.envelope.size, 300_000n);
    assert.equal(opened.envelope.frames, 2);
    assert.equal(opened.envelope.firstSeq, 7n);
    assert.deepEqual(opened.envelope.seqGaps, [{ frame: 1, seq: 20n }]);
    assert.equal(opened.meta.etag, '"0123456789abcdef0123456789abcdef"');
    assert.deepEqual(opened.dek, obj.dek);
    assert.deepEqual(keys.current, { kekId: 'local', kekVersion: 1 });
    obj.wipe();
    assert.ok(obj.dek.every((b) => b === 0));
  });

  test('another key or bucket, or a changed byte, does not open', async () => {
    const keys = keysWith(new DekCache({ maxEntries: 0 }));
    const { env } = await sealed(keys, 'b', 'k');
    for (const [bucket, key] of [
      ['b', 'k2'],
      ['b2', 'k'],
    ] as const) {
      await assert.rejects(keys.open(bucket, key, env), (e) => isKeyError(e) || isFormatError(e));
    }
    const bytes = Buffer.from(env, 'base64url');
    for (const at of [10, bytes.length - 40, bytes.length - 1]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 1;
      await assert.rejects(
        keys.open('b', 'k', bad.toString('base64url')),
        (e) => isKeyError(e) || isFormatError(e),
      );
    }
  });

  test('repeated opens unwrap once (the DEK cache)', async () => {
    const cache = new DekCache();
    const keys = keysWith(cache);
    const { env } = await sealed(keys, 'b', 'k');
    for (let i = 0; i < 5; i++) await keys.open('b', 'k', env);
    assert.deepEqual({ misses: cache.stats.misses, hits: cache.stats.hits }, { misses: 1, hits: 4 });
  });

  test('an envelope under an unknown KEK version is a KeyError', async () => {
    const keys = keysWith();
    const { env } = await sealed(keys, 'b', 'k');
    const other = new ObjectKeys({
      writer: new LocalKekProvider('local', 2, new Map([[2, new Uint8Array(randomBytes(32))]])),
      cache: new DekCache(),
    });
    await assert.rejects(other.open('b', 'k', env), (e) => isKeyError(e, 'unknown-version'));
  });
});

describe('loadKek', () => {
  test('a bare 32-byte key file, and its hex and base64 spellings, are KEK version 1', async () => {
    const dir = await tempDir();
    const raw = randomBytes(32);
    const wrapped = [];
    for (const [name, content] of [
      ['raw', raw],
      ['hex', raw.toString('hex') + '\n'],
      ['b64', raw.toString('base64') + '\n'],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, content, { mode: 0o600 });
      const k = await loadKek({ keyFile: file, passphraseFile: undefined, dataDir: dir, embedded: false });
      assert.equal(k?.provider.currentVersion, 1);
      wrapped.push(k!.provider);
    }
    // A bare key that happens to start with "{" is still a bare key.
    const brace = Buffer.concat([Buffer.from('{'), randomBytes(31)]);
    await writeFile(join(dir, 'brace'), brace, { mode: 0o600 });
    const b = await loadKek({
      keyFile: join(dir, 'brace'),
      passphraseFile: undefined,
      dataDir: dir,
      embedded: false,
    });
    assert.equal(b?.provider.currentVersion, 1);
    // All three are the same key: what one wraps, the others unwrap.
    const ctx = { bucket: 'b', key: 'k', objectId: new Uint8Array(16) };
    const dek = new Uint8Array(randomBytes(32));
    const w = await wrapped[0]!.wrap(dek, ctx);
    for (const p of wrapped) assert.deepEqual(await p.unwrap(w.wrappedDek, 1, ctx), dek);
  });

  test('embedded mode generates a 0600 keyring once, with a warning; remote mode without a key gets none', async () => {
    const dir = await tempDir();
    const first = await loadKek({
      keyFile: undefined,
      passphraseFile: undefined,
      dataDir: dir,
      embedded: true,
    });
    assert.match(first!.warning!, /Back it up/);
    assert.equal((await stat(join(dir, 'keyring.json'))).mode & 0o777, 0o600);
    const again = await loadKek({
      keyFile: undefined,
      passphraseFile: undefined,
      dataDir: dir,
      embedded: true,
    });
    assert.equal(again!.warning, undefined);
    const ctx = { bucket: 'b', key: 'k', objectId: new Uint8Array(16) };
    const w = await first!.provider.wrap(new Uint8Array(32).fill(7), ctx);
    assert.deepEqual(
      await again!.provider.unwrap(w.wrappedDek, w.kekVersion, ctx),
      new Uint8Array(32).fill(7),
    );
    const none = await loadKek({
      keyFile: undefined,
      passphraseFile: undefined,
      dataDir: dir,
      embedded: false,
    });
    assert.equal(none, undefined);
  });

  test('a key file and a passphrase file together are refused', async () => {
    await assert.rejects(
      loadKek({ keyFile: '/a', passphraseFile: '/b', dataDir: '/tmp', embedded: true }),
      /alternatives/,
    );
  });
});
