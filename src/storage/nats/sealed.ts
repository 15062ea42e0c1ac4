// Encrypted objects (docs/format.md) in the Object Store layout: the frames are format v1 frames, the meta's
// size/chunks/digest describe the stored (sealed) bytes so stock clients can still fetch the ciphertext,
// and metadata["jetvault.env"] holds the envelope. Plaintext size and ETag come from the authenticated
// envelope only. A read fetches exactly the frames that cover its range, checks each one arrives at the
// JetStream sequence the envelope recorded, and opens them in the worker pool.
import type { StreamParams } from '../../crypto/codec.js';
import { ENVELOPE_META_KEY, frameSequence, type SealedMetadata } from '../../crypto/format.js';
import { openStream, SealStream } from '../../crypto/pipeline.js';
import type { ObjectKeys, OpenedObject } from '../../keys/envelope.js';
import type { CryptoPool } from '../../pool/pool.js';
import type { ByteRange, ObjectInfo, PutObjectInput } from '../backend.js';
import type { BucketPolicy } from '../policy.js';
import { ConsumerReader } from './consumer.js';
import type { NatsContext } from './context.js';
import { formatDigest, toObjectInfo, type ServerObjectInfo } from './meta.js';
import { FramePlacement, FramePublisher } from './publisher.js';
import { chunkSubject, streamForStore } from './names.js';

/** What the backend needs to encrypt: the worker pool, the keys, and the per-bucket policy. */
export interface StorageCrypto {
  pool: CryptoPool;
  keys: ObjectKeys;
  policy(bucket: string): BucketPolicy;
}

/** A stored object that cannot be served as it is: tampered with, truncated, or sealed under an unknown key. */
export class StoredObjectError extends Error {
  override name = 'StoredObjectError';
}

/** Frames of one range fetched one direct get each (no consumer to create) up to this many. */
const DIRECT_GET_MAX_FRAMES = 4;

export function envelopeOf(meta: ServerObjectInfo): string | undefined {
  const v = meta.metadata?.[ENVELOPE_META_KEY];
  return typeof v === 'string' ? v : undefined;
}

/** An object's client-visible description; for an encrypted one, after its envelope authenticated. */
export interface Described {
  info: ObjectInfo;
  opened: OpenedObject | undefined;
}

/**
 * The ObjectInfo of `meta`. Encrypted objects report their plaintext size and sealed ETag. In a bucket whose
 * policy is to encrypt, an object without an envelope is refused: nobody but jetvault writes there, and a
 * plaintext meta planted there must not be served.
 */
export async function describe(
  ctx: NatsContext,
  bucket: string,
  key: string,
  meta: ServerObjectInfo,
): Promise<Described> {
  // The meta read for `key` must be about `key`: a meta copied onto another key's subject names its own.
  // (Its envelope would authenticate for that name, so this is what stops one key serving another's data.)
  if (meta.name !== key) {
    throw new StoredObjectError(`${bucket}/${key}: the stored meta is for another key`);
  }
  const stored = envelopeOf(meta);
  if (stored === undefined) {
    if (ctx.crypto?.policy(bucket).encrypt ?? false) {
      throw new StoredObjectError(`${bucket}/${meta.name}: no envelope in an encrypted bucket`);
    }
    return { info: toObjectInfo(bucket, meta), opened: undefined };
  }
  if (ctx.crypto === undefined) {
    throw new StoredObjectError(`${bucket}/${meta.name} is encrypted and no key is configured`);
  }
  let opened: OpenedObject;
  try {
    opened = await ctx.crypto.keys.open(bucket, key, stored);
  } catch (e) {
    throw new StoredObjectError(`${bucket}/${meta.name}: envelope rejected (${String(e)})`, { cause: e });
  }
  const info = toObjectInfo(bucket, meta);
  info.size = Number(opened.envelope.size);
  info.etag = opened.meta.etag;
  const { checksumAlgorithm, checksum } = opened.meta;
  info.checksum =
    checksumAlgorithm !== undefined && checksum !== undefined
      ? { algorithm: checksumAlgorithm, value: Buffer.from(checksum) }
      : undefined;
  return { info, opened };
}

/** What writeSealed stored, for the meta. */
export interface SealedWrite {
  size: number;
  chunks: number;
  digest: string;
  envelope: string;
  plaintextSize: number;
  compressedFrames: number;
}

