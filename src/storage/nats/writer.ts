// PutObject: the body becomes fixed-size frames on `$O.<store>.C.<nuid>` published with a bounded window of
// un-acked publishes (a slow NATS pauses the upload), then the meta is published conditionally on the
// revision it replaces (Nats-Expected-Last-Subject-Sequence), so concurrent PUTs to a key serialise: each
// winner purges exactly the frames it replaced and nothing live is ever purged.
import { createHash } from 'node:crypto';
import type { PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, nuid } from '@nats-io/transport-node';
import type { ObjectInfo, PutObjectInput } from '../backend.js';
import { isNoResponders, isWrongLastSequence, type NatsContext, type StoredMeta } from './context.js';
import { buildMeta, formatDigest, FrameIndex, toObjectInfo, type ServerObjectInfo } from './meta.js';
import { chunkSubject, metaSubject, storeForBucket } from './names.js';

interface Written {
  size: number;
  chunks: number;
  digest: string;
  frames: FrameIndex;
}

/** Conflicts only come from PUTs racing on one key; each retry means another PUT won, so this is plenty. */
const MAX_COMMIT_ATTEMPTS = 100;

export async function putObject(ctx: NatsContext, input: PutObjectInput): Promise<ObjectInfo> {
  const store = storeForBucket(input.bucket);
  await ctx.requireBucket(store);
  const id = nuid.next();
  const subject = chunkSubject(store, id);
  let meta: ServerObjectInfo;
  try {
    const written = await writeFrames(ctx, subject, input.body);
    meta = buildMeta({
      store,
      key: input.key,
      nuid: id,
      ...written,
      chunkSize: ctx.settings.frameSize,
      mtime: new Date(),
      contentType: input.contentType,
      userMetadata: input.userMetadata,
      storedHeaders: input.storedHeaders,
      etag: input.etag(),
    });
  } catch (e) {
    await ctx.purgeQuietly(store, subject);
    if (isNoResponders(e)) {
      ctx.forget(store);
      await ctx.streamInfo(store); // NoSuchBucket when the bucket went away under the upload
    }
    throw e;
  }
  const replaced = await commitMeta(ctx, store, meta);
  // Tombstones' frames are gone already and links have none.
  const old = replaced?.meta;
  if (old && old.deleted !== true && old.nuid !== '' && old.nuid !== id) {
    await ctx.purgeQuietly(store, chunkSubject(store, old.nuid));
  }
  return toObjectInfo(input.bucket, meta);
}

/** Publishes the meta over whatever revision is current; returns the entry it replaced. */
async function commitMeta(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
): Promise<StoredMeta | null> {
  const subject = metaSubject(store, meta.name);
  const payload = Buffer.from(JSON.stringify(meta), 'utf8');
  const ours = chunkSubject(store, meta.nuid);
  for (let attempt = 1; ; attempt++) {
    let prev: StoredMeta | null;
    try {
      prev = await ctx.readMeta(store, meta.name);
    } catch (e) {
      await ctx.purgeQuietly(store, ours);
      throw e;
    }
    const h = natsHeaders();
    h.set('Nats-Rollup', 'sub');
    // 0 means "no message on this subject yet", so a first PUT also races safely.
    h.set('Nats-Expected-Last-Subject-Sequence', String(prev?.seq ?? 0));
    try {
      await ctx.js.publish(subject, payload, { headers: h, timeout: ctx.settings.timeoutMs });
      return prev;
    } catch (e) {
      if (isWrongLastSequence(e) && attempt < MAX_COMMIT_ATTEMPTS) continue;
      // A timeout or disconnect leaves the outcome unknown: if our meta landed, the object is live and the
      // condition held, so it replaced `prev`. Only purge our frames when we know it did not land.
      const now = await ctx.readMeta(store, meta.name).catch(() => undefined);
      if (now?.meta.nuid === meta.nuid) return prev;
      if (now !== undefined) await ctx.purgeQuietly(store, ours);
      else ctx.log('warn', 'meta publish outcome unknown; frames kept', { store, subject: ours });
      throw e;
    }
  }
}

/**
 * Reads the body into frames of exactly frameSize bytes (the last may be shorter; an empty body publishes
 * none, as stock clients do), hashing and publishing each. On failure, waits until no publish is in flight
 * (so none lands after the caller's purge) and rethrows the first error.
 */
async function writeFrames(
  ctx: NatsContext,
  subject: string,
  body: AsyncIterable<Uint8Array>,
): Promise<Written> {
  const { frameSize, maxInFlight, timeoutMs } = ctx.settings;
  const hash = createHash('sha256');
  const frames = new FrameIndex();
  const inFlight: Array<[Promise<PubAck>, Buffer]> = [];
  let size = 0;
  let chunks = 0;
  let lastSeq = 0;

  // Frame buffers are recycled once their publish is acknowledged: the server has the bytes, so the client
  // has flushed them. Before the ack nats.js may still reference the payload. Recycling keeps a PUT's
  // memory at maxInFlight + 1 frames instead of a GC-paced stream of garbage buffers.
  const spare: Buffer[] = [];
  const settleOldest = async (): Promise<void> => {
    const [pending, buffer] = inFlight.shift()!;
    const ack = await pending;
    if (ack.seq <= lastSeq) throw new Error(`publish acks out of order on ${subject}`);
    lastSeq = ack.seq;
    frames.add(ack.seq);
    if (buffer.length === frameSize) spare.push(buffer);
  };
  const publish = async (frame: Buffer, length: number): Promise<void> => {
    const payload = frame.subarray(0, length);
    hash.update(payload);
    const p = ctx.js.publish(subject, payload, { timeout: timeoutMs });
    p.catch(() => {}); // observed in order by settleOldest; this only marks it handled meanwhile
    inFlight.push([p, frame]);
    chunks++;
    if (inFlight.length >= maxInFlight) await settleOldest();
  };

  try {
    let frame: Buffer | undefined;
    let fill = 0;
    for await (const chunk of body) {
      let off = 0;
      while (off < chunk.length) {
        frame ??= spare.pop() ?? Buffer.allocUnsafeSlow(frameSize);
        const n = Math.min(frameSize - fill, chunk.length - off);
        frame.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === frameSize) {
          await publish(frame, fill);
          frame = undefined;
          fill = 0;
        }
      }
      size += chunk.length;
    }
    if (frame !== undefined && fill > 0) await publish(frame, fill);
    while (inFlight.length > 0) await settleOldest();
  } catch (e) {
    await Promise.allSettled(inFlight.map(([p]) => p));
    throw e;
  }
  return { size, chunks, digest: formatDigest(hash.digest()), frames };
}
