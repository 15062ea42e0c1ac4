// The credentials reloader on real files: reload() (what SIGHUP calls), file changes seen through the
// directory watch (written in place, or renamed over the file as editors do), a malformed or missing file
// keeping the previous store and logging the error without a secret, unchanged files staying quiet.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CredentialsReloader } from '../../../../src/s3/auth/reload.js';
import { createCredentialStore, loadCredentialsFile } from '../../../../src/s3/sigv4/credentials.js';

const SECRET = 'reload-secret-that-must-never-be-logged';
const file = (keys: string[]) =>
  JSON.stringify({ credentials: keys.map((k) => ({ accessKey: k, secretKey: `${SECRET}-${k}` })) });

interface Line {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

let dir: string;
let path: string;
let lines: Line[];
const log = {
  info: (fields: object, msg: string) => void lines.push({ level: 'info', fields: { ...fields }, msg }),
  warn: (fields: object, msg: string) => void lines.push({ level: 'warn', fields: { ...fields }, msg }),
  error: (fields: object, msg: string) => void lines.push({ level: 'error', fields: { ...fields }, msg }),
};

async function reloaderFor(keys: string[], debounceMs = 30): Promise<CredentialsReloader> {
  await writeFile(path, file(keys));
  const store = createCredentialStore(await loadCredentialsFile(path));
  return new CredentialsReloader({ file: path, store, log, debounceMs });
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jetvault-reload-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  lines = [];
  path = join(dir, `creds-${Math.random().toString(36).slice(2)}.json`);
});

describe('CredentialsReloader.reload (SIGHUP)', () => {
  it('swaps in the new store and logs counts', async () => {
    const r = await reloaderFor(['AK1']);
    const before = r.store;
    await writeFile(path, file(['AK1', 'AK2']));
    assert.equal(await r.reload('SIGHUP'), true);
    assert.notEqual(r.store, before);
    assert.ok(r.store.lookup('AK2'));
    assert.equal(before.lookup('AK2'), undefined, 'the old store is not changed under a running request');
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.fields['keys'], l.fields['reason']]),
      [['info', 'credentials reloaded', 2, 'SIGHUP']],
    );
  });

  it('a malformed file keeps the previous store and logs the error, never the secret', async () => {
    const r = await reloaderFor(['AK1']);
    const before = r.store;
    await writeFile(path, `{"credentials":[{"accessKey":"AK9","secretKey":"${SECRET}"`);
    assert.equal(await r.reload('SIGHUP'), false);
    await writeFile(
      path,
      JSON.stringify({ credentials: [{ accessKey: 'AK9', secretKey: SECRET, polcy: {} }] }),
    );
    assert.equal(await r.reload('SIGHUP'), false);
    assert.equal(r.store, before);
    assert.ok(r.store.lookup('AK1'));
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.equal(l.level, 'error');
      assert.equal(l.msg, 'credentials not reloaded; the previous credentials stay in use');
      assert.equal(l.fields['file'], path);
      assert.ok(!JSON.stringify(l).includes(SECRET), JSON.stringify(l));
    }
    assert.match(String(lines[0]!.fields['error']), /not valid JSON/);
    assert.match(String(lines[1]!.fields['error']), /credentials\[0\]: Unrecognized key: "polcy"/);
  });

  it('a missing file keeps the previous store', async () => {
    const r = await reloaderFor(['AK1']);
    await unlink(path);
    assert.equal(await r.reload('SIGHUP'), false);
    assert.ok(r.store.lookup('AK1'));
    assert.match(String(lines[0]!.fields['error']), /cannot be read \(ENOENT\)/);
  });

  it('a removed key stops being found', async () => {
    const r = await reloaderFor(['AK1', 'AK2']);
    await writeFile(path, file(['AK2']));
    await r.reload('SIGHUP');
    assert.equal(r.store.lookup('AK1'), undefined);
    assert.ok(r.store.lookup('AK2'));
  });
});

describe('CredentialsReloader.watch (file changes)', () => {
  it('reloads a file rewritten in place', async () => {
    const r = await reloaderFor(['AK1']);
    await r.watch();
    try {
      await writeFile(path, file(['AK1', 'AK3']));
      await until('the new key', () => r.store.lookup('AK3') !== undefined);
      assert.equal(lines.filter((l) => l.msg === 'credentials reloaded').length, 1);
      assert.equal(lines[0]?.fields['reason'], 'file changed');
    } finally {
      r.close();
    }
  });

  it('reloads a file replaced by rename, and again after that', async () => {
    const r = await reloaderFor(['AK1']);
    await r.watch();
    try {
      await writeFile(`${path}.tmp`, file(['AK4']));
      await rename(`${path}.tmp`, path);
      await until('the renamed file', () => r.store.lookup('AK4') !== undefined);
      assert.equal(r.store.lookup('AK1'), undefined);
      await writeFile(`${path}.tmp`, file(['AK5']));
      await rename(`${path}.tmp`, path);
      await until('the second rename', () => r.store.lookup('AK5') !== undefined);
    } finally {
      r.close();
    }
  });

  it('a malformed file on change keeps the old store; a fix afterwards loads', async () => {
    const r = await reloaderFor(['AK1']);
    await r.watch();
    try {
      await writeFile(path, '{"credentials": [');
      await until('the error', () => lines.some((l) => l.level === 'error'));
      assert.ok(r.store.lookup('AK1'));
      await writeFile(path, file(['AK6']));
      await until('the fixed file', () => r.store.lookup('AK6') !== undefined);
    } finally {
      r.close();
    }
  });

  it('events that leave the file as it was log nothing', async () => {
    const r = await reloaderFor(['AK1']);
    await r.watch();
    try {
      const store = r.store;
      await writeFile(path, file(['AK1'])); // same text
      await writeFile(join(dir, 'unrelated.txt'), 'x');
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(r.store, store);
      assert.deepEqual(lines, []);
    } finally {
      r.close();
    }
  });

  it('close() stops watching', async () => {
    const r = await reloaderFor(['AK1']);
    await r.watch();
    r.close();
    await writeFile(path, file(['AK7']));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(r.store.lookup('AK7'), undefined);
  });
});

describe('CredentialsReloader.watch through a symlink', () => {
  it('sees changes of the target file in another directory', async () => {
    const targetDir = await mkdtemp(join(tmpdir(), 'jetvault-reload-target-'));
    try {
      const target = join(targetDir, 'real.json');
      await writeFile(target, file(['AK1']));
      await symlink(target, path);
      const store = createCredentialStore(await loadCredentialsFile(path));
      const r = new CredentialsReloader({ file: path, store, log, debounceMs: 30 });
      await r.watch();
      try {
        await writeFile(target, file(['AK8']));
        await until('the target change', () => r.store.lookup('AK8') !== undefined);
      } finally {
        r.close();
      }
    } finally {
      await rm(targetDir, { recursive: true, force: true });
    }
  });
});
