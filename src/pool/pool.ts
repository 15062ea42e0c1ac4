// The Piscina pool that runs CPU-heavy byte work off the event loop (DESIGN §1). Workers call the
// native addon synchronously; the addon starts no threads of its own, so `threads` is the whole
// CPU budget of this process for crypto.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { NativeFrameError } from '../crypto/native.js';
import { taskTransferList, type CryptoTask, type ResultOf } from './protocol.js';

export interface CryptoPoolOptions {
  /** Worker threads, started up front and kept alive (an integer ≥ 1). */
  readonly threads: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
}

export interface CryptoPool {
  readonly threads: number;
  /** Tasks waiting for a free worker. */
  readonly queueSize: number;
  /** Runs one task in a worker. Buffers named by the protocol are moved (detached here). */
  run<T extends CryptoTask>(task: T, options?: RunOptions): Promise<ResultOf<T>>;
  /** Destroys the pool: terminates the workers; queued and running tasks reject. */
  close(): Promise<void>;
}

// This module compiles to dist/src/pool/pool.js and the worker entry to dist/workers/crypto.js.
const WORKER_URL = new URL('../../workers/crypto.js', import.meta.url);

export function createCryptoPool(options: CryptoPoolOptions): CryptoPool {
  const { threads } = options;
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new RangeError(`createCryptoPool: threads must be an integer >= 1, got ${String(threads)}`);
  }
  const filename = fileURLToPath(WORKER_URL);
  if (!existsSync(filename)) {
    throw new Error(`The crypto worker entry ${filename} is missing; run \`npm run build\` first.`);
  }
  const piscina = new Piscina<CryptoTask, unknown>({
    filename,
    minThreads: threads,
    maxThreads: threads,
    // Workers hold a loaded addon and warm caches: never retire them for idleness.
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  let closed = false;

  return {
    threads,
    get queueSize() {
      return piscina.queueSize;
    },
    async run<T extends CryptoTask>(task: T, runOptions: RunOptions = {}): Promise<ResultOf<T>> {
      if (closed) throw new Error('The crypto pool is closed');
      try {
        const result = await piscina.run(task, {
          transferList: taskTransferList(task),
          signal: runOptions.signal ?? null,
        });
        return result as ResultOf<T>;
      } catch (err) {
        // A worker's error arrives structured-cloned: message kept, class and properties lost.
        // Frame errors are rebuilt, so callers see the same NativeFrameError as on the main thread.
        throw (err instanceof Error && NativeFrameError.fromMessage(err.message)) || err;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await piscina.destroy();
    },
  };
}
