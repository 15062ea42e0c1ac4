// The KEK provider interface (DESIGN.md §2 Keys, docs/format.md §6). A provider wraps a per-object DEK under
// a versioned key-encryption key, bound to bucket, key and object id. Async so that remote providers (AWS
// KMS, Vault Transit) implement the same interface as the local one. Errors are one typed KeyError with a
// reason code; no message ever holds key material (KEK, DEK or wrapped bytes).
import { DEK_BYTES, OBJECT_ID_BYTES } from '../crypto/format.js';

/** What the wrap is bound to (format.md §6 wrap_aad; the encryption context of remote providers). */
export interface WrapContext {
  bucket: string;
  key: string;
  /** 16 random bytes per object version (per multipart upload). */
  objectId: Uint8Array;
}

export interface WrappedDek {
  /** Stored as the envelope's kek_version. */
  kekVersion: number;
  /** Stored as the envelope's wrapped_dek (provider-specific bytes). */
  wrappedDek: Uint8Array;
}

export interface KekProvider {
  /** Stored as the envelope's kek_id; a reader picks the provider by it. */
  readonly id: string;
  /** The version new wraps use. */
  readonly currentVersion: number;
  /** Wraps a 32-byte DEK under the current version. Does not keep or alter `dek`. */
  wrap(dek: Uint8Array, context: WrapContext): Promise<WrappedDek>;
  /**
   * The DEK (a fresh buffer the caller owns and should fill(0) when done), or KeyError 'unknown-version' /
   * 'unwrap-failed'.
   */
  unwrap(wrappedDek: Uint8Array, kekVersion: number, context: WrapContext): Promise<Uint8Array>;
  /** Wipes the key material the provider holds; it is unusable afterwards. */
  destroy?(): void;
}

export type KeyErrorReason =
  /** No KEK of that version (e.g. written by a rotated keyring this process has not loaded). */
  | 'unknown-version'
  /** No provider with the envelope's kek_id. */
  | 'unknown-kek'
  /** The wrapped DEK does not open under this KEK, bucket, key and object id. */
  | 'unwrap-failed'
  /** An unwrapped DEK does not match the envelope's key commitment (format.md §4). */
  | 'bad-commitment'
  /** A key file or salt file that does not parse or holds invalid values. */
  | 'bad-keyring'
  /** A key file readable or writable by group or others. */
  | 'insecure-permissions'
  /** A key file that already exists where a new one was to be created. */
  | 'exists'
  /** A key file or salt file that cannot be read or written. */
  | 'io'
  /** A provider used after destroy(). */
  | 'destroyed'
  /** Arguments outside what the format allows (DEK or object id size, passphrase…): a caller bug. */
  | 'bad-params';

export class KeyError extends Error {
  readonly reason: KeyErrorReason;

  constructor(reason: KeyErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options);
    this.name = 'KeyError';
    this.reason = reason;
  }
}

export function isKeyError(err: unknown, reason?: KeyErrorReason): err is KeyError {
  return err instanceof KeyError && (reason === undefined || err.reason === reason);
}

/** Checks what every provider requires of a wrap call; messages name sizes, never bytes. */
export function checkWrapArgs(dek: Uint8Array | undefined, context: WrapContext): void {
  if (dek !== undefined && (!(dek instanceof Uint8Array) || dek.length !== DEK_BYTES)) {
    throw new KeyError('bad-params', `a DEK is ${DEK_BYTES} bytes`);
  }
  if (!(context.objectId instanceof Uint8Array) || context.objectId.length !== OBJECT_ID_BYTES) {
    throw new KeyError('bad-params', `an object id is ${OBJECT_ID_BYTES} bytes`);
  }
  if (typeof context.bucket !== 'string' || typeof context.key !== 'string') {
    throw new KeyError('bad-params', 'bucket and key must be strings');
  }
}

/** A KEK version is a u32 ≥ 1 (envelope kek_version is BE32; 0 is never issued). */
export function isKekVersion(version: unknown): version is number {
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 && version <= 0xffffffff;
}

/** The provider an envelope names by kek_id, or KeyError 'unknown-kek'. */
export function findProvider(providers: Iterable<KekProvider>, kekId: string): KekProvider {
  for (const p of providers) if (p.id === kekId) return p;
  throw new KeyError('unknown-kek', `no KEK provider named ${JSON.stringify(kekId)} is configured`);
}
