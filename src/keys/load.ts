// Which KEK provider a gateway runs with, from its configuration: a key file (keyring JSON or 32 bare
// bytes), a passphrase file (scrypt once, salt persisted beside the data), or — in embedded mode only —
// a keyring generated on first start in the data dir. Remote NATS without a key is a configuration error
// unless every bucket is plaintext: a gateway must not invent a key that other instances don't share.
import { readSecureFile } from './keyring-file.js';
import { generateKeyring, loadKeyring } from './local.js';
import { passphraseProvider } from './passphrase.js';
import { isKeyError, type KekProvider } from './provider.js';
import path from 'node:path';

export interface KeySource {
  keyFile: string | undefined;
  passphraseFile: string | undefined;
  dataDir: string;
  /** Embedded nats-server: a missing key may be generated. */
  embedded: boolean;
}

export interface LoadedKek {
  provider: KekProvider;
  /** How it was obtained, for the banner and /stats (never key bytes). */
  source: string;
  /** Set when a key file was just created: the user must back it up. */
  warning: string | undefined;
}

export const GENERATED_KEYRING = 'keyring.json';
export const PASSPHRASE_SALT = 'passphrase.salt';

/** undefined when no key is configured and none may be generated. */
export async function loadKek(src: KeySource): Promise<LoadedKek | undefined> {
  if (src.keyFile !== undefined && src.passphraseFile !== undefined) {
    throw new Error('--key-file and --passphrase-file are alternatives; give one');
  }
  if (src.keyFile !== undefined) {
    return {
      provider: await loadKeyring(src.keyFile),
      source: `key file ${src.keyFile}`,
      warning: undefined,
    };
  }
  if (src.passphraseFile !== undefined) {
    const bytes = await readSecureFile(src.passphraseFile, 'passphrase file');
    // One trailing newline is an editor's, not the passphrase's.
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0a) end--;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    try {
      const r = await passphraseProvider(bytes.subarray(0, end), path.join(src.dataDir, PASSPHRASE_SALT));
      return {
        provider: r.provider,
        source: `passphrase file ${src.passphraseFile} (scrypt N=${r.params.N}, ${Math.round(r.derivationMs)} ms)`,
        warning: r.saltCreated
          ? `Created ${path.join(src.dataDir, PASSPHRASE_SALT)}: back it up with the passphrase, both are needed to read encrypted objects.`
          : undefined,
      };
    } finally {
      bytes.fill(0);
    }
  }
  if (!src.embedded) return undefined;
  const file = path.join(src.dataDir, GENERATED_KEYRING);
  let warning: string | undefined;
  try {
    warning = await generateKeyring(file);
  } catch (e) {
    if (!isKeyError(e, 'exists')) throw e;
  }
  return { provider: await loadKeyring(file), source: `key file ${file}`, warning };
}
