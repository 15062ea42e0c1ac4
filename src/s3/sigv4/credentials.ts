// Access keys and their secrets, from a JSON file in the nats-s3 format:
//   {"credentials":[{"accessKey":"…","secretKey":"…"}]}
// Error messages name the file and the entry, never a secret: they end up in logs.

import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface CredentialStore {
  lookup(accessKey: string): Credentials | undefined;
}

export class CredentialsFileError extends Error {
  readonly path: string;
  readonly code: 'EEXIST' | 'INVALID' | 'IO';

  constructor(path: string, code: CredentialsFileError['code'], detail: string, cause?: unknown) {
    super(`credentials file ${path}: ${detail}`, cause === undefined ? {} : { cause });
    this.name = 'CredentialsFileError';
    this.path = path;
    this.code = code;
  }
}

const entrySchema = z.object({
  accessKey: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' })
    // '/' separates the credential scope and whitespace/',' separate Authorization components.
    .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
    .refine((k) => !/[/,;=]/.test(k), { error: "must not contain '/', ',', ';' or '='" }),
  secretKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
});

const fileSchema = z.object(
  {
    credentials: z
      .array(entrySchema, { error: 'must be an array of {accessKey, secretKey}' })
      .min(1, { error: 'must list at least one key pair' }),
  },
  { error: 'must be a JSON object with a "credentials" array' },
);

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** Where JSON.parse stopped, as line:column; its message itself may quote the file (and so a secret). */
function jsonErrorPosition(text: string, error: unknown): string {
  const m = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  if (m === null) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` at line ${line} column ${before.length - before.lastIndexOf('\n')}`;
}

/** Validates the text of a credentials file; `path` only names it in errors. */
export function parseCredentialsFile(text: string, path: string): Credentials[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CredentialsFileError(path, 'INVALID', `not valid JSON${jsonErrorPosition(text, e)}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${describePath(i.path)}: ${i.message}`);
    throw new CredentialsFileError(path, 'INVALID', problems.join('; '));
  }
  const seen = new Map<string, number>();
  parsed.data.credentials.forEach((c, i) => {
    const first = seen.get(c.accessKey);
    if (first !== undefined) {
      throw new CredentialsFileError(
        path,
        'INVALID',
        `duplicate accessKey "${c.accessKey}" in credentials[${first}] and credentials[${i}]`,
      );
    }
    seen.set(c.accessKey, i);
  });
  return parsed.data.credentials.map((c) =>
    Object.freeze({ accessKey: c.accessKey, secretKey: c.secretKey }),
  );
}

class MapCredentialStore implements CredentialStore {
  readonly #byKey: ReadonlyMap<string, Credentials>;

  constructor(list: readonly Credentials[]) {
    const byKey = new Map<string, Credentials>();
    for (const c of list) {
      if (byKey.has(c.accessKey)) throw new Error(`duplicate access key "${c.accessKey}"`);
      byKey.set(c.accessKey, c);
    }
    this.#byKey = byKey;
  }

  lookup(accessKey: string): Credentials | undefined {
    return this.#byKey.get(accessKey);
  }

  get size(): number {
    return this.#byKey.size;
  }
}

export function createCredentialStore(
  list: readonly Credentials[],
): CredentialStore & { readonly size: number } {
  return new MapCredentialStore(list);
}

export async function loadCredentialsFile(path: string): Promise<Credentials[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CredentialsFileError(path, 'IO', `cannot be read (${code})`, e);
  }
  return parseCredentialsFile(text, path);
}

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A fresh pair shaped like AWS's: 20 upper-case alphanumerics, and 40 base64 characters (240 random bits). */
export function randomCredentials(): Credentials {
  let accessKey = '';
  for (let i = 0; i < 20; i++) accessKey += ACCESS_KEY_ALPHABET[randomInt(ACCESS_KEY_ALPHABET.length)];
  return { accessKey, secretKey: randomBytes(30).toString('base64') };
}

/** Writes a new key pair file readable by its owner only. Never replaces an existing file. */
export async function generateCredentials(path: string): Promise<Credentials> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const credentials = randomCredentials();
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CredentialsFileError(path, 'EEXIST', 'already exists; refusing to overwrite it', e);
    }
    throw new CredentialsFileError(path, 'IO', `cannot be created (${(e as NodeJS.ErrnoException).code})`, e);
  }
  try {
    // open()'s mode is filtered by the umask; set it explicitly so the result never depends on it.
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify({ credentials: [credentials] }, null, 2)}\n`, 'utf8');
    await handle.sync();
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw new CredentialsFileError(path, 'IO', 'could not be written', e);
  }
  return credentials;
}

export interface LoadOrGenerateResult {
  store: CredentialStore;
  generated: boolean;
  credentials: readonly Credentials[];
}

/** Loads the file if it exists, else creates it with one random pair (e.g. on first start). */
export async function loadOrGenerate(path: string): Promise<LoadOrGenerateResult> {
  let credentials: Credentials[];
  let generated = false;
  try {
    credentials = await loadCredentialsFile(path);
  } catch (e) {
    const missing =
      e instanceof CredentialsFileError && (e.cause as NodeJS.ErrnoException)?.code === 'ENOENT';
    if (!missing) throw e;
    try {
      credentials = [await generateCredentials(path)];
      generated = true;
    } catch (g) {
      // Another process created it between our read and our exclusive create: use theirs.
      if (!(g instanceof CredentialsFileError && g.code === 'EEXIST')) throw g;
      credentials = await loadCredentialsFile(path);
    }
  }
  return { store: createCredentialStore(credentials), generated, credentials };
}
