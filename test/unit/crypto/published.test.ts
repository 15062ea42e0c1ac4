// Published known answers (test/fixtures/published/), checked through node:crypto and through the helpers
// of src/crypto/format.ts: AES-256-GCM (GCM spec cases 13–16, NIST CAVP), HKDF-SHA256 (RFC 5869),
// HMAC-SHA256 (RFC 4231), MD5/SHA-1/SHA-256 (RFC 1321, FIPS 180), and CRC check values. The CRC fixture is
// also what the native addon tests use; the bitwise CRCs below prove it independent of the addon.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import zlib from 'node:zlib';
import { aesGcmOpen, aesGcmSeal, hkdfSha256, hmacSha256 } from '../../../src/crypto/format.js';
import { fromHex, readFixture, toHex } from './helpers.js';

interface Gcm {
  name: string;
  keyHex: string;
  ivHex: string;
  aadHex: string;
  plaintextHex: string;
  ciphertextHex: string;
  tagHex: string;
}

describe('AES-256-GCM', () => {
  for (const v of readFixture<{ vectors: Gcm[] }>('published', 'aes-256-gcm.json').vectors) {
    test(v.name, () => {
      const [key, iv, aad, pt, ct, tag] = [
        v.keyHex,
        v.ivHex,
        v.aadHex,
        v.plaintextHex,
        v.ciphertextHex,
        v.tagHex,
      ].map(fromHex);
      const cipher = createCipheriv('aes-256-gcm', key!, iv!);
      cipher.setAAD(aad!);
      assert.equal(toHex(Buffer.concat([cipher.update(pt!), cipher.final()])), v.ciphertextHex);
      assert.equal(toHex(cipher.getAuthTag()), v.tagHex);
      const decipher = createDecipheriv('aes-256-gcm', key!, iv!);
      decipher.setAAD(aad!);
      decipher.setAuthTag(tag!);
      assert.equal(toHex(Buffer.concat([decipher.update(ct!), decipher.final()])), v.plaintextHex);

      const sealed = aesGcmSeal(key!, iv!, aad!, pt!);
      assert.equal(toHex(sealed.ciphertext), v.ciphertextHex);
      assert.equal(toHex(sealed.tag), v.tagHex);
      assert.equal(toHex(aesGcmOpen(key!, iv!, aad!, ct!, tag!)!), v.plaintextHex);
      const badTag = tag!.slice();
      badTag[0]! ^= 1;
      assert.equal(aesGcmOpen(key!, iv!, aad!, ct!, badTag), undefined);
      const badAad = Uint8Array.from([...aad!, 0]);
      assert.equal(aesGcmOpen(key!, iv!, badAad, ct!, tag!), undefined);
    });
  }
});

describe('HKDF-SHA256 (RFC 5869)', () => {
  type Hkdf = {
    name: string;
    ikmHex: string;
    saltHex: string;
    infoHex: string;
    length: number;
    prkHex: string;
    okmHex: string;
  };
  for (const v of readFixture<{ vectors: Hkdf[] }>('published', 'hkdf-sha256.json').vectors) {
    test(v.name, () => {
      const [ikm, salt, info] = [v.ikmHex, v.saltHex, v.infoHex].map(fromHex);
      assert.equal(toHex(new Uint8Array(hkdfSync('sha256', ikm!, salt!, info!, v.length))), v.okmHex);
      assert.equal(toHex(hkdfSha256(ikm!, salt!, info!, v.length)), v.okmHex);
      // The extract step on its own: PRK = HMAC(salt, IKM) (an empty salt is HashLen zero bytes).
      const prk = hmacSha256(salt!.length > 0 ? salt! : new Uint8Array(32), ikm!);
      assert.equal(toHex(prk), v.prkHex);
    });
  }
});

describe('HMAC-SHA256 (RFC 4231)', () => {
  type Hmac = { name: string; keyHex: string; dataHex: string; macHex: string };
  for (const v of readFixture<{ vectors: Hmac[] }>('published', 'hmac-sha256.json').vectors) {
    test(v.name, () => {
      const [key, data] = [v.keyHex, v.dataHex].map(fromHex);
      const viaNode = createHmac('sha256', key!).update(data!).digest('hex');
      assert.equal(viaNode.slice(0, v.macHex.length), v.macHex);
      assert.equal(toHex(hmacSha256(key!, data!)).slice(0, v.macHex.length), v.macHex);
    });
  }
});

describe('MD5, SHA-1, SHA-256', () => {
  type Digest = { algorithm: string; inputAscii: string; expectedHex: string; source: string };
  for (const v of readFixture<{ vectors: Digest[] }>('published', 'digests.json').vectors) {
    test(`${v.algorithm}("${v.inputAscii.slice(0, 24)}${v.inputAscii.length > 24 ? '…' : ''}")`, () => {
      assert.equal(createHash(v.algorithm).update(v.inputAscii, 'latin1').digest('hex'), v.expectedHex);
    });
  }
});

// Bitwise, reflected CRCs straight from the polynomials: slow and obviously right.
function crc32Bitwise(data: Uint8Array, poly: number): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function crc64Bitwise(data: Uint8Array, poly: bigint): bigint {
  const mask = (1n << 64n) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ mask;
}
const CRC = {
  crc32: (d: Uint8Array) => crc32Bitwise(d, 0xedb88320).toString(16).padStart(8, '0'),
  crc32c: (d: Uint8Array) => crc32Bitwise(d, 0x82f63b78).toString(16).padStart(8, '0'),
  crc64nvme: (d: Uint8Array) => crc64Bitwise(d, 0x9a6c9329ac4bc9b5n).toString(16).padStart(16, '0'),
} as const;

describe('checksums.json (CRC32, CRC32C, CRC64NVME)', () => {
  type Crc = {
    algorithm: keyof typeof CRC;
    inputAscii?: string;
    inputHex?: string;
    expectedHex: string;
    source: string;
  };
  const vectors = readFixture<{ vectors: Crc[] }>('published', 'checksums.json').vectors;
  test('has the "123456789" check value of every algorithm', () => {
    const check = new Map(
      vectors.filter((v) => v.inputAscii === '123456789').map((v) => [v.algorithm, v.expectedHex]),
    );
    assert.deepEqual(Object.fromEntries(check), {
      crc32: 'cbf43926',
      crc32c: 'e3069283',
      crc64nvme: 'ae8b14860a799888',
    });
  });
  for (const v of vectors) {
    const input =
      v.inputHex !== undefined ? fromHex(v.inputHex) : new Uint8Array(Buffer.from(v.inputAscii!, 'latin1'));
    test(`${v.algorithm}(${v.inputHex !== undefined ? `0x${v.inputHex.slice(0, 16)}` : JSON.stringify(v.inputAscii)})`, () => {
      assert.ok(v.source.length > 0);
      assert.equal(CRC[v.algorithm](input), v.expectedHex);
      if (v.algorithm === 'crc32' && typeof zlib.crc32 === 'function') {
        assert.equal(zlib.crc32(input).toString(16).padStart(8, '0'), v.expectedHex);
      }
    });
  }
});
