// src/keys/local.ts and keyring-file.ts: wrap/unwrap bound to bucket, key and object id; versions and
// rotation; keyring file permissions, generation (never overwrites, 0600) and strict parsing; no key bytes in
// errors or in util.inspect/JSON of a provider.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { unwrapDekLocal } from '../../../src/crypto/format.js';
import { readKeyring } from '../../../src/keys/keyring-file.js';
import { LocalKekProvider, generateKeyring, loadKeyring, rotateKeyring } from '../../../src/keys/local.js';
import { findProvider, isKeyError } from '../../../src/keys/provider.js';
import { assertNoKeyBytes, ctx, rejectsReason, tempDir } from './helpers.js';

const kek1 = new Uint8Array(randomBytes(32));
const kek2 = new Uint8Array(randomBytes(32));
const dek = new Uint8Array(randomBytes(32));

async function writeKeyring(path: string, doc: unknown, mode = 0o600): Promise<void> {
  await writeFile(path, JSON.stringify(doc), { mode });
  await chmod(path, mode);
}

const b64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');

describe('LocalKekProvider', () => {
  const provider = new LocalKekProvider('local', 1, new Map([[1, kek1]]));

  test('wrap/unwrap round trip, 60-byte format.md §6 wrap under the current version', async () => {
    const w = await provider.wrap(dek, ctx());
    assert.equal(w.kekVersion, 1);
    assert.equal(w.wrappedDek.length, 60);
    assert.deepEqual(await provider.unwrap(w.wrappedDek, 1, ctx()), dek);
    // It is exactly wrapDekLocal: the format function opens it with the raw KEK.
    assert.deepEqual(unwrapDekLocal(kek1, w.wrappedDek, 'photos', 'a/b.jpg', ctx().objectId), dek);
    const again = await provider.wrap(dek, ctx());
    assert.notDeepEqual(again.wrappedDek, w.wrappedDek, 'random nonce per wrap');
  });

  test('unwrap is bound to bucket, key and object id', async () => {
    const { wrappedDek } = await provider.wrap(dek, ctx());
    for (const other of [ctx(2), ctx(1, 'photos2'), ctx(1, 'photos', 'a/b.jpeg')]) {
      const err = await rejectsReason(() => provider.unwrap(wrappedDek, 1, other), 'unwrap-failed');
      assertNoKeyBytes(err.message, [kek1, dek]);
    }
    const tampered = wrappedDek.slice();
    tampered[20]! ^= 1;
    await rejectsReason(() => provider.unwrap(tampered, 1, ctx()), 'unwrap-failed');
    await rejectsReason(() => provider.unwrap(wrappedDek.subarray(1), 1, ctx()), 'unwrap-failed');
  });

  test('unknown version and bad arguments are typed errors', async () => {
    const { wrappedDek } = await provider.wrap(dek, ctx());
    const err = await rejectsReason(() => provider.unwrap(wrappedDek, 7, ctx()), 'unknown-version');
    assert.match(err.message, /version 7/);
    await rejectsReason(() => provider.wrap(dek.subarray(1), ctx()), 'bad-params');
    await rejectsReason(() => provider.wrap(dek, { ...ctx(), objectId: new Uint8Array(15) }), 'bad-params');
    assert.throws(
      () => new LocalKekProvider('x', 2, new Map([[1, kek1]])),
      (e) => isKeyError(e, 'bad-params'),
    );
  });

  test('no key bytes in inspect or JSON; destroy wipes and disables', async () => {
    const p = new LocalKekProvider(
      'local',
      2,
      new Map([
        [1, kek1],
        [2, kek2],
      ]),
    );
    assertNoKeyBytes(inspect(p, { showHidden: true, depth: 5 }), [kek1, kek2]);
    assertNoKeyBytes(JSON.stringify(p), [kek1, kek2]);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), { id: 'local', currentVersion: 2, versions: [1, 2] });
    p.destroy();
    await rejectsReason(() => p.wrap(dek, ctx()), 'destroyed');
    assert.notDeepEqual(kek1, new Uint8Array(32), 'the provider copied the KEK, the caller copy is intact');
  });

  test('findProvider picks by kek_id', () => {
    assert.equal(findProvider([provider], 'local'), provider);
    assert.throws(
      () => findProvider([provider], 'kms'),
      (e) => isKeyError(e, 'unknown-kek'),
    );
  });
});