/** Seals and publishes the body; the envelope is built only after the last frame was acknowledged. */
export async function writeSealed(
  ctx: NatsContext,
  crypto: StorageCrypto,
  subject: string,
  input: PutObjectInput,
  compress: boolean,
): Promise<SealedWrite> {
  const log2F = Math.log2(ctx.settings.frameSize);
  const obj = await crypto.keys.newObject(input.bucket, input.key);
  try {
    const stream = crypto.keys.newStream(obj, log2F);
    // MD5 (the ETag), the signed SHA-256 and the flexible checksum are computed in the same worker pass
    // that encrypts, not on the event loop.
    const hashing = input.delegateHashing?.();
    const sealer = new SealStream(input.body, {
      pool: crypto.pool,
      stream,
      compress,
      hashes: hashing?.names ?? [],
      digestFrames: true,
    });
    const placed = new FramePlacement();
    // Each sealed batch's buffer goes back to the sealer once all its frames are acknowledged (the server
    // has them; nats.js no longer does), so a PUT reuses a few buffers instead of making garbage.
    const unacked = new Map<ArrayBufferLike, number>();
    let filling: ArrayBufferLike | undefined;
    const release = (ab: ArrayBufferLike): void => {
      if (unacked.get(ab) === 0 && ab !== filling) {
        unacked.delete(ab);
        if (ab instanceof ArrayBuffer) sealer.recycle(ab);
      }
    };
    const pub = new FramePublisher(ctx, subject, (seq, frame) => {
      placed.add(seq);
      unacked.set(frame.buffer, unacked.get(frame.buffer)! - 1);
      release(frame.buffer);
    });
    try {
      for await (const frame of sealer) {
        if (frame.buffer !== filling) {
          const done = filling;
          filling = frame.buffer;
          if (done !== undefined) release(done);
        }
        unacked.set(frame.buffer, (unacked.get(frame.buffer) ?? 0) + 1);
        await pub.publish(frame);
      }
      await pub.drain();
    } catch (e) {
      await pub.abandon();
      throw e;
    }
    const sum = sealer.summary();
    hashing?.complete(sum.digests);
    const envelope = crypto.keys.envelope(obj, {
      log2F,
      salt: stream.salt,
      size: sum.size,
      frames: sum.frames,
      firstSeq: placed.firstSeq,
      seqGaps: placed.seqGaps,
      meta: sealedMeta(input),
    });
    return {
      size: sum.stored,
      chunks: sum.frames,
      digest: formatDigest(Buffer.from(sum.framesDigest!)),
      envelope,
      plaintextSize: sum.size,
      compressedFrames: sum.compressed,
    };
  } finally {
    obj.wipe();
  }
}

function sealedMeta(input: PutObjectInput): SealedMetadata {
  const cs = input.checksum?.();
  return cs === undefined
    ? { etag: input.etag() }
    : {
        etag: input.etag(),
        checksumAlgorithm: cs.algorithm,
        checksum: cs.value,
        checksumType: 'FULL_OBJECT',
      };
}

/**
 * The plaintext of `range` (or all) of an encrypted object. The first batch is opened before this returns,
 * so a damaged start fails the request before any status is sent; a later failure throws from the
 * iterator, and the HTTP layer then aborts the connection.
 */
export async function openSealedBody(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
  opened: OpenedObject,
  range: ByteRange | undefined,
): Promise<AsyncIterableIterator<Uint8Array>> {
  const { envelope: env, dek } = opened;
  const name = `${store}/${meta.name}`;
  if (env.parts !== undefined || env.salt === undefined || env.frames === undefined) {
    dek.fill(0);
    throw new StoredObjectError(`${name}: multipart envelopes are not readable by this version`);
  }
  const size = Number(env.size);
  const frameSize = 2 ** env.log2F;
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? size - 1, size - 1);
  if (range !== undefined && (start < 0 || start > end)) {
    dek.fill(0);
    throw new RangeError(`unsatisfiable range ${start}-${end} of ${size}`);
  }
  const first = size === 0 ? 0 : Math.floor(start / frameSize);
  const last = size === 0 ? 0 : Math.floor(end / frameSize);
  const stream: StreamParams = { dek, objectId: env.objectId, salt: env.salt, part: 0, log2F: env.log2F };
  const source = fetchFrames(ctx, store, meta, env, first, last);
  const plaintext = openStream(source, {
    pool: ctx.crypto!.pool,
    stream,
    frameCount: env.frames,
    firstIndex: first,
    endIndex: last + 1,
    // The first frame alone: a GET's first byte waits for one frame, not a whole batch.
    firstBatchFrames: 1,
  });
  const body = sliced(plaintext, first * frameSize, start, end, size, name, last === env.frames - 1);
  const wiped = (async function* () {
    try {
      yield* body;
    } finally {
      dek.fill(0);
    }
  })();
  // Prime: the first batch authenticates before the caller commits to a 200.
  let head: IteratorResult<Uint8Array>;
  try {
    head = await wiped.next();
  } catch (e) {
    throw asStoredError(name, e);
  }
  let primed = false;
  const it: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => it,
    async next() {
      if (!primed) {
        primed = true;
        return head;
      }
      try {
        return await wiped.next();
      } catch (e) {
        throw asStoredError(name, e);
      }
    },
    async return() {
      await wiped.return(undefined);
      return { done: true, value: undefined };
    },
  };
  return it;
}

