// Streams through the codec in the worker pool (DESIGN §1, docs/format.md §3): plaintext chunks of any
// size become frames, batch by batch, while the next batch is read; frames become plaintext again.
//
// Sealing is sequential per stream (each batch carries the hash state of the one before), but the main
// thread reads batch k+1 while a worker seals batch k. A full batch is held back until at least one more
// byte (or the end) arrives, so the FINAL flag always lands on the real last frame: a stream of k·F bytes
// ends with a full FINAL frame, never with an empty one after it.
import type { HashName, StreamParams } from './codec.js';
import { FormatError } from './format.js';
import { FRAME_OVERHEAD, hashFinal, hashInit, type HashDigests } from './native.js';
import type { CryptoPool } from '../pool/pool.js';

export const DEFAULT_BATCH_BYTES = 1024 * 1024;

export interface SealStreamOptions {
  pool: CryptoPool;
  stream: StreamParams;
  compress: boolean;
  /** Hashes of the plaintext, computed in the same pass as the encryption. */
  hashes: readonly HashName[];
  /** Plaintext per task, rounded down to whole frames (at least one frame). */
  batchBytes?: number;
  /** Also hash the sealed frames (what is stored) with SHA-256, in the worker, after sealing. */
  digestFrames?: boolean;
}

export interface SealSummary {
  /** Plaintext bytes. */
  size: number;
  frames: number;
  compressed: number;
  /** Bytes of the sealed frames. */
  stored: number;
  digests: HashDigests;
  /** SHA-256 of the sealed frames back to back, when `digestFrames` was set. */
  framesDigest: Uint8Array | undefined;
}

/**
 * Frames of `source`, in order, each a separate Uint8Array (a view of its batch's output buffer, which is
 * reused only once the caller gives it back with recycle(), so a frame may be held until then). `summary()` is valid after the
 * iteration ended.
 */
export class SealStream implements AsyncIterable<Uint8Array> {
  private result: SealSummary | undefined;
  /** Output buffers handed back by the caller once every frame in them was stored (see recycle()). */
  private readonly outs: ArrayBuffer[] = [];
  /** Batches sealed into a recycled buffer (a transferred buffer comes back as a new object, so count). */
  reused = 0;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly opts: SealStreamOptions,
  ) {}

  /**
   * Gives back the buffer behind a batch's frames (`frame.buffer`) once none of its frames is referenced any
   * more (e.g. every publish of them was acknowledged); later batches are sealed into it.
   */
  recycle(buffer: ArrayBuffer): void {
    if (this.outs.length < 8) this.outs.push(buffer);
  }

  summary(): SealSummary {
    if (this.result === undefined) throw new Error('SealStream.summary() before the stream ended');
    return this.result;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const { pool, stream, compress } = this.opts;
    const f = 2 ** stream.log2F;
    const batchBytes = Math.max(f, Math.floor((this.opts.batchBytes ?? DEFAULT_BATCH_BYTES) / f) * f);
    let hashState: Uint8Array = hashInit(this.opts.hashes);
    let framesHashState = this.opts.digestFrames ? hashInit(['sha256']) : undefined;
    let stored = 0;
    let spare: Uint8Array | undefined;
    let batch: Uint8Array = new Uint8Array(batchBytes);
    let fill = 0;
    let index = 0;
    let size = 0;
    let compressed = 0;
    // Room for a full batch plus an empty FINAL frame: what sealCapacity() asks of the largest batch.
    const outBytes = batchBytes + FRAME_OVERHEAD * (batchBytes / f + 1);
    const seal = async (length: number, final: boolean): Promise<Uint8Array[]> => {
      const recycled = this.outs.pop();
      const out =
        recycled !== undefined && recycled.byteLength >= outBytes ? new Uint8Array(recycled) : undefined;
      if (out !== undefined) this.reused++;
      const r = await pool.run({
        op: 'seal',
        stream,
        firstIndex: index,
        plaintext: batch.subarray(0, length),
        final,
        compress,
        hashState,
        ...(framesHashState ? { framesHashState } : {}),
        out: out ?? new Uint8Array(outBytes),
      });
      hashState = r.hashState!;
      framesHashState = r.framesHashState;
      stored += r.frames.length;
      spare = new Uint8Array(r.plaintext.buffer, 0, batchBytes);
      compressed += r.compressed;
      const frames: Uint8Array[] = [];
      for (let k = 0; k + 1 < r.offsets.length; k++)
        frames.push(r.frames.subarray(r.offsets[k], r.offsets[k + 1]));
      index += frames.length;
      return frames;
    };
    // At most one seal in flight (the hash state chains batches); the next batch fills meanwhile.
    let sealing: Promise<Uint8Array[]> | undefined;
    for await (const chunk of this.source) {
      let off = 0;
      while (off < chunk.length) {
        if (fill === batchBytes) {
          // More bytes follow, so this full batch is not the end.
          if (sealing) yield* await sealing;
          sealing = seal(fill, false);
          sealing.catch(() => {}); // awaited when the next batch is full, or at the end
          batch = spare ?? new Uint8Array(batchBytes);
          spare = undefined;
          fill = 0;
        }
        const n = Math.min(batchBytes - fill, chunk.length - off);
        batch.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
      }
      size += chunk.length;
    }
    if (sealing) yield* await sealing;
    yield* await seal(fill, true);
    this.result = {
      size,
      frames: index,
      compressed,
      stored,
      digests: hashFinal(hashState),
      framesDigest: framesHashState ? hashFinal(framesHashState).sha256 : undefined,
    };
  }
}

