// DEK wrapping under a local KEK (§6): AES-256-GCM with a random nonce, bound to bucket, key and object id
// by the wrap AAD (which the KMS and Vault providers use as their encryption context).
import { randomBytes } from 'node:crypto';
import {
  DEK_BYTES,
  KEK_BYTES,
  LABEL_WRAP,
  NONCE_BYTES,
  OBJECT_ID_BYTES,
  TAG_BYTES,
  WRAPPED_DEK_LOCAL_BYTES,
} from './constants.js';
import { FormatError } from './errors.js';
import { checkLength } from './frame.js';
import { aesGcmOpen, aesGcmSeal, ascii, be16, concatBytes, utf8 } from './primitives.js';

/** BE16(len) ‖ UTF-8 bytes; bucket names and keys longer than 65535 bytes are outside the format. */
export function lengthPrefixed(name: string, text: string): Uint8Array {
  const bytes = utf8(text);
  if (bytes.length > 0xffff) throw new FormatError('bad-params', `${name} is longer than 65535 bytes`);
  return concatBytes([be16(bytes.length), bytes]);
}

/** "jetvault/v1/wrap" ‖ BE16(len(bucket)) ‖ bucket ‖ BE16(len(key)) ‖ key ‖ object_id. */
export function wrapAad(bucket: string, key: string, objectId: Uint8Array): Uint8Array {
  checkLength('objectId', objectId, OBJECT_ID_BYTES);
  return concatBytes([
    ascii(LABEL_WRAP),
    lengthPrefixed('bucket', bucket),
    lengthPrefixed('key', key),
    objectId,
  ]);
}

/**
 * nonce (12) ‖ AES-GCM(KEK, nonce, wrap_aad, DEK) (32) ‖ tag (16). `nonce` defaults to 12 random bytes;
 * pass one only to make a test vector.
 */
export function wrapDekLocal(
  kek: Uint8Array,
  dek: Uint8Array,
  bucket: string,
  key: string,
  objectId: Uint8Array,
  nonce: Uint8Array = new Uint8Array(randomBytes(NONCE_BYTES)),
): Uint8Array {
  checkLength('kek', kek, KEK_BYTES);
  checkLength('dek', dek, DEK_BYTES);
  checkLength('nonce', nonce, NONCE_BYTES);
  const { ciphertext, tag } = aesGcmSeal(kek, nonce, wrapAad(bucket, key, objectId), dek);
  return concatBytes([nonce, ciphertext, tag]);
}

/** The DEK, or FormatError 'bad-wrap' when the KEK, bucket, key, object id or the bytes do not match. */
export function unwrapDekLocal(
  kek: Uint8Array,
  wrapped: Uint8Array,
  bucket: string,
  key: string,
  objectId: Uint8Array,
): Uint8Array {
  checkLength('kek', kek, KEK_BYTES);
  if (wrapped.length !== WRAPPED_DEK_LOCAL_BYTES) {
    throw new FormatError(
      'bad-wrap',
      `a locally wrapped DEK is ${WRAPPED_DEK_LOCAL_BYTES} bytes, got ${wrapped.length}`,
    );
  }
  const nonce = wrapped.subarray(0, NONCE_BYTES);
  const ciphertext = wrapped.subarray(NONCE_BYTES, NONCE_BYTES + DEK_BYTES);
  const tag = wrapped.subarray(NONCE_BYTES + DEK_BYTES, NONCE_BYTES + DEK_BYTES + TAG_BYTES);
  const dek = aesGcmOpen(kek, nonce, wrapAad(bucket, key, objectId), ciphertext, tag);
  if (dek === undefined)
    throw new FormatError(
      'bad-wrap',
      'the wrapped DEK does not open under this KEK, bucket, key and object id',
    );
  return dek;
}
