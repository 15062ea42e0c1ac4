// The frame codec's contract (docs/format.md §2–§3), shared by the native addon (src/crypto/native.ts,
// the hot path, in the worker pool) and the pure-TypeScript reference (src/crypto/reference.ts), which
// tests cross-check byte for byte.

/** Everything a stream's key, nonce prefix and AAD are derived from. */
export interface StreamParams {
  /** 32 bytes. */
  dek: Uint8Array;
  /** 16 bytes. */
  objectId: Uint8Array;
  /** 16 bytes, fresh per stream (PUT or UploadPart attempt). */
  salt: Uint8Array;
  /** 0 for a single PUT, 1..10000 for a multipart part. */
  part: number;
  /** 16..20. */
  log2F: number;
}

export type HashName = 'md5' | 'sha1' | 'sha256' | 'crc32' | 'crc32c' | 'crc64nvme';

export interface SealBatch {
  stream: StreamParams;
  /** Index of the first frame this batch produces. */
  firstIndex: number;
  /** Plaintext: a whole number of frames of F bytes, except that a batch with `final` may end short. */
  plaintext: Uint8Array;
  /** This batch ends the stream: its last frame (possibly empty) carries FINAL. */
  final: boolean;
  /** Try zstd on each frame (kept only when it saves ≥ 3%). */
  compress: boolean;
}

export interface SealedBatch {
  /** The frames back to back; frame k is frames[offsets[k] .. offsets[k+1]). */
  frames: Uint8Array;
  /** frameCount + 1 offsets. */
  offsets: number[];
  /** How many frames were stored compressed. */
  compressed: number;
}

export interface OpenBatch {
  stream: StreamParams;
  /** Index the first frame must carry. */
  firstIndex: number;
  /** Frames back to back, delimited by offsets (frameCount + 1 entries). */
  frames: Uint8Array;
  offsets: number[];
  /** True when the last frame given must be the FINAL one (the batch reaches the end of the stream). */
  expectFinal: boolean;
}

export interface OpenedBatch {
  plaintext: Uint8Array;
  /** Whether the last frame carried FINAL. */
  final: boolean;
}