export interface OpenStreamOptions {
  pool: CryptoPool;
  stream: StreamParams;
  /** The stream's frame count (from the envelope): the last one must be FINAL, none may follow. */
  frameCount: number;
  /** Index of the first frame `frames` yields (a ranged read starts mid-stream). */
  firstIndex?: number;
  /** One past the last frame `frames` yields (a ranged read may stop early); default frameCount. */
  endIndex?: number;
  /** Ciphertext per task, in whole frames (at least one). */
  batchBytes?: number;
  /** Batches opened at once (no hash chain on reads, so batches are independent). */
  parallel?: number;
  /** Frames in the first batch (default: a full batch); 1 gets the first bytes out sooner. */
  firstBatchFrames?: number;
}

/**
 * Plaintext of `frames`, in order. Throws FormatError on any frame that fails (the caller must then drop
 * the connection, never send what it has). Stops early when the caller stops reading.
 */
export async function* openStream(
  frames: AsyncIterable<Uint8Array>,
  opts: OpenStreamOptions,
): AsyncIterable<Uint8Array> {
  const { pool, stream, frameCount } = opts;
  const end = opts.endIndex ?? frameCount;
  const f = 2 ** stream.log2F;
  const perBatch = Math.max(1, Math.floor((opts.batchBytes ?? DEFAULT_BATCH_BYTES) / f));
  const parallel = Math.max(1, opts.parallel ?? 2);
  let next = opts.firstIndex ?? 0;
  let batchFrames = Math.max(1, Math.min(perBatch, opts.firstBatchFrames ?? perBatch));
  const inFlight: Promise<Uint8Array>[] = [];
  // Pack buffers come back from the worker with each result and carry the next batch (no garbage per batch).
  const packs: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let yielded = 0;
  const dispatch = (): void => {
    const total = pending.reduce((n, fr) => n + fr.length, 0);
    let packed = packs.pop();
    if (packed === undefined || packed.byteLength < total) packed = new Uint8Array(Math.max(total, f + 64));
    const offsets = [0];
    for (const fr of pending) {
      packed.set(fr, offsets[offsets.length - 1]);
      offsets.push(offsets[offsets.length - 1]! + fr.length);
    }
    const firstIndex = next;
    next += pending.length;
    pending = [];
    const task = pool.run({
      op: 'open',
      stream,
      firstIndex,
      frames: packed.subarray(0, total),
      offsets,
      expectFinal: next === frameCount,
    });
    const plaintext = task.then((r) => {
      packs.push(new Uint8Array(r.frames.buffer));
      return r.plaintext;
    });
    plaintext.catch(() => {}); // observed in order below; this only marks it handled meanwhile
    inFlight.push(plaintext);
  };
  try {
    for await (const frame of frames) {
      if (next + pending.length >= end) {
        throw new FormatError('trailing-frame', `a frame follows frame ${end - 1}, the last one read`);
      }
      pending.push(frame);
      if (pending.length === batchFrames || next + pending.length === end) {
        dispatch();
        batchFrames = perBatch;
        // The first batch goes out as soon as it is open (time to first byte); later ones keep `parallel`
        // batches in the workers.
        if (inFlight.length >= parallel || yielded === 0) {
          yielded++;
          yield await inFlight.shift()!;
        }
      }
    }
    if (pending.length > 0) dispatch();
    while (inFlight.length > 0) yield await inFlight.shift()!;
    if (next < end) {
      throw new FormatError('missing-final', `the frames ended at ${next}, before frame ${end - 1}`);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}
