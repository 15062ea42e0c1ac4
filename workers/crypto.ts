// Piscina worker entry for the crypto pool (src/pool/pool.ts). Thin: dispatch on `op` and call
// src/crypto synchronously; each worker loads its own instance of the native addon. Every buffer a
// task brought is handed back by transfer, so the main thread can reuse it.
import { threadId } from 'node:worker_threads';
import { capabilities, hashUpdate, openBatch, sealBatch } from '../src/crypto/native.js';
import { buffersOf, transferred, unknownOp, type CryptoTask, type Handlers } from '../src/pool/protocol.js';

const handlers: Handlers = {
  capabilities: () => capabilities(),
  echo: (task) => transferred({ data: task.data, threadId }, [task.data]),
  seal: (task) => {
    const r = sealBatch(task, task.out, task.hashState, task.level);
    if (task.framesHashState !== undefined) hashUpdate(task.framesHashState, r.frames);
    const result = { ...r, framesHashState: task.framesHashState, plaintext: task.plaintext, threadId };
    return transferred(result, buffersOf(r.frames, task.plaintext, r.hashState, task.framesHashState));
  },
  open: (task) => {
    const r = openBatch(task, task.out, task.hashState);
    const result = { ...r, frames: task.frames, threadId };
    return transferred(result, buffersOf(r.plaintext, task.frames, r.hashState));
  },
  hash: (task) => {
    hashUpdate(task.state, task.data);
    return transferred({ state: task.state, data: task.data, threadId }, buffersOf(task.state, task.data));
  },
};

export default function runCryptoTask(task: CryptoTask): unknown {
  switch (task.op) {
    case 'capabilities':
      return handlers.capabilities(task);
    case 'echo':
      return handlers.echo(task);
    case 'seal':
      return handlers.seal(task);
    case 'open':
      return handlers.open(task);
    case 'hash':
      return handlers.hash(task);
    default:
      return unknownOp(task);
  }
}
