// Access keys and their secrets, from a JSON file in the nats-s3 format:
//   {"credentials":[{"accessKey":"…","secretKey":"…"}]}
// extended (docs/credentials.md) with optional per-entry "user", "expires" (RFC 3339) and "policy", and a
// top-level "users": {"<name>": {"policy": …}} so that several keys (a rotation's old and new secret)
// share one user's policy. The file is validated strictly: a misspelt field could otherwise silently
// mean "no policy", which is full access.
// Error messages name the file and the entry, never a secret: they end up in logs.

import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { policySchema, type Policy, type UserPrincipal } from '../auth/policy.js';

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  /** The user the key belongs to; absent: the key is its own user, named after the access key. */
  readonly user?: string;
  /** After this instant the key is refused like an unknown one (InvalidAccessKeyId). */
  readonly expires?: Date;
  /** The entry's policy, or its user's; absent: full access. */
  readonly policy?: Policy;
}

/** A key as the store keeps it: with the principal its requests act for. */
export interface StoredCredentials extends Credentials {
  readonly principal: UserPrincipal;
}

export interface CredentialStore {
  lookup(accessKey: string): StoredCredentials | undefined;
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

const userSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .regex(/^[\x20-\x7e]+$/, { error: 'must be printable ASCII' });

const objectError =
  (what: string) =>
  (iss: { code: string }): string | undefined =>
    iss.code === 'invalid_type' ? what : undefined;

const entrySchema = z.strictObject(
  {
    accessKey: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(128, { error: 'must be at most 128 characters' })
      // '/' separates the credential scope and whitespace/',' separate Authorization components.
      .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
      .refine((k) => !/[/,;=]/.test(k), { error: "must not contain '/', ',', ';' or '='" }),
    secretKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
    user: userSchema.optional(),
    expires: z.iso
      .datetime({
        offset: true,
        error: 'must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T00:00:00Z',
      })
      .transform((s) => new Date(s))
      .optional(),
    policy: policySchema.optional(),
  },
  { error: objectError('must be an object {"accessKey", "secretKey", …}') },
);

const fileSchema = z.strictObject(
  {
    credentials: z
      .array(entrySchema, { error: 'must be an array of {accessKey, secretKey}' })
      .min(1, { error: 'must list at least one key pair' }),
    users: z
      .record(
        userSchema,
        z.strictObject(
          { policy: policySchema.optional() },
          { error: objectError('must be an object {"policy": …}') },
        ),
        { error: 'must be an object mapping user names to {"policy": …}' },
      )
      .optional(),
  },
  { error: objectError('must be a JSON object with a "credentials" array') },
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
  const { credentials, users } = parsed.data;
  const seen = new Map<string, number>();
  credentials.forEach((c, i) => {
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
  return credentials.map((c, i) => {
    let policy = c.policy;
    if (users !== undefined && c.user !== undefined) {
      // With a users table, a user name that is not in it is a typo that would drop the user's policy.
      if (!Object.hasOwn(users, c.user)) {
        throw new CredentialsFileError(
          path,
          'INVALID',
          `credentials[${i}].user: "${c.user}" is not in "users"`,
        );
      }
      const shared = users[c.user]?.policy;
      if (shared !== undefined && policy !== undefined) {
        throw new CredentialsFileError(
          path,
          'INVALID',
          `credentials[${i}].policy: user "${c.user}" has a policy in "users" already; give it in one place`,
        );
      }
      policy ??= shared;
    }
    return Object.freeze({
      accessKey: c.accessKey,
      secretKey: c.secretKey,
      ...(c.user !== undefined ? { user: c.user } : {}),
      ...(c.expires !== undefined ? { expires: c.expires } : {}),
      ...(policy !== undefined ? { policy } : {}),
    });
  });
}

class MapCredentialStore implements CredentialStore {
  readonly #byKey: ReadonlyMap<string, StoredCredentials>;
  readonly users: number;

  constructor(list: readonly Credentials[]) {
    const byKey = new Map<string, StoredCredentials>();
    const users = new Set<string>();
    for (const c of list) {
      if (byKey.has(c.accessKey)) throw new Error(`duplicate access key "${c.accessKey}"`);
      const user = c.user ?? c.accessKey;
      users.add(user);
      const principal: UserPrincipal = Object.freeze({
        kind: 'user',
        user,
        accessKey: c.accessKey,
        policy: c.policy,
      });
      byKey.set(c.accessKey, Object.freeze({ ...c, principal }));
    }
    this.#byKey = byKey;
    this.users = users.size;
  }

  lookup(accessKey: string): StoredCredentials | undefined {
    return this.#byKey.get(accessKey);
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Keys whose "expires" has passed at `now`. */
  expired(now: Date): number {
    let n = 0;
    for (const c of this.#byKey.values()) if (c.expires !== undefined && c.expires < now) n++;
    return n;
  }
}

export type LoadedCredentialStore = CredentialStore & {
  readonly size: number;
  readonly users: number;
  expired(now: Date): number;
};

export function createCredentialStore(list: readonly Credentials[]): LoadedCredentialStore {
  return new MapCredentialStore(list);
}

/** The file's text; a read error becomes a CredentialsFileError naming the file. */
export async function readCredentialsText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CredentialsFileError(path, 'IO', `cannot be read (${code})`, e);
  }
}

export async function loadCredentialsFile(path: string): Promise<Credentials[]> {
  return parseCredentialsFile(await readCredentialsText(path), path);
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
  store: LoadedCredentialStore;
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
