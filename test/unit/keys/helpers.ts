// Shared by the key tests: temporary directories, KeyError assertions, and the "no key bytes in this text"
// check (hex and base64 of every key).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { KeyError, type KeyErrorReason } from '../../../src/keys/provider.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jetvault-keys-'));
  dirs.push(dir);
  return dir;
}

/** Awaits `fn`, asserts a KeyError with `reason`, and returns it for further checks. */
export async function rejectsReason(fn: () => Promise<unknown>, reason: KeyErrorReason): Promise<KeyError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    assert.ok(err instanceof KeyError, `expected KeyError(${reason}), got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  return assert.fail(`expected KeyError(${reason}), but it returned ${String(result)}`);
}

/** Asserts `text` holds none of `keys` in hex, base64 or base64url. */
export function assertNoKeyBytes(text: string, keys: readonly Uint8Array[]): void {
  for (const k of keys) {
    const b = Buffer.from(k);
    for (const enc of ['hex', 'base64', 'base64url'] as const) {
      const s = b.toString(enc).replace(/=+$/, '');
      assert.ok(!text.includes(s), `key bytes (${enc}) leaked into: ${text}`);
      assert.ok(!text.includes(s.slice(0, 16)), `a key prefix (${enc}) leaked into: ${text}`);
    }
  }
}

export const ctx = (objectIdByte = 1, bucket = 'photos', key = 'a/b.jpg') => ({
  bucket,
  key,
  objectId: new Uint8Array(16).fill(objectIdByte),
});
