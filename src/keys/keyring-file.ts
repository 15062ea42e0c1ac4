// The local keyring file (docs/keys.md): JSON {"id", "current", "keys": {"<version>": "<base64 32 bytes>"}},
// mode 0600. Reading refuses a file that group or others may read or write; writing creates files 0600 with
// an exclusive create and replaces a keyring only by rename, so a crash never leaves half a key file. Parse
// errors never quote the file (JSON.parse messages do), and buffers that held key bytes are wiped.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KEK_BYTES } from '../crypto/format.js';
import { KeyError, isKekVersion } from './provider.js';

export interface Keyring {
  id: string;
  current: number;
  /** version → 32-byte KEK. */
  keys: Map<number, Uint8Array>;
}

/** Files holding key material must not be readable or writable by anyone but the owner. */
const INSECURE_BITS = 0o077;
/** A keyring is a few hundred bytes per version; refuse anything absurd before parsing it. */
const MAX_KEYRING_BYTES = 1 << 20;
const ID_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;
const B64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

export function wipeKeyring(ring: Keyring): void {
  for (const k of ring.keys.values()) k.fill(0);
  ring.keys.clear();
}

function ioError(action: string, path: string, err: unknown): KeyError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new KeyError('io', `cannot ${action} key file ${path} (${code})`);
}

/**
 * The whole file, after checking through the open descriptor (no stat/open race) that it is a regular file
 * and that group and others have no access. `what` names the file in messages.
 */
export async function readSecureFile(path: string, what = 'key file'): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    // Symlinks are followed (Kubernetes mounts secrets through them); the checks below are on the target.
    handle = await fs.open(path, constants.O_RDONLY);
  } catch (err) {
    throw ioError('open', path, err);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new KeyError('bad-keyring', `${what} ${path} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & INSECURE_BITS) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyError(
        'insecure-permissions',
        `${what} ${path} is accessible by group or others (mode ${mode}); run: chmod 600 ${path}`,
      );
    }
    if (st.size > MAX_KEYRING_BYTES) throw new KeyError('bad-keyring', `${what} ${path} is too large`);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw ioError('read', path, err);
  } finally {
    await handle.close();
  }
}

/** Strict parse; every message names the file and the field, never a value. */
export function parseKeyring(bytes: Uint8Array, path: string): Keyring {
  const bad = (why: string): KeyError => new KeyError('bad-keyring', `key file ${path}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw bad('not valid JSON'); // no cause: JSON.parse messages quote the text around the error
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
  const { id, current, keys, ...rest } = doc as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw bad(`unknown field ${JSON.stringify(extra[0])}`);
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    throw bad('"id" must be 1–128 characters of A-Z a-z 0-9 . _ : / -');
  if (!isKekVersion(current)) throw bad('"current" must be an integer version ≥ 1');
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw bad('"keys" must be an object');
  const ring: Keyring = { id, current, keys: new Map() };
  try {
    for (const [name, value] of Object.entries(keys)) {
      const version = Number(name);
      if (!/^[1-9][0-9]*$/.test(name) || !isKekVersion(version))
        throw bad(`key version ${JSON.stringify(name)} is not an integer ≥ 1`);
      if (typeof value !== 'string' || !B64_PATTERN.test(value))
        throw bad(`key version ${version} is not ${KEK_BYTES} bytes of base64`);
      const decoded = Buffer.from(value, 'base64');
      const kek = new Uint8Array(KEK_BYTES);
      kek.set(decoded);
      decoded.fill(0);
      ring.keys.set(version, kek);
    }
    if (!ring.keys.has(current)) throw bad(`"current" is ${current} but there is no key of that version`);
  } catch (err) {
    wipeKeyring(ring);
    throw err;
  }
  return ring;
}

/** JSON bytes, versions ascending. The caller wipes the result once written. */
export function serializeKeyring(ring: Keyring): Buffer {
  const keys: Record<string, string> = {};
  for (const v of [...ring.keys.keys()].sort((a, b) => a - b)) {
    keys[String(v)] = Buffer.from(ring.keys.get(v)!).toString('base64');
  }
  return Buffer.from(`${JSON.stringify({ id: ring.id, current: ring.current, keys }, null, 2)}\n`, 'utf8');
}

/**
 * A bare key file: exactly 32 bytes, or their hex (64 digits) or base64 (44 characters) on one line. It is
 * the keyring {id "local", current 1, keys {1: key}}; rotation turns it into a keyring JSON file.
 */
function parseBareKey(bytes: Uint8Array): Uint8Array | undefined {
  // Exactly 32 bytes is always a bare key, whatever its first byte: the shortest keyring JSON is longer.
  if (bytes.length === KEK_BYTES) return Uint8Array.from(bytes);
  if (bytes.length > 100) return undefined;
  const text = Buffer.from(bytes).toString('latin1').trim();
  let decoded: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) decoded = Buffer.from(text, 'hex');
  else if (B64_PATTERN.test(text)) decoded = Buffer.from(text, 'base64');
  if (decoded === undefined) return undefined;
  const kek = Uint8Array.from(decoded);
  decoded.fill(0);
  return kek;
}

/** Reads, checks permissions and parses a keyring (or bare key) file; the file buffer is wiped. */
export async function readKeyring(path: string): Promise<Keyring> {
  const bytes = await readSecureFile(path);
  try {
    const bare = parseBareKey(bytes);
    if (bare !== undefined) return { id: 'local', current: 1, keys: new Map([[1, bare]]) };
    return parseKeyring(bytes, path);
  } finally {
    bytes.fill(0);
  }
}

/** Creates `path` 0600 with O_EXCL (never overwrites), writes and fsyncs `data`. */
export async function writeExclusive(path: string, data: Uint8Array, what = 'key file'): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyError('exists', `${what} ${path} already exists; refusing to overwrite it`);
    }
    throw ioError('create', path, err);
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(path, { force: true });
    throw ioError('write', path, err);
  }
  await handle.close();
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Best effort: some platforms cannot fsync a directory.
  }
}

/** Writes a new keyring file; refuses to overwrite one. */
export async function createKeyringFile(path: string, ring: Keyring): Promise<void> {
  const data = serializeKeyring(ring);
  try {
    await writeExclusive(path, data);
  } finally {
    data.fill(0);
  }
  await syncDir(dirname(path));
}

/** Replaces an existing keyring atomically: a 0600 temporary file beside it, fsync, rename. */
export async function replaceKeyringFile(path: string, ring: Keyring): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const data = serializeKeyring(ring);
  try {
    await writeExclusive(tmp, data);
  } finally {
    data.fill(0);
  }
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw ioError('replace', path, err);
  }
  await syncDir(dirname(path));
}
