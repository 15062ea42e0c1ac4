// The published CRC vectors (test/fixtures/published/checksums.json, cross-checked there against a
// bitwise CRC) and the digest vectors, through the addon's one-pass hash, whole and split in two calls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashFinal, hashInit, hashUpdate } from '../../src/crypto/native.js';
import { packageRoot } from '../../src/config/package-root.js';
import type { HashName } from '../../src/crypto/codec.js';

interface Vector {
  algorithm: HashName;
  inputAscii?: string;
  inputHex?: string;
  expectedHex: string;
}

const file = path.join(packageRoot(), 'test/fixtures/published/checksums.json');
const { vectors } = JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] };

describe('published CRC vectors through the native hash', () => {
  it('has vectors for every CRC', () => {
    for (const a of ['crc32', 'crc32c', 'crc64nvme'])
      assert.ok(
        vectors.some((v) => v.algorithm === a),
        a,
      );
  });
  for (const v of vectors) {
    const input =
      v.inputHex !== undefined ? Buffer.from(v.inputHex, 'hex') : Buffer.from(v.inputAscii ?? '', 'utf8');
    it(`${v.algorithm}(${v.inputAscii ?? v.inputHex}) = ${v.expectedHex}`, () => {
      const whole = hashFinal(hashUpdate(hashInit([v.algorithm]), input))[v.algorithm]!;
      assert.equal(Buffer.from(whole).toString('hex'), v.expectedHex);
      const cut = Math.floor(input.length / 3);
      const state = hashUpdate(hashInit([v.algorithm]), input.subarray(0, cut));
      const split = hashFinal(hashUpdate(state, input.subarray(cut)))[v.algorithm]!;
      assert.equal(Buffer.from(split).toString('hex'), v.expectedHex);
    });
  }
});