function asStoredError(name: string, e: unknown): Error {
  if (e instanceof StoredObjectError || e instanceof RangeError) return e;
  return new StoredObjectError(`${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * Slices opened plaintext (which starts at object offset `base`) to [start, end], and checks that a read
 * reaching the last frame delivered exactly up to the object's size (the final frame's length is not
 * otherwise bound to the envelope's size).
 */
async function* sliced(
  plaintext: AsyncIterable<Uint8Array>,
  base: number,
  start: number,
  end: number,
  size: number,
  name: string,
  toLastFrame: boolean,
): AsyncGenerator<Uint8Array> {
  let at = base;
  for await (const chunk of plaintext) {
    const from = Math.max(start, at) - at;
    const to = Math.min(end + 1, at + chunk.length) - at;
    at += chunk.length;
    if (to > from) yield from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
  }
  if (toLastFrame ? at !== size : at <= end) {
    throw new StoredObjectError(`${name}: frames hold ${at} bytes, the envelope says ${size}`);
  }
}

/** Frames first..last (inclusive) of the object, each checked to sit at the sequence the envelope says. */
export async function* fetchFrames(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
  env: OpenedObject['envelope'],
  first: number,
  last: number,
): AsyncGenerator<Uint8Array> {
  const subject = chunkSubject(store, meta.nuid);
  const stream = streamForStore(store);
  const count = last - first + 1;
  const { direct } = await ctx.requireBucket(store);
  if (direct && count <= DIRECT_GET_MAX_FRAMES) {
    const gets = [];
    for (let i = first; i <= last; i++) {
      const seq = Number(frameSequence(env, i));
      const p = ctx.jsm.direct.getMessage(stream, { seq });
      p.catch(() => {}); // awaited in order below
      gets.push([i, seq, p] as const);
    }
    for (const [i, seq, p] of gets) {
      const m = await p;
      if (m === null || m.subject !== subject || m.seq !== seq) {
        throw new StoredObjectError(`${store}/${meta.name}: frame ${i} is not at sequence ${seq}`);
      }
      yield m.data;
    }
    return;
  }
  const frameBytes = 2 ** env.log2F;
  // Creating the consumer takes a few ms on a large stream: frame `first` comes by direct get meanwhile, so
  // the first byte does not wait for it.
  const head = direct ? first : first - 1;
  const opening = ConsumerReader.open(ctx, {
    stream,
    filter: subject,
    startSeq: Number(frameSequence(env, head + 1)),
    maxMessages: Math.min(last - head, Math.max(1, Math.floor(ctx.settings.readAheadBytes / frameBytes))),
  });
  opening.catch(() => {}); // awaited below, or released in finally
  let reader: ConsumerReader | undefined;
  try {
    if (head === first) {
      const seq = Number(frameSequence(env, first));
      const m = await ctx.jsm.direct.getMessage(stream, { seq });
      if (m === null || m.subject !== subject || m.seq !== seq) {
        throw new StoredObjectError(`${store}/${meta.name}: frame ${first} is not at sequence ${seq}`);
      }
      yield m.data;
    }
    reader = await opening;
    if (reader.initialPending < last - head) {
      throw new StoredObjectError(
        `${store}/${meta.name}: ${reader.initialPending} frames stored from frame ${head + 1}, ${last - head} needed`,
      );
    }
    for (let i = head + 1; i <= last; i++) {
      const m = await reader.next();
      const seq = Number(frameSequence(env, i));
      if (m.seq !== seq)
        throw new StoredObjectError(`${store}/${meta.name}: frame ${i} at sequence ${m.seq}, not ${seq}`);
      yield m.data;
    }
  } finally {
    if (reader !== undefined) reader.release();
    else void opening.then((r) => r.release()).catch(() => {});
  }
}
