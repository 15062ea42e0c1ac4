// The frozen constants of storage format v1 (docs/format.md). Changing any of them is format v2.

export const FORMAT_VERSION = 1;
/** §1 alg: the only v1 algorithm. */
export const ALG_AES_256_GCM = 1;

export const LOG2F_MIN = 16;
export const LOG2F_MAX = 20;

export const DEK_BYTES = 32;
export const KEK_BYTES = 32;
export const OBJECT_ID_BYTES = 16;
export const SALT_BYTES = 16;
export const STREAM_KEY_BYTES = 32;
export const NONCE_PREFIX_BYTES = 7;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 8;
/** header + tag: the smallest frame (an empty FINAL frame). */
export const FRAME_OVERHEAD = HEADER_BYTES + TAG_BYTES;
export const AAD_BYTES = 47;
export const COMMITMENT_BYTES = 32;
export const MAC_BYTES = 32;
/** §6: nonce (12) ‖ encrypted DEK (32) ‖ tag (16). */
export const WRAPPED_DEK_LOCAL_BYTES = NONCE_BYTES + DEK_BYTES + TAG_BYTES;

/** §3 header flags. */
export const FLAG_FINAL = 0x01;
export const FLAG_ZSTD = 0x02;
export const KNOWN_FLAGS = FLAG_FINAL | FLAG_ZSTD;

export const PART_MAX = 10000;
export const MAX_FRAME_INDEX = 0xffffffff;
export const MAX_U32 = 0xffffffff;
export const MAX_U64 = (1n << 64n) - 1n;

/** HKDF info / HMAC labels (ASCII). */
export const LABEL_STREAM = 'jetvault/v1/stream';
export const LABEL_COMMIT = 'jetvault/v1/commit';
export const LABEL_ENVELOPE = 'jetvault/v1/envelope';
export const LABEL_META = 'jetvault/v1/meta';
export const LABEL_WRAP = 'jetvault/v1/wrap';

/** §5: the envelope's magic and where it lives in the Object Store meta (base64url, no padding). */
export const ENVELOPE_MAGIC = 'JVE1';
export const ENVELOPE_META_KEY = 'jetvault.env';
/**
 * A reader's bound on an envelope (not a format field): 10000 parts take 400 KB and the envelope has to fit
 * the meta message under the default 1 MiB max_payload anyway.
 */
export const ENVELOPE_MAX_BYTES = 1 << 20;

/** §5 field types. */
export const EnvelopeField = {
  alg: 1,
  log2F: 2,
  objectId: 3,
  salt: 4,
  size: 5,
  frames: 6,
  kekId: 7,
  kekVersion: 8,
  wrappedDek: 9,
  commitment: 10,
  sealed: 11,
  firstSeq: 12,
  seqGaps: 13,
  parts: 14,
} as const;

/** §5 seq_gaps entry: BE32 frame index ‖ BE64 sequence. */
export const SEQ_GAP_BYTES = 12;
/** §5 parts entry: BE32 part ‖ salt 16 ‖ BE64 size ‖ BE32 frames ‖ BE64 first_seq. */
export const PART_ENTRY_BYTES = 40;

/** §5.2 sealed-metadata body field types. */
export const MetaField = { etag: 1, checksumAlgorithm: 2, checksum: 3, checksumType: 4 } as const;
export const CHECKSUM_TYPES = ['FULL_OBJECT', 'COMPOSITE'] as const;

/** F = 2^log2F. */
export function frameSize(log2F: number): number {
  return 2 ** log2F;
}

/** §3.2: a compressed body is kept only when it saves at least 3%. */
export function compressionPays(zstdLength: number, plaintextLength: number): boolean {
  return 100 * zstdLength <= 97 * plaintextLength;
}
