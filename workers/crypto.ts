// Piscina worker entry for the crypto pool (src/pool/pool.ts). Thin: dispatch on `op` and call
// src/crypto synchronously; each worker loads its own instance of the native addon.
import { threadId } from 'node:worker_threads';
import { capabilities } from '../src/crypto/native.js';
import { transferred, unknownOp, type CryptoTask, type Handlers } from '../src/pool/protocol.js';

const handlers: Handlers = {
  capabilities: () => capabilities(),
  echo: (task) => transferred({ data: task.data, threadId }, [task.data]),
};

export default function runCryptoTask(task: CryptoTask): unknown {
  switch (task.op) {
    case 'capabilities':
      return handlers.capabilities(task);
    case 'echo':
      return handlers.echo(task);
    default:
      return unknownOp(task);
  }
}
