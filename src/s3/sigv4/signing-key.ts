// The SigV4 signing key depends only on (secret, day, region, service): deriving it is four HMACs that
// would otherwise run on every request of the day. A small LRU keeps the keys of the active clients.

import { createHmac } from 'node:crypto';

export function hmacSha256(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secretKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmacSha256(`AWS4${secretKey}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, 'aws4_request');
}

export class SigningKeyCache {
  readonly maxEntries: number;
  #keys = new Map<string, Buffer>();
  #derivations = 0;

  constructor(maxEntries = 256) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`SigningKeyCache maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.maxEntries = maxEntries;
  }

  get(secretKey: string, date: string, region: string, service: string): Buffer {
    // '\n' cannot occur in a date, region or service that passed parsing, so the key is unambiguous.
    const id = `${date}\n${region}\n${service}\n${secretKey}`;
    const hit = this.#keys.get(id);
    if (hit !== undefined) {
      // Re-insert so that Map order is least-recently-used first.
      this.#keys.delete(id);
      this.#keys.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secretKey, date, region, service);
    this.#derivations++;
    this.#keys.set(id, key);
    if (this.#keys.size > this.maxEntries) {
      const oldest = this.#keys.keys().next();
      if (oldest.done !== true) this.#keys.delete(oldest.value);
    }
    return key;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** How many times the HMAC chain actually ran (for tests and metrics). */
  get derivations(): number {
    return this.#derivations;
  }

  clear(): void {
    this.#keys.clear();
  }
}
