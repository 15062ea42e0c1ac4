// Sealed metadata (§5.2): the ETag and checksums, AES-GCM under a per-object key with a zero nonce (the key
// is unique per object version, so the nonce is used once per key). sealed = ciphertext ‖ tag (16).
import {
  CHECKSUM_TYPES,
  DEK_BYTES,
  LABEL_META,
  MetaField,
  NONCE_BYTES,
  OBJECT_ID_BYTES,
  TAG_BYTES,
} from './constants.js';
import { FormatError } from './errors.js';
import { checkLength } from './frame.js';
import { aesGcmOpen, aesGcmSeal, ascii, concatBytes, decodeUtf8, hkdfSha256, utf8 } from './primitives.js';
import { decodeTlv, encodeTlv, type TlvField } from './tlv.js';

export type ChecksumType = (typeof CHECKSUM_TYPES)[number];

export interface SealedMetadata {
  /** The ETag as sent to clients, with its quotes. */
  etag: string;
  /** e.g. "CRC32C"; present together with `checksum`. */
  checksumAlgorithm?: string;
  /** Raw checksum bytes. */
  checksum?: Uint8Array;
  checksumType?: ChecksumType;
}

const KNOWN = new Set<number>(Object.values(MetaField));
const ZERO_NONCE = new Uint8Array(NONCE_BYTES);

/** meta_key = HKDF(DEK, salt = object_id, info = "jetvault/v1/meta", 32). */
export function metaKey(dek: Uint8Array, objectId: Uint8Array): Uint8Array {
  checkLength('dek', dek, DEK_BYTES);
  checkLength('objectId', objectId, OBJECT_ID_BYTES);
  return hkdfSha256(dek, objectId, ascii(LABEL_META), 32);
}

export function metaAad(objectId: Uint8Array): Uint8Array {
  return concatBytes([ascii(LABEL_META), objectId]);
}

function checkMeta(meta: SealedMetadata, reason: 'bad-params' | 'bad-meta'): void {
  if (typeof meta.etag !== 'string' || meta.etag.length === 0)
    throw new FormatError(reason, 'the ETag is required');
  const hasAlgorithm = meta.checksumAlgorithm !== undefined;
  if (hasAlgorithm !== (meta.checksum !== undefined)) {
    throw new FormatError(reason, 'checksum algorithm and checksum value go together');
  }
  if (meta.checksumAlgorithm === '') throw new FormatError(reason, 'empty checksum algorithm');
  if (meta.checksumType !== undefined) {
    if (!hasAlgorithm) throw new FormatError(reason, 'a checksum type without a checksum');
    if (!CHECKSUM_TYPES.includes(meta.checksumType)) {
      throw new FormatError(reason, `unknown checksum type ${String(meta.checksumType)}`);
    }
  }
}

export function encodeMetaBody(meta: SealedMetadata): Uint8Array {
  checkMeta(meta, 'bad-params');
  const fields: TlvField[] = [{ type: MetaField.etag, value: utf8(meta.etag) }];
  if (meta.checksumAlgorithm !== undefined && meta.checksum !== undefined) {
    fields.push({ type: MetaField.checksumAlgorithm, value: utf8(meta.checksumAlgorithm) });
    fields.push({ type: MetaField.checksum, value: meta.checksum });
  }
  if (meta.checksumType !== undefined)
    fields.push({ type: MetaField.checksumType, value: utf8(meta.checksumType) });
  return encodeTlv(fields);
}

export function decodeMetaBody(body: Uint8Array): SealedMetadata {
  const fields = decodeTlv(body, KNOWN, 'bad-meta');
  const text = (type: number, name: string): string | undefined => {
    const value = fields.get(type);
    if (value === undefined) return undefined;
    const decoded = decodeUtf8(value);
    if (decoded === undefined) throw new FormatError('bad-meta', `${name} is not UTF-8`);
    return decoded;
  };
  const meta: SealedMetadata = { etag: text(MetaField.etag, 'ETag') ?? '' };
  const algorithm = text(MetaField.checksumAlgorithm, 'checksum algorithm');
  const checksum = fields.get(MetaField.checksum);
  const checksumType = text(MetaField.checksumType, 'checksum type');
  if (algorithm !== undefined) meta.checksumAlgorithm = algorithm;
  if (checksum !== undefined) meta.checksum = checksum.slice();
  if (checksumType !== undefined) meta.checksumType = checksumType as ChecksumType;
  checkMeta(meta, 'bad-meta');
  return meta;
}

export function sealMetadata(dek: Uint8Array, objectId: Uint8Array, meta: SealedMetadata): Uint8Array {
  const { ciphertext, tag } = aesGcmSeal(
    metaKey(dek, objectId),
    ZERO_NONCE,
    metaAad(objectId),
    encodeMetaBody(meta),
  );
  return concatBytes([ciphertext, tag]);
}

/** Opens §5.2 sealed metadata: 'bad-tag' when it does not verify, 'bad-meta' when the body does not parse. */
export function openMetadata(dek: Uint8Array, objectId: Uint8Array, sealed: Uint8Array): SealedMetadata {
  if (sealed.length < TAG_BYTES) throw new FormatError('bad-tag', 'sealed metadata shorter than its tag');
  const key = metaKey(dek, objectId);
  const cut = sealed.length - TAG_BYTES;
  const body = aesGcmOpen(key, ZERO_NONCE, metaAad(objectId), sealed.subarray(0, cut), sealed.subarray(cut));
  if (body === undefined) throw new FormatError('bad-tag', 'sealed metadata does not verify');
  return decodeMetaBody(body);
}
