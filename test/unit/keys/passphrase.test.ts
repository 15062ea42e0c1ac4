// src/keys/passphrase.ts: scrypt once at start-up with a persisted salt file (created once, 0600), same
// passphrase + salt → same KEK, another salt or passphrase → another KEK; parameters pinned by the file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SCRYPT, passphraseProvider } from '../../../src/keys/passphrase.js';
import { assertNoKeyBytes, ctx, rejectsReason, tempDir } from './helpers.js';

const dek = new Uint8Array(randomBytes(32));
/** The minimum allowed cost keeps the suite fast; the default is measured in its own test. */
const fast = { params: { N: 2 ** 15, r: 8, p: 1 } };

describe('passphrase provider', () => {
  test('deterministic with the persisted salt; salt file created once, 0600', async () => {
    const dir = await tempDir();
    const saltPath = join(dir, 'kek.salt');
    const first = await passphraseProvider('correct horse battery staple', saltPath, fast);
    assert.equal(first.saltCreated, true);
    assert.equal((await stat(saltPath)).mode & 0o777, 0o600);
    const saltFile = await readFile(saltPath, 'utf8');
    const doc = JSON.parse(saltFile) as Record<string, unknown>;
    assert.deepEqual({ kdf: doc.kdf, N: doc.N, r: doc.r, p: doc.p }, { kdf: 'scrypt', N: 32768, r: 8, p: 1 });
    assert.equal(Buffer.from(doc.salt as string, 'base64').length, 16);
    assert.equal(first.provider.id, 'passphrase');
    assert.equal(first.provider.currentVersion, 1);

    const w = await first.provider.wrap(dek, ctx());
    // Later start-ups reuse the salt (and its parameters, whatever the caller now asks for).
    const second = await passphraseProvider('correct horse battery staple', saltPath, {
      params: { N: 2 ** 16, r: 8, p: 1 },
    });
    assert.equal(second.saltCreated, false);
    assert.deepEqual(second.params, { N: 2 ** 15, r: 8, p: 1 });
    assert.equal(await readFile(saltPath, 'utf8'), saltFile, 'salt file not rewritten');
    assert.deepEqual(await second.provider.unwrap(w.wrappedDek, 1, ctx()), dek);

    const otherSalt = await passphraseProvider('correct horse battery staple', join(dir, 'other.salt'), fast);
    assert.equal(otherSalt.saltCreated, true);
    await rejectsReason(() => otherSalt.provider.unwrap(w.wrappedDek, 1, ctx()), 'unwrap-failed');

    const wrong = await passphraseProvider('correct horse battery stapler', saltPath, fast);
    const err = await rejectsReason(() => wrong.provider.unwrap(w.wrappedDek, 1, ctx()), 'unwrap-failed');
    assert.ok(!err.message.includes('correct horse'), 'no passphrase in messages');
  });

  test('NFC normalisation: the same text typed two ways gives the same KEK', async () => {
    const saltPath = join(await tempDir(), 'kek.salt');
    const composed = await passphraseProvider('caf\u00e9 au lait 1234', saltPath, fast);
    const decomposed = await passphraseProvider('cafe\u0301 au lait 1234', saltPath, fast);
    const w = await composed.provider.wrap(dek, ctx());
    assert.deepEqual(await decomposed.provider.unwrap(w.wrappedDek, 1, ctx()), dek);
  });

  test('refuses an empty passphrase, weak parameters and a broken salt file', async () => {
    const dir = await tempDir();
    await rejectsReason(() => passphraseProvider('', join(dir, 'a.salt'), fast), 'bad-params');
    await rejectsReason(
      () => passphraseProvider('pw', join(dir, 'b.salt'), { params: { N: 2 ** 14, r: 8, p: 1 } }),
      'bad-params',
    );
    const weak = join(dir, 'weak.salt');
    await writeFile(
      weak,
      JSON.stringify({ kdf: 'scrypt', N: 1024, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
    );
    const err = await rejectsReason(() => passphraseProvider('pw', weak, fast), 'bad-keyring');
    assert.ok(err.message.includes(weak));
    const broken = join(dir, 'broken.salt');
    await writeFile(broken, '{"kdf":"scrypt"');
    await rejectsReason(() => passphraseProvider('pw', broken, fast), 'bad-keyring');
  });

  test('default parameters: scrypt N=2^17 r=8 p=1, timed once', async () => {
    const saltPath = join(await tempDir(), 'kek.salt');
    const { derivationMs, params, provider } = await passphraseProvider('a long passphrase', saltPath);
    assert.deepEqual(params, DEFAULT_SCRYPT);
    assert.ok(derivationMs > 0);
    console.log(`# scrypt N=2^17 r=8 p=1: ${derivationMs.toFixed(0)} ms`);
    assertNoKeyBytes(JSON.stringify(provider), [dek]);
  });
});
