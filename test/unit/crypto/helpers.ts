// Shared by the crypto unit tests: fixture reading, hex/base64, and the FormatError assertion.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/config/package-root.js';
import { FormatError, type FormatErrorReason } from '../../../src/crypto/format.js';
import type { StreamParams } from '../../../src/crypto/codec.js';

export const FIXTURES = join(packageRoot(), 'test', 'fixtures');

export function readFixture<T>(...path: string[]): T {
  return JSON.parse(readFileSync(join(FIXTURES, ...path), 'utf8')) as T;
}

export function fixtureNames(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(FIXTURES, dir))
    .filter((n) => pattern.test(n))
    .sort();
}

export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
export const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Asserts that fn throws a FormatError with `reason` (and so returned nothing). */
export function throwsReason(fn: () => unknown, reason: FormatErrorReason, message?: string): void {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    assert.ok(err instanceof FormatError, `expected FormatError(${reason}), got ${String(err)}`);
    assert.equal(err.reason, reason, message ?? err.message);
    return;
  }
  assert.fail(`expected FormatError(${reason}), but it returned ${String(result)}`);
}

const ramp = (length: number, start: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

/** Stream parameters for tests (log2F 16 unless given). */
export function testParams(overrides: Partial<StreamParams> = {}): StreamParams {
  return {
    dek: ramp(32, 1),
    objectId: ramp(16, 0x51),
    salt: ramp(16, 0x71),
    part: 0,
    log2F: 16,
    ...overrides,
  };
}

/** Reproducible pseudo-random bytes. */
export function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
