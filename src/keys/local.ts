// The local KEK provider (docs/keys.md, docs/format.md §6): versioned 32-byte KEKs held in memory, from a
// keyring file (loadKeyring), from a passphrase (passphrase.ts), or created for embedded mode
// (generateKeyring). Wrapping is wrapDekLocal under the current version; unwrapping picks the envelope's
// version, so rotation (rotateKeyring) never strands old objects. KEKs live in a private field, so
// util.inspect and JSON.stringify of a provider show no key bytes.
import { getRandomValues } from 'node:crypto';
import { KEK_BYTES, unwrapDekLocal, wrapDekLocal } from '../crypto/format.js';
import {
  createKeyringFile,
  readKeyring,
  replaceKeyringFile,
  wipeKeyring,
  type Keyring,
} from './keyring-file.js';
import {
  KeyError,
  checkWrapArgs,
  isKekVersion,
  type KekProvider,
  type WrapContext,
  type WrappedDek,
} from './provider.js';

export class LocalKekProvider implements KekProvider {
  readonly id: string;
  readonly currentVersion: number;
  readonly #keys = new Map<number, Uint8Array>();
  #destroyed = false;

  /** Copies the KEKs; the caller may wipe its own copies afterwards. */
  constructor(id: string, currentVersion: number, keys: ReadonlyMap<number, Uint8Array>) {
    if (id.length === 0) throw new KeyError('bad-params', 'a KEK provider needs a non-empty id');
    for (const [version, kek] of keys) {
      if (!isKekVersion(version)) throw new KeyError('bad-params', `KEK version ${version} is not ≥ 1`);
      if (kek.length !== KEK_BYTES) throw new KeyError('bad-params', `a KEK is ${KEK_BYTES} bytes`);
      this.#keys.set(version, Uint8Array.from(kek));
    }
    if (!this.#keys.has(currentVersion)) {
      this.destroy();
      throw new KeyError('bad-params', `no KEK of the current version ${currentVersion}`);
    }
    this.id = id;
    this.currentVersion = currentVersion;
  }

  /** The versions it can unwrap, ascending. */
  get versions(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  #kek(version: number): Uint8Array {
    if (this.#destroyed) throw new KeyError('destroyed', `KEK provider ${this.id} was destroyed`);
    const kek = this.#keys.get(version);
    if (kek === undefined) {
      throw new KeyError(
        'unknown-version',
        `KEK ${this.id} has no version ${version} (known: ${this.versions.join(', ')})`,
      );
    }
    return kek;
  }

  async wrap(dek: Uint8Array, context: WrapContext): Promise<WrappedDek> {
    checkWrapArgs(dek, context);
    const kek = this.#kek(this.currentVersion);
    const wrappedDek = wrapDekLocal(kek, dek, context.bucket, context.key, context.objectId);
    return { kekVersion: this.currentVersion, wrappedDek };
  }

  async unwrap(wrappedDek: Uint8Array, kekVersion: number, context: WrapContext): Promise<Uint8Array> {
    checkWrapArgs(undefined, context);
    const kek = this.#kek(kekVersion);
    try {
      return unwrapDekLocal(kek, wrappedDek, context.bucket, context.key, context.objectId);
    } catch {
      // No cause: nothing about the bytes helps a reader, and the message must not grow key material later.
      throw new KeyError(
        'unwrap-failed',
        `the wrapped DEK does not open under KEK ${this.id} version ${kekVersion} for this bucket, key and object id`,
      );
    }
  }

  destroy(): void {
    for (const k of this.#keys.values()) k.fill(0);
    this.#keys.clear();
    this.#destroyed = true;
  }

  toJSON(): object {
    return { id: this.id, currentVersion: this.currentVersion, versions: this.versions };
  }
}

function fromKeyring(ring: Keyring): LocalKekProvider {
  try {
    return new LocalKekProvider(ring.id, ring.current, ring.keys);
  } finally {
    wipeKeyring(ring);
  }
}

/** (a) The provider of a keyring file; refuses files that group or others can access. */
export async function loadKeyring(path: string): Promise<LocalKekProvider> {
  return fromKeyring(await readKeyring(path));
}

export const DEFAULT_KEYRING_ID = 'local';

/**
 * (c) Embedded mode: creates a keyring at `path` holding one random KEK (version 1), mode 0600, with an
 * exclusive create (KeyError 'exists' if anything is there; it never overwrites). Returns the warning to
 * show the user: without this file every encrypted object is unreadable.
 */
export async function generateKeyring(path: string, options: { id?: string } = {}): Promise<string> {
  const ring: Keyring = {
    id: options.id ?? DEFAULT_KEYRING_ID,
    current: 1,
    keys: new Map([[1, getRandomValues(new Uint8Array(KEK_BYTES))]]),
  };
  try {
    await createKeyringFile(path, ring);
  } finally {
    wipeKeyring(ring);
  }
  return (
    `Created a new encryption key file at ${path}. Back it up now, somewhere other than the data: ` +
    'without it every encrypted object is permanently unreadable.'
  );
}

/**
 * Adds a random KEK as version max+1 and makes it current; older versions stay so existing objects still
 * unwrap. The file is replaced atomically. Returns the new version. Running gateways pick it up on restart.
 */
export async function rotateKeyring(path: string): Promise<number> {
  const ring = await readKeyring(path);
  try {
    const next = Math.max(...ring.keys.keys()) + 1;
    if (!isKekVersion(next)) throw new KeyError('bad-keyring', `key file ${path} has no versions left`);
    ring.keys.set(next, getRandomValues(new Uint8Array(KEK_BYTES)));
    ring.current = next;
    await replaceKeyringFile(path, ring);
    return next;
  } finally {
    wipeKeyring(ring);
  }
}
