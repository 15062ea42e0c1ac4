// A bounded LRU of unwrapped DEKs, so the ranged GETs of one object do not unwrap its DEK (a KMS round trip
// for remote providers) every time. Entries are keyed by everything the unwrap depends on — bucket, key,
// object id, kek_id, kek_version and the wrapped bytes — so a changed envelope never hits a stale entry.
// A DEK is returned or cached only after its key commitment (format.md §4) matches the envelope's, checked
// again on every hit. The cache owns its buffers: callers get copies, and evicted, expired or cleared
// entries are wiped with fill(0).
import { createHash } from 'node:crypto';
import { ctEqual, keyCommitment, type Envelope } from '../crypto/format.js';
import { KeyError } from './provider.js';

/** The envelope fields a DEK depends on. */
export type DekEnvelope = Pick<Envelope, 'objectId' | 'kekId' | 'kekVersion' | 'wrappedDek' | 'commitment'>;

export interface DekCacheOptions {
  /** Most DEKs held at once (default 1024; 0 disables caching). */
  maxEntries?: number;
  /** How long a DEK stays after it was unwrapped, in ms (default 5 minutes; 0 = until evicted). */
  ttlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export const DEFAULT_DEK_CACHE_ENTRIES = 1024;
export const DEFAULT_DEK_CACHE_TTL_MS = 5 * 60_000;

interface Entry {
  dek: Uint8Array;
  expires: number;
}

export interface DekCacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

/** A digest of the unwrap inputs: fixed size, and no raw bucket/key strings held as map keys. */
function cacheKey(bucket: string, key: string, env: DekEnvelope): string {
  const h = createHash('sha256');
  for (const part of [Buffer.from(bucket), Buffer.from(key), env.objectId, Buffer.from(env.kekId)]) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(part.length);
    h.update(len).update(part);
  }
  const version = Buffer.alloc(4);
  version.writeUInt32BE(env.kekVersion);
  return h.update(version).update(env.wrappedDek).digest('base64');
}

function commitmentMatches(dek: Uint8Array, env: DekEnvelope): boolean {
  return dek.length === 32 && ctEqual(keyCommitment(dek, env.objectId), env.commitment);
}

export class DekCache {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  readonly #stats: DekCacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: DekCacheOptions = {}) {
    const { maxEntries = DEFAULT_DEK_CACHE_ENTRIES, ttlMs = DEFAULT_DEK_CACHE_TTL_MS } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0)
      throw new KeyError('bad-params', 'DEK cache maxEntries must be an integer ≥ 0');
    if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new KeyError('bad-params', 'DEK cache ttlMs must be ≥ 0');
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): Readonly<DekCacheStats> {
    return { ...this.#stats };
  }

  /**
   * The DEK of `envelope` as a fresh copy the caller owns (fill(0) it when done). On a miss `unwrap` is
   * called (e.g. provider.unwrap(env.wrappedDek, env.kekVersion, {bucket, key, objectId})) and must return
   * a buffer the cache may keep. KeyError 'bad-commitment' when the DEK does not match the envelope's
   * commitment; such a DEK is wiped and never cached. Errors from `unwrap` pass through, nothing cached.
   */
  async get(
    bucket: string,
    key: string,
    envelope: DekEnvelope,
    unwrap: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    const id = cacheKey(bucket, key, envelope);
    const hit = this.#lookup(id);
    if (hit !== undefined) {
      if (!commitmentMatches(hit, envelope)) throw commitmentError();
      this.#stats.hits++;
      return hit.slice();
    }
    this.#stats.misses++;
    const dek = await unwrap();
    if (!commitmentMatches(dek, envelope)) {
      dek.fill(0);
      throw commitmentError();
    }
    const copy = dek.slice();
    this.#insert(id, dek);
    return copy;
  }

  /** Drops and wipes expired entries (get() also skips them); call it from a timer if idle DEKs matter. */
  prune(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) if (entry.expires <= now) this.#drop(id, entry);
  }

  /** Wipes and drops every entry (on shutdown, or after a KEK change). */
  clear(): void {
    for (const [id, entry] of this.#entries) this.#drop(id, entry);
  }

  #lookup(id: string): Uint8Array | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#drop(id, entry);
      return undefined;
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.dek;
  }

  #insert(id: string, dek: Uint8Array): void {
    if (this.maxEntries === 0) {
      dek.fill(0);
      return;
    }
    const previous = this.#entries.get(id);
    if (previous !== undefined) this.#drop(id, previous); // a concurrent miss got there first
    const expires = this.ttlMs > 0 ? this.#now() + this.ttlMs : Number.POSITIVE_INFINITY;
    this.#entries.set(id, { dek, expires });
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#drop(oldest, entry);
      this.#stats.evictions++;
    }
  }

  #drop(id: string, entry: Entry): void {
    entry.dek.fill(0);
    this.#entries.delete(id);
  }
}

function commitmentError(): KeyError {
  return new KeyError('bad-commitment', 'the unwrapped DEK does not match the envelope key commitment');
}