describe('keyring file', () => {
  test('loads a 0600 keyring; rotated keyrings unwrap old and new and wrap with the new', async () => {
    const path = join(await tempDir(), 'keyring.json');
    await writeKeyring(path, { id: 'local', current: 1, keys: { '1': b64(kek1) } });
    const v1 = await loadKeyring(path);
    const old = await v1.wrap(dek, ctx());

    assert.equal(await rotateKeyring(path), 2);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const v2 = await loadKeyring(path);
    assert.equal(v2.currentVersion, 2);
    assert.deepEqual(v2.versions, [1, 2]);
    const fresh = await v2.wrap(dek, ctx());
    assert.equal(fresh.kekVersion, 2);
    assert.deepEqual(await v2.unwrap(old.wrappedDek, 1, ctx()), dek);
    assert.deepEqual(await v2.unwrap(fresh.wrappedDek, 2, ctx()), dek);
    await rejectsReason(() => v1.unwrap(fresh.wrappedDek, 2, ctx()), 'unknown-version');
    await rejectsReason(() => v2.unwrap(fresh.wrappedDek, 1, ctx()), 'unwrap-failed');

    const ring = await readKeyring(path);
    assert.deepEqual(ring.keys.get(1), kek1, 'version 1 kept byte for byte');
    assert.notDeepEqual(ring.keys.get(2), kek1);
    assert.deepEqual(await readdir(join(path, '..')), ['keyring.json'], 'no temporary file left');
  });

  test('refuses a 0644 key file, naming the file and chmod 600', async () => {
    const path = join(await tempDir(), 'keyring.json');
    await writeKeyring(path, { id: 'local', current: 1, keys: { '1': b64(kek1) } }, 0o644);
    const err = await rejectsReason(() => loadKeyring(path), 'insecure-permissions');
    assert.ok(err.message.includes(path), err.message);
    assert.ok(err.message.includes(`chmod 600 ${path}`), err.message);
    assert.match(err.message, /0644/);
    assertNoKeyBytes(err.message, [kek1]);
    await chmod(path, 0o640);
    await rejectsReason(() => loadKeyring(path), 'insecure-permissions');
    await rejectsReason(() => rotateKeyring(path), 'insecure-permissions');
    const link = join(path, '..', 'link.json');
    await symlink(path, link);
    await rejectsReason(() => loadKeyring(link), 'insecure-permissions');
    await chmod(path, 0o400);
    assert.equal((await loadKeyring(path)).currentVersion, 1, 'read-only for the owner is fine');
    assert.equal((await loadKeyring(link)).currentVersion, 1, 'a symlink is judged by its target');
  });

  test('generate creates 0600 with one KEK, warns about backup, and never overwrites', async () => {
    const dir = await tempDir();
    const path = join(dir, 'keyring.json');
    const warning = await generateKeyring(path);
    assert.ok(warning.includes(path));
    assert.match(warning, /back it up/i);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const before = await readFile(path);
    const p = await loadKeyring(path);
    assert.equal(p.id, 'local');
    assert.deepEqual(p.versions, [1]);
    assert.deepEqual(await p.unwrap((await p.wrap(dek, ctx())).wrappedDek, 1, ctx()), dek);

    await rejectsReason(() => generateKeyring(path), 'exists');
    assert.deepEqual(await readFile(path), before, 'the existing keyring is untouched');
    const other = join(dir, 'other.json');
    await writeFile(other, 'not mine');
    await rejectsReason(() => generateKeyring(other), 'exists');
    assert.equal(await readFile(other, 'utf8'), 'not mine');
  });

  test('strict parsing; errors name the file and field, never a key or the text', async () => {
    const dir = await tempDir();
    const key = b64(kek1);
    const cases: [string, unknown][] = [
      ['current missing', { id: 'local', current: 2, keys: { '1': key } }],
      ['short key', { id: 'local', current: 1, keys: { '1': b64(kek1.subarray(1)) } }],
      ['version 0', { id: 'local', current: 1, keys: { '0': key, '1': key } }],
      ['bad version', { id: 'local', current: 1, keys: { '1': key, x: key } }],
      ['no id', { current: 1, keys: { '1': key } }],
      ['extra field', { id: 'local', current: 1, keys: { '1': key }, secret: key }],
      ['array', [key]],
    ];
    for (const [name, doc] of cases) {
      const path = join(dir, `${name.replace(/ /g, '-')}.json`);
      await writeKeyring(path, doc);
      const err = await rejectsReason(() => loadKeyring(path), 'bad-keyring');
      assert.ok(err.message.includes(path), `${name}: ${err.message}`);
      assertNoKeyBytes(err.message, [kek1]);
    }
    const broken = join(dir, 'broken.json');
    await writeFile(broken, `{"id":"local","current":1,"keys":{"1":"${key}"`, { mode: 0o600 });
    const err = await rejectsReason(() => loadKeyring(broken), 'bad-keyring');
    assert.equal(err.cause, undefined, 'no JSON.parse cause quoting the file');
    assertNoKeyBytes(err.message, [kek1]);
    await rejectsReason(() => loadKeyring(join(dir, 'missing.json')), 'io');
    await rejectsReason(() => loadKeyring(dir), 'bad-keyring');
  });
});
