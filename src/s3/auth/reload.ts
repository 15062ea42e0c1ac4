// Live reload of the credentials file, on SIGHUP (main.ts calls reload()) and when the file changes.
// The store is swapped whole between requests: a request in flight keeps the proof it was given, open
// connections are untouched, and a file that does not load keeps the previous store (never opens access).
//
// The watch is on the file's directory, not the file: editors and config managers replace a file by
// renaming a new one over it (a watch on the old inode would go quiet), and Kubernetes swaps a symlinked
// directory. When the path is a symlink to a file elsewhere, that file's directory is watched too. Any
// event there schedules one debounced read; a read whose text is the same as the last one seen changes
// nothing and logs nothing.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createCredentialStore,
  parseCredentialsFile,
  readCredentialsText,
  type LoadedCredentialStore,
} from '../sigv4/credentials.js';

/** The part of a pino logger the reloader uses. */
export interface ReloadLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface CredentialsReloaderOptions {
  file: string;
  /** The store loaded at start-up. */
  store: LoadedCredentialStore;
  log: ReloadLog;
  /** Quiet time after the last change event before the file is read. */
  debounceMs?: number;
  now?: () => Date;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class CredentialsReloader {
  readonly #file: string;
  readonly #log: ReloadLog;
  readonly #debounceMs: number;
  readonly #now: () => Date;
  #store: LoadedCredentialStore;
  /** Hash of the text last read (loaded or refused), so an unchanged file is not re-read into the logs. */
  #lastSeen: string | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  readonly #watchers: FSWatcher[] = [];
  #closed = false;

  constructor(options: CredentialsReloaderOptions) {
    this.#file = options.file;
    this.#store = options.store;
    this.#log = options.log;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#now = options.now ?? (() => new Date());
  }

  /** The current store; dispatch reads it for every request. */
  get store(): LoadedCredentialStore {
    return this.#store;
  }

  /**
   * Re-reads the file (after the reloads already queued). Resolves true when a new store is in use,
   * false when the file did not load (the previous store stays) or, unless `force`, did not change.
   */
  reload(reason: string, force = true): Promise<boolean> {
    const run = this.#chain.then(() => this.#load(reason, force));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Starts watching the file's directory. The text loaded at start-up counts as seen. */
  async watch(): Promise<void> {
    const dirs = new Set([dirname(this.#file)]);
    try {
      this.#lastSeen = sha256(await readCredentialsText(this.#file));
      dirs.add(dirname(await realpath(this.#file)));
    } catch {
      // Loaded a moment ago; if it is gone now, the first change event tells.
    }
    for (const dir of dirs) {
      if (this.#closed) return;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#schedule());
        this.#watchers.push(watcher);
        watcher.on('error', (err) => {
          this.#log.warn({ file: this.#file, dir, error: err.message }, 'watch failed; reload with SIGHUP');
          watcher.close();
        });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.#log.warn({ file: this.#file, dir, error }, 'cannot watch for changes; reload with SIGHUP');
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watchers) w.close();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.reload('file changed', false), this.#debounceMs);
    this.#timer.unref();
  }

  async #load(reason: string, force: boolean): Promise<boolean> {
    let store: LoadedCredentialStore;
    try {
      const text = await readCredentialsText(this.#file);
      const hash = sha256(text);
      if (!force && hash === this.#lastSeen) return false;
      this.#lastSeen = hash;
      store = createCredentialStore(parseCredentialsFile(text, this.#file));
    } catch (err) {
      // CredentialsFileError messages name the file and entry and never quote a secret.
      this.#log.error(
        { file: this.#file, reason, error: err instanceof Error ? err.message : String(err) },
        'credentials not reloaded; the previous credentials stay in use',
      );
      return false;
    }
    this.#store = store;
    this.#log.info(
      {
        file: this.#file,
        reason,
        keys: store.size,
        users: store.users,
        expiredKeys: store.expired(this.#now()),
      },
      'credentials reloaded',
    );
    return true;
  }
}
