// The typed main ↔ worker protocol (DESIGN habit 10). Every task is a member of one discriminated
// union; its result type is looked up by `op`; the buffers that cross the thread boundary are listed
// explicitly in both directions and *moved* (transferred), never copied:
//   main → worker: taskTransferList(task) is passed as Piscina's `transferList` run option, so the
//                  sender's ArrayBuffers are detached once the task is posted;
//   worker → main: a handler returns transferred(result, buffers), which Piscina posts with that list.
// A buffer moved into a task belongs to the worker from then on; if the task fails it is gone, so a
// caller that needs to retry must keep its own copy.
import { Piscina } from 'piscina';
import type { StreamParams } from '../crypto/codec.js';
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

/**
 * Seals one batch (codec.ts SealBatch) in a worker. `plaintext`, `out` and `hashState` are moved there
 * (their whole ArrayBuffers) and come back in the result; the stream parameters are copied.
 */
export interface SealTask {
  readonly op: 'seal';
  readonly stream: StreamParams;
  readonly firstIndex: number;
  readonly plaintext: Uint8Array;
  readonly final: boolean;
  readonly compress: boolean;
  /** zstd level when compressing; 1 when absent. */
  readonly level?: number;
  /** At least sealCapacity() bytes; the worker allocates one when absent. */
  readonly out?: Uint8Array;
  /** From hashInit(); updated with the plaintext. */
  readonly hashState?: Uint8Array;
  /** From hashInit(); updated with the sealed frames (the stored bytes' digest), after sealing. */
  readonly framesHashState?: Uint8Array;
}

export interface SealTaskResult {
  /** A view of `out`: the frames back to back. */
  readonly frames: Uint8Array;
  readonly offsets: number[];
  readonly compressed: number;
  readonly hashState: Uint8Array | undefined;
  readonly framesHashState: Uint8Array | undefined;
  /** The plaintext buffer, handed back for reuse. */
  readonly plaintext: Uint8Array;
  readonly threadId: number;
}

/** Opens one batch (codec.ts OpenBatch) in a worker; `frames`, `out` and `hashState` move there and back. */
export interface OpenTask {
  readonly op: 'open';
  readonly stream: StreamParams;
  readonly firstIndex: number;
  readonly frames: Uint8Array;
  readonly offsets: number[];
  readonly expectFinal: boolean;
  /** At least openCapacity() bytes; the worker allocates one when absent. */
  readonly out?: Uint8Array;
  readonly hashState?: Uint8Array;
}

export interface OpenTaskResult {
  /** A view of `out`: the authenticated plaintext. */
  readonly plaintext: Uint8Array;
  readonly final: boolean;
  readonly hashState: Uint8Array | undefined;
  /** The frames buffer, handed back for reuse. */
  readonly frames: Uint8Array;
  readonly threadId: number;
}

/** Feeds `data` to a hash state (paths without encryption); both buffers move there and back. */
export interface HashTask {
  readonly op: 'hash';
  readonly state: Uint8Array;
  readonly data: Uint8Array;
}

export interface HashTaskResult {
  readonly state: Uint8Array;
  readonly data: Uint8Array;
  readonly threadId: number;
}

export type CryptoTask = CapabilitiesTask | EchoTask | SealTask | OpenTask | HashTask;
export type CryptoOp = CryptoTask['op'];
export type TaskOf<O extends CryptoOp> = Extract<CryptoTask, { op: O }>;

interface ResultMap {
  capabilities: Capabilities;
  echo: EchoResult;
  seal: SealTaskResult;
  open: OpenTaskResult;
  hash: HashTaskResult;
}
// Compile-time check that every op has a result type.
const _everyOpHasAResult: CryptoOp extends keyof ResultMap ? true : never = true;

export type ResultOf<T extends CryptoTask> = ResultMap[T['op']];

/**
 * The distinct ArrayBuffers behind some views, for a transfer list (listing one twice is an error).
 * SharedArrayBuffers are left out: they are shared, not moved, and never copied either.
 */
export function buffersOf(...views: readonly (Uint8Array | undefined)[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const view of views) {
    const buffer = view?.buffer;
    if (buffer instanceof ArrayBuffer && !list.includes(buffer)) list.push(buffer);
  }
  return list;
}

/** The ArrayBuffers that move from the main thread to the worker with `task`. */
export function taskTransferList(task: CryptoTask): ArrayBuffer[] {
  switch (task.op) {
    case 'capabilities':
      return [];
    case 'echo':
      return [task.data];
    case 'seal':
      return buffersOf(task.plaintext, task.out, task.hashState, task.framesHashState);
    case 'open':
      return buffersOf(task.frames, task.out, task.hashState);
    case 'hash':
      return buffersOf(task.state, task.data);
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
