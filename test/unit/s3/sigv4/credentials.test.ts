// The credentials file: loading (nats-s3 format), clear errors that never show a secret, and generation.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CredentialsFileError,
  generateCredentials,
  loadCredentialsFile,
  loadOrGenerate,
  parseCredentialsFile,
} from '../../../../src/s3/sigv4/credentials.js';

const SECRET = 'SuperSecretValue/With+Chars0123456789abc';
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jetvault-creds-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rejects(text: string, message: RegExp): void {
  assert.throws(
    () => parseCredentialsFile(text, '/etc/jetvault/creds.json'),
    (e: unknown) => {
      assert.ok(e instanceof CredentialsFileError);
      assert.match(e.message, /^credentials file \/etc\/jetvault\/creds\.json: /);
      assert.match(e.message, message);
      assert.ok(!e.message.includes(SECRET), `secret leaked: ${e.message}`);
      assert.ok(!e.message.includes('SuperSecret'), `secret leaked: ${e.message}`);
      return true;
    },
  );
}

describe('parseCredentialsFile', () => {
  it('reads the nats-s3 format', () => {
    const list = parseCredentialsFile(
      JSON.stringify({
        credentials: [
          { accessKey: 'AK1', secretKey: SECRET },
          { accessKey: 'AK2', secretKey: 's2' },
        ],
      }),
      'f',
    );
    assert.deepEqual(list, [
      { accessKey: 'AK1', secretKey: SECRET },
      { accessKey: 'AK2', secretKey: 's2' },
    ]);
  });

  it('reports bad JSON with a position, without quoting the file', () => {
    rejects(
      `{"credentials":[{"accessKey":"AK1","secretKey":"${SECRET}"]}`,
      /not valid JSON at line 1 column \d+/,
    );
    rejects(
      `{\n "credentials": [\n  {"accessKey": "AK1", "secretKey": "${SECRET}" x}\n ]\n}`,
      /not valid JSON at line 3/,
    );
  });

  it('names the entry and the field that is wrong', () => {
    rejects(
      JSON.stringify({ credentials: [{ accessKey: 'AK1', secretKey: '' }] }),
      /credentials\[0\]\.secretKey: must not be empty/,
    );
    rejects(
      JSON.stringify({ credentials: [{ accessKey: 'AK1', secretKey: SECRET }, { secretKey: SECRET }] }),
      /credentials\[1\]\.accessKey: must be a string/,
    );
    rejects(
      JSON.stringify({ credentials: [{ accessKey: 'A/K', secretKey: SECRET }] }),
      /credentials\[0\]\.accessKey: must not contain/,
    );
    rejects(
      JSON.stringify({ credentials: [{ accessKey: 'A K', secretKey: SECRET }] }),
      /printable ASCII without spaces/,
    );
    rejects(
      JSON.stringify({ credentials: [{ accessKey: 'AK', secretKey: 42 }] }),
      /credentials\[0\]\.secretKey: must be a string/,
    );
    rejects(JSON.stringify({ credentials: [] }), /credentials: must list at least one/);
    rejects(JSON.stringify({ keys: [] }), /credentials: must be an array/);
    rejects(JSON.stringify([SECRET]), /must be a JSON object/);
  });

  it('refuses duplicate access keys, naming both entries', () => {
    rejects(
      JSON.stringify({
        credentials: [
          { accessKey: 'AK1', secretKey: SECRET },
          { accessKey: 'AK1', secretKey: 'x' },
        ],
      }),
      /duplicate accessKey "AK1" in credentials\[0\] and credentials\[1\]/,
    );
  });
});

describe('loading, generating', () => {
  it('a missing file is reported with its path', async () => {
    await assert.rejects(
      loadCredentialsFile(join(dir, 'nope.json')),
      /credentials file .*nope\.json: cannot be read \(ENOENT\)/,
    );
  });

  it('generates an AWS-shaped pair, mode 0600, loadable', async () => {
    const path = join(dir, 'sub', 'generated.json');
    const c = await generateCredentials(path);
    assert.match(c.accessKey, /^[A-Z0-9]{20}$/);
    assert.match(c.secretKey, /^[A-Za-z0-9+/]{40}$/);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await loadCredentialsFile(path), [c]);
  });

  it('two generated pairs differ', async () => {
    const a = await generateCredentials(join(dir, 'a.json'));
    const b = await generateCredentials(join(dir, 'b.json'));
    assert.notEqual(a.accessKey, b.accessKey);
    assert.notEqual(a.secretKey, b.secretKey);
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'existing.json');
    await writeFile(path, 'keep me');
    await assert.rejects(
      generateCredentials(path),
      (e: unknown) => e instanceof CredentialsFileError && e.code === 'EEXIST',
    );
    assert.equal(await readFile(path, 'utf8'), 'keep me');
  });

  it('loadOrGenerate generates once, then loads the same pair', async () => {
    const path = join(dir, 'log.json');
    const first = await loadOrGenerate(path);
    assert.equal(first.generated, true);
    const [c] = first.credentials;
    assert.ok(c);
    const stored = first.store.lookup(c.accessKey);
    assert.equal(stored?.secretKey, c.secretKey);
    assert.deepEqual(stored?.principal, {
      kind: 'user',
      user: c.accessKey,
      accessKey: c.accessKey,
      policy: undefined,
    });
    const second = await loadOrGenerate(path);
    assert.equal(second.generated, false);
    assert.deepEqual(second.credentials, [c]);
    assert.equal(second.store.lookup('UNKNOWN'), undefined);
  });

  it('loadOrGenerate does not replace a broken file', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{');
    await assert.rejects(loadOrGenerate(path), /not valid JSON/);
    assert.equal(await readFile(path, 'utf8'), '{');
  });
});
