// The typed main ↔ worker protocol (DESIGN habit 10). Every task is a member of one discriminated
// union; its result type is looked up by `op`; the buffers that cross the thread boundary are listed
// explicitly in both directions and *moved* (transferred), never copied:
//   main → worker: taskTransferList(task) is passed as Piscina's `transferList` run option, so the
//                  sender's ArrayBuffers are detached once the task is posted;
//   worker → main: a handler returns transferred(result, buffers), which Piscina posts with that list.
// A buffer moved into a task belongs to the worker from then on; if the task fails it is gone, so a
// caller that needs to retry must keep its own copy.
import { Piscina } from 'piscina';
import type { Capabilities } from '../crypto/native.js';

/** CPU features and library versions as seen by the worker's own instance of the addon. */
export interface CapabilitiesTask {
  readonly op: 'capabilities';
}

/** Moves `data` to a worker and back; proves the transfer plumbing (and which thread ran it). */
export interface EchoTask {
  readonly op: 'echo';
  readonly data: ArrayBuffer;
}

export interface EchoResult {
  /** The same bytes, transferred back. */
  readonly data: ArrayBuffer;
  /** worker_threads.threadId of the worker that ran the task (0 would mean the main thread). */
  readonly threadId: number;
}

export type CryptoTask = CapabilitiesTask | EchoTask;
export type CryptoOp = CryptoTask['op'];
export type TaskOf<O extends CryptoOp> = Extract<CryptoTask, { op: O }>;

interface ResultMap {
  capabilities: Capabilities;
  echo: EchoResult;
}
// Compile-time check that every op has a result type.
const _everyOpHasAResult: CryptoOp extends keyof ResultMap ? true : never = true;

export type ResultOf<T extends CryptoTask> = ResultMap[T['op']];

/** The ArrayBuffers that move from the main thread to the worker with `task`. */
export function taskTransferList(task: CryptoTask): ArrayBuffer[] {
  switch (task.op) {
    case 'capabilities':
      return [];
    case 'echo':
      return [task.data];
    default:
      return unknownOp(task);
  }
}

declare const transferredBrand: unique symbol;
/** A worker result whose buffers travel back by transfer. Build it with {@link transferred}. */
export interface Transferred<R> {
  readonly [transferredBrand]: R;
}

/**
 * Wraps a worker result so that Piscina posts it with `transferList` (its ArrayBuffers are moved,
 * not structured-cloned). Only the top-level value a handler returns is inspected by Piscina.
 */
export function transferred<R>(value: R, transferList: readonly ArrayBuffer[]): Transferred<R> {
  // Piscina's Transferable interface is keyed by its private unique symbols, exposed only as
  // `symbol` through these getters, hence the casts.
  const wrapper = {
    [Piscina.transferableSymbol]: [...transferList],
    [Piscina.valueSymbol]: value,
  } as unknown as Parameters<typeof Piscina.move>[0];
  return Piscina.move(wrapper) as unknown as Transferred<R>;
}

/** What the worker's handler for each op must return. */
export type Handlers = {
  readonly [O in CryptoOp]: (task: TaskOf<O>) => ResultMap[O] | Transferred<ResultMap[O]>;
};

export function unknownOp(task: never): never {
  throw new TypeError(`Unknown crypto task op: ${JSON.stringify((task as { op?: unknown } | null)?.op)}`);
}
