// The primitives the v1 format is built from, on node:crypto, plus the byte helpers the encoders share.
// aesGcmSeal/aesGcmOpen are exported so tests check them against published AES-GCM vectors too.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { NONCE_BYTES, TAG_BYTES } from './constants.js';
import { FormatError } from './errors.js';

const AES_256_KEY_BYTES = 32;

export const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
export const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** UTF-8 → string; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function be16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

export function be32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function be64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
export const readBe32 = (bytes: Uint8Array, at = 0): number => view(bytes).getUint32(at);
export const readBe64 = (bytes: Uint8Array, at = 0): bigint => view(bytes).getBigUint64(at);

/** Constant-time equality (false for different lengths). */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

export function hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const mac = createHmac('sha256', key);
  for (const d of data) mac.update(d);
  return new Uint8Array(mac.digest());
}

function checkGcmArgs(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AES_256_KEY_BYTES) {
    throw new FormatError('bad-params', `AES-256-GCM key must be 32 bytes, got ${key.length}`);
  }
  if (nonce.length !== NONCE_BYTES) {
    throw new FormatError('bad-params', `AES-GCM nonce must be 12 bytes, got ${nonce.length}`);
  }
}

/** AES-256-GCM with a 96-bit nonce and a 128-bit tag (SP 800-38D). */
export function aesGcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): { ciphertext: Uint8Array; tag: Uint8Array } {
  checkGcmArgs(key, nonce);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = concatBytes([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: new Uint8Array(cipher.getAuthTag()) };
}

/**
 * The inverse of {@link aesGcmSeal}: the plaintext, or undefined when the tag does not verify. The
 * plaintext decrypted before the tag check is wiped and never returned on failure.
 */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array | undefined {
  checkGcmArgs(key, nonce);
  if (tag.length !== TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  try {
    const tail = decipher.final();
    return concatBytes([head, tail]);
  } catch {
    head.fill(0);
    return undefined;
  } finally {
    head.fill(0);
  }
}
