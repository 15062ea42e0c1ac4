// A real nats-server with JetStream for a test: fresh store in a temp dir, random port on 127.0.0.1.
// The binary comes from NATS_SERVER_BIN, else `nats-server` on PATH.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedNatsServer } from '../../src/storage/nats/embedded.js';

export interface TestNatsServer {
  url: string;
  pid: number;
  storeDir: string;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
  /** Stops the server (JetStream flushed) and keeps its store for inspection; stop() still removes it. */
  halt(): Promise<void>;
}

export async function startTestNatsServer(
  opts: { bin?: string; log?: (line: string) => void; extraArgs?: string[] } = {},
): Promise<TestNatsServer> {
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-nats-'));
  try {
    const server = await startEmbeddedNatsServer({
      bin: opts.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server',
      storeDir,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
    });
    return {
      url: server.url,
      pid: server.pid,
      storeDir,
      stop: async () => {
        await server.stop();
        await rm(storeDir, { recursive: true, force: true });
      },
      halt: () => server.stop(),
    };
  } catch (e) {
    await rm(storeDir, { recursive: true, force: true });
    throw e;
  }
}
