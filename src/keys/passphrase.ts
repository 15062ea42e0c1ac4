// Passphrase mode (docs/keys.md): the KEK is derived ONCE at start-up with scrypt (memory-hard) from the
// passphrase and a random 16-byte salt persisted next to the data, never per request. The salt file also
// pins the scrypt parameters it was created with, so raising the defaults later never changes the KEK of an
// existing deployment. A different passphrase or salt gives a different KEK, and objects then fail to
// unwrap ('unwrap-failed'): nothing is stored that would let a wrong passphrase be told apart sooner.
import { getRandomValues, scrypt as scryptCb } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { KEK_BYTES } from '../crypto/format.js';
import { writeExclusive } from './keyring-file.js';
import { LocalKekProvider } from './local.js';
import { KeyError } from './provider.js';

export interface ScryptParams {
  /** CPU/memory cost, a power of two; memory used is 128·N·r bytes. */
  N: number;
  r: number;
  p: number;
}

/** 128 MiB, ~0.3 s on a 2020s server core: OWASP's scrypt recommendation. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
/** Weaker salt files are refused. */
export const MIN_SCRYPT_N = 2 ** 15;
export const PASSPHRASE_SALT_BYTES = 16;
export const DEFAULT_PASSPHRASE_KEK_ID = 'passphrase';
/** Passphrase mode has one KEK; rotating means moving to a keyring file. */
export const PASSPHRASE_KEK_VERSION = 1;

export interface PassphraseKek {
  provider: LocalKekProvider;
  /** How long scrypt took: worth logging at start-up (it is paid once). */
  derivationMs: number;
  /** True when this call created the salt file. */
  saltCreated: boolean;
  params: ScryptParams;
}

interface SaltFile {
  params: ScryptParams;
  salt: Uint8Array;
}

function checkParams(params: ScryptParams, where: string, reason: 'bad-keyring' | 'bad-params'): void {
  const { N, r, p } = params;
  const int = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (!int(N) || (N & (N - 1)) !== 0 || N < MIN_SCRYPT_N || N > 2 ** 24)
    throw new KeyError(reason, `${where}: scrypt N must be a power of two from 2^15 to 2^24`);
  if (!int(r) || r < 8 || r > 64) throw new KeyError(reason, `${where}: scrypt r must be 8..64`);
  if (!int(p) || p > 16) throw new KeyError(reason, `${where}: scrypt p must be 1..16`);
}

function parseSaltFile(text: string, path: string): SaltFile {
  const bad = (why: string): KeyError => new KeyError('bad-keyring', `salt file ${path}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw bad('not a JSON object');
  const { kdf, N, r, p, salt } = doc as Record<string, unknown>;
  if (kdf !== 'scrypt') throw bad('"kdf" must be "scrypt"');
  const params = { N, r, p } as ScryptParams;
  checkParams(params, `salt file ${path}`, 'bad-keyring');
  if (typeof salt !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(salt))
    throw bad(`"salt" must be ${PASSPHRASE_SALT_BYTES} bytes of base64`);
  return { params, salt: new Uint8Array(Buffer.from(salt, 'base64')) };
}

/** Reads the salt file, or creates it (0600, exclusive: a concurrent creator wins and is read). */
async function loadOrCreateSalt(
  path: string,
  params: ScryptParams,
): Promise<SaltFile & { created: boolean }> {
  const read = async (): Promise<string | undefined> => {
    try {
      return await fs.readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeyError('io', `cannot read salt file ${path} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  const existing = await read();
  if (existing !== undefined) return { ...parseSaltFile(existing, path), created: false };
  checkParams(params, 'scrypt parameters', 'bad-params');
  const salt = getRandomValues(new Uint8Array(PASSPHRASE_SALT_BYTES));
  const doc = { kdf: 'scrypt', ...params, salt: Buffer.from(salt).toString('base64') };
  try {
    await writeExclusive(path, Buffer.from(`${JSON.stringify(doc)}\n`), 'salt file');
  } catch (err) {
    if (err instanceof KeyError && err.reason === 'exists') {
      const raced = await read();
      if (raced !== undefined) return { ...parseSaltFile(raced, path), created: false };
    }
    throw err;
  }
  return { params: { ...params }, salt, created: true };
}

function scrypt(secret: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * 2 + (1 << 20);
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, KEK_BYTES, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * (b) The KEK of `passphrase` under the salt in `saltPath` (created on first use with `options.params`,
 * default {@link DEFAULT_SCRYPT}; an existing file's parameters win). Call once at start-up. String
 * passphrases are NFC-normalised so the same text typed differently gives the same KEK.
 */
export async function passphraseProvider(
  passphrase: string | Uint8Array,
  saltPath: string,
  options: { id?: string; params?: ScryptParams } = {},
): Promise<PassphraseKek> {
  const secret =
    typeof passphrase === 'string'
      ? Buffer.from(passphrase.normalize('NFC'), 'utf8')
      : Buffer.from(passphrase);
  try {
    if (secret.length === 0) throw new KeyError('bad-params', 'the passphrase is empty');
    const { params, salt, created } = await loadOrCreateSalt(saltPath, options.params ?? DEFAULT_SCRYPT);
    const started = process.hrtime.bigint();
    let kek: Buffer;
    try {
      kek = await scrypt(secret, salt, params);
    } catch (err) {
      throw new KeyError('bad-params', `scrypt failed (${(err as Error).message})`);
    }
    const derivationMs = Number(process.hrtime.bigint() - started) / 1e6;
    try {
      const provider = new LocalKekProvider(
        options.id ?? DEFAULT_PASSPHRASE_KEK_ID,
        PASSPHRASE_KEK_VERSION,
        new Map([[PASSPHRASE_KEK_VERSION, kek]]),
      );
      return { provider, derivationMs, saltCreated: created, params };
    } finally {
      kek.fill(0);
    }
  } finally {
    secret.fill(0);
  }
}
