// Per-object keys and the envelope (docs/format.md §2, §4–§6, §8), between a KEK provider and the storage
// backend. A writer gets a fresh DEK, object id and stream salt per object, wrapped under the current KEK
// with the bucket and key bound; once its frames are stored it seals the ETag and checksums and signs the
// envelope. A reader parses the envelope, unwraps the DEK through the bounded cache (which checks the key
// commitment), verifies the MAC for the bucket and key it reads, and only then trusts any field.
import { getRandomValues } from 'node:crypto';
import type { StreamParams } from '../crypto/codec.js';
import {
  ALG_AES_256_GCM,
  DEK_BYTES,
  OBJECT_ID_BYTES,
  SALT_BYTES,
  encodeEnvelope,
  envelopeFromMeta,
  envelopeToMeta,
  keyCommitment,
  openMetadata,
  parseEnvelope,
  sealMetadata,
  verifyEnvelope,
  type Envelope,
  type SealedMetadata,
  type SeqGap,
} from '../crypto/format.js';
import type { DekCache } from './dek-cache.js';
import { findProvider, type KekProvider } from './provider.js';

/** What a writer holds for one object until its envelope is written. Call wipe() when done. */
export interface NewObject {
  readonly bucket: string;
  readonly key: string;
  readonly dek: Uint8Array;
  readonly objectId: Uint8Array;
  readonly kekId: string;
  readonly kekVersion: number;
  readonly wrappedDek: Uint8Array;
  wipe(): void;
}

/** What the stored frames turned out to be, for the envelope. */
export interface StoredStream {
  log2F: number;
  /** The stream's salt (StreamParams.salt of newStream()). */
  salt: Uint8Array;
  size: number;
  frames: number;
  firstSeq: number;
  seqGaps: SeqGap[];
  meta: SealedMetadata;
}

/** An authenticated envelope and what it unlocks. `dek` is the caller's copy: fill(0) it when done. */
export interface OpenedObject {
  envelope: Envelope;
  dek: Uint8Array;
  meta: SealedMetadata;
}

export interface ObjectKeysOptions {
  /** New objects are wrapped under its current version. */
  writer: KekProvider;
  /** Providers that can unwrap older objects too, picked by the envelope's kek_id (the writer is one). */
  readers?: readonly KekProvider[];
  cache: DekCache;
}

export class ObjectKeys {
  private readonly writer: KekProvider;
  private readonly readers: readonly KekProvider[];
  private readonly cache: DekCache;

  constructor(opts: ObjectKeysOptions) {
    this.writer = opts.writer;
    this.readers = [opts.writer, ...(opts.readers ?? []).filter((p) => p !== opts.writer)];
    this.cache = opts.cache;
  }

  /** The KEK new objects are wrapped with (for /stats): its id and version, never its bytes. */
  get current(): { kekId: string; kekVersion: number } {
    return { kekId: this.writer.id, kekVersion: this.writer.currentVersion };
  }

  async newObject(bucket: string, key: string): Promise<NewObject> {
    const dek = getRandomValues(new Uint8Array(DEK_BYTES));
    const objectId = getRandomValues(new Uint8Array(OBJECT_ID_BYTES));
    try {
      const wrapped = await this.writer.wrap(dek, { bucket, key, objectId });
      return {
        bucket,
        key,
        dek,
        objectId,
        kekId: this.writer.id,
        kekVersion: wrapped.kekVersion,
        wrappedDek: wrapped.wrappedDek,
        wipe: () => dek.fill(0),
      };
    } catch (e) {
      dek.fill(0);
      throw e;
    }
  }

  /** Parameters of a fresh stream of `obj` (its own random salt, so nonces never repeat across attempts). */
  newStream(obj: NewObject, log2F: number, part = 0): StreamParams {
    return {
      dek: obj.dek,
      objectId: obj.objectId,
      salt: getRandomValues(new Uint8Array(SALT_BYTES)),
      part,
      log2F,
    };
  }

  /** The signed envelope of a single-PUT object, as stored in metadata["jetvault.env"]. */
  envelope(obj: NewObject, s: StoredStream): string {
    const env: Envelope = {
      alg: ALG_AES_256_GCM,
      log2F: s.log2F,
      objectId: obj.objectId,
      salt: s.salt,
      size: BigInt(s.size),
      frames: s.frames,
      kekId: obj.kekId,
      kekVersion: obj.kekVersion,
      wrappedDek: obj.wrappedDek,
      commitment: keyCommitment(obj.dek, obj.objectId),
      sealed: sealMetadata(obj.dek, obj.objectId, s.meta),
      firstSeq: BigInt(s.firstSeq),
      seqGaps: s.seqGaps,
    };
    return envelopeToMeta(encodeEnvelope(env, obj.dek, obj.bucket, obj.key));
  }

  /**
   * The envelope of a copy of `source` under another bucket and key whose frames are the same bytes at
   * other stream sequences: the DEK is wrapped again for the new name (under the current KEK version), and
   * the MAC binds the new name. Everything sealed is kept byte for byte (object id, salt, commitment and the
   * sealed metadata: re-sealing it would reuse its fixed nonce under the same key with other bytes).
   */
  async copyEnvelope(
    source: OpenedObject,
    bucket: string,
    key: string,
    placement: { firstSeq: number; seqGaps: SeqGap[] },
  ): Promise<string> {
    const { envelope, dek } = source;
    const wrapped = await this.writer.wrap(dek, { bucket, key, objectId: envelope.objectId });
    const env: Envelope = {
      ...envelope,
      kekId: this.writer.id,
      kekVersion: wrapped.kekVersion,
      wrappedDek: wrapped.wrappedDek,
      firstSeq: BigInt(placement.firstSeq),
      seqGaps: placement.seqGaps,
    };
    return envelopeToMeta(encodeEnvelope(env, dek, bucket, key));
  }

  /**
   * §8 steps 1–5. Throws FormatError (malformed, bad commitment, bad MAC, sealed metadata that does not
   * open) or KeyError (unknown KEK or version, unwrap failure): either way the object cannot be served.
   */
  async open(bucket: string, key: string, stored: string): Promise<OpenedObject> {
    const parsed = parseEnvelope(envelopeFromMeta(stored));
    const { envelope } = parsed;
    const dek = await this.cache.get(bucket, key, envelope, () =>
      findProvider(this.readers, envelope.kekId).unwrap(envelope.wrappedDek, envelope.kekVersion, {
        bucket,
        key,
        objectId: envelope.objectId,
      }),
    );
    try {
      verifyEnvelope(parsed, dek, bucket, key);
      return { envelope, dek, meta: openMetadata(dek, envelope.objectId, envelope.sealed) };
    } catch (e) {
      dek.fill(0);
      throw e;
    }
  }

  /** Wipes the cached DEKs (shutdown). */
  clear(): void {
    this.cache.clear();
  }
}
