// PutObject: the body becomes fixed-size frames on `$O.<store>.C.<nuid>` published with a bounded window of
// un-acked publishes (a slow NATS pauses the upload), then the meta is published conditionally on the
// revision it replaces (Nats-Expected-Last-Subject-Sequence), so concurrent PUTs to a key serialise: each
// winner purges exactly the frames it replaced and nothing live is ever purged.
import type { HashName } from '../../crypto/codec.js';
import { hashFinal, hashInit, hashUpdate } from '../../crypto/native.js';
import { headers as natsHeaders, nuid } from '@nats-io/transport-node';
import { checkWriteCondition, type ObjectInfo, type PutObjectInput, type Tags } from '../backend.js';
import { S3Error } from '../../s3/errors.js';
import { isNoResponders, isWrongLastSequence, type NatsContext, type StoredMeta } from './context.js';
import {
  buildMeta,
  formatDigest,
  formatTags,
  FrameIndex,
  isLive,
  META_TAGS,
  toObjectInfo,
  type ServerObjectInfo,
} from './meta.js';
import { chunkSubject, metaSubject, storeForBucket } from './names.js';
import { FramePublisher } from './publisher.js';
import { describe, writeSealed } from './sealed.js';
import { FRAME_OVERHEAD } from '../../crypto/format.js';
import { publishStored } from '../../observability/channels.js';

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
  // A conditional write is judged now (so a doomed upload fails before its body is read) and must still
  // hold at commit: the meta is published only over the very revision judged here.
  let expectSeq: number | undefined;
  if (input.condition !== undefined) {
    const base = await ctx.readMeta(store, input.key);
    const live = base !== null && isLive(base.meta) ? base : null;
    let current: ObjectInfo | undefined;
    if (live !== null) {
      const d = await describe(ctx, input.bucket, input.key, live.meta);
      d.opened?.dek.fill(0);
      current = d.info;
    }
    checkWriteCondition(input.condition, current);
    expectSeq = base?.seq ?? 0;
  }
  const id = nuid.next();
  const subject = chunkSubject(store, id);
  const common = {
    store,
    key: input.key,
    nuid: id,
    mtime: new Date(),
    contentType: input.contentType,
    userMetadata: input.userMetadata,
    storedHeaders: input.storedHeaders,
    tags: input.tags,
  };
  const crypto = ctx.crypto;
  const policy = crypto?.policy(input.bucket);
  let meta: ServerObjectInfo;
  let plaintextSize: number;
  try {
    if (crypto !== undefined && policy?.encrypt === true) {
      const w = await writeSealed(ctx, crypto, subject, input, policy.compress);
      meta = buildMeta({
        ...common,
        size: w.size,
        chunks: w.chunks,
        digest: w.digest,
        chunkSize: ctx.settings.frameSize + FRAME_OVERHEAD,
        envelope: w.envelope,
      });
      plaintextSize = w.plaintextSize;
      publishStored({
        bucket: input.bucket,
        encrypted: true,
        compress: policy.compress,
        plaintextBytes: w.plaintextSize,
        storedBytes: w.size,
        frames: w.chunks,
        compressedFrames: w.compressedFrames,
      });
    } else {
      const written = await writePlainFrames(ctx, subject, input);
      meta = buildMeta({
        ...common,
        ...written,
        chunkSize: ctx.settings.frameSize,
        etag: input.etag(),
        checksum: input.checksum?.(),
      });
      plaintextSize = written.size;
      publishStored({
        bucket: input.bucket,
        encrypted: false,
        compress: false,
        plaintextBytes: written.size,
        storedBytes: written.size,
        frames: written.chunks,
        compressedFrames: 0,
      });
    }
  } catch (e) {
    await ctx.purgeQuietly(store, subject);
    if (isNoResponders(e)) {
      ctx.forget(store);
      await ctx.streamInfo(store); // NoSuchBucket when the bucket went away under the upload
    }
    throw e;
  }
  await commitReplacing(ctx, store, meta, expectSeq);
  const info = toObjectInfo(input.bucket, meta);
  info.size = plaintextSize;
  info.etag = input.etag();
  info.checksum = input.checksum?.();
  return info;
}

/**
 * Rewrites an object's meta with new tags, over exactly the revision read (a PUT that lands meanwhile wins
 * and the tagging is retried on it). Frames, envelope and Last-Modified stay as they are.
 */
export async function putObjectTagging(
  ctx: NatsContext,
  bucket: string,
  key: string,
  tags: Tags,
): Promise<void> {
  const store = storeForBucket(bucket);
  for (let attempt = 1; ; attempt++) {
    const cur = await ctx.readMeta(store, key);
    if (cur === null || !isLive(cur.meta)) throw new S3Error('NoSuchKey');
    // The object must be one we can serve: tags are never set on a damaged or foreign meta.
    const d = await describe(ctx, bucket, key, cur.meta);
    d.opened?.dek.fill(0);
    const metadata = { ...(cur.meta.metadata ?? {}) };
    delete metadata[META_TAGS];
    if (Object.keys(tags).length > 0) metadata[META_TAGS] = formatTags(tags);
    const h = natsHeaders();
    h.set('Nats-Rollup', 'sub');
    h.set('Nats-Expected-Last-Subject-Sequence', String(cur.seq));
    const payload = Buffer.from(JSON.stringify({ ...cur.meta, metadata }), 'utf8');
    try {
      await ctx.js.publish(metaSubject(store, key), payload, { headers: h, timeout: ctx.settings.timeoutMs });
      return;
    } catch (e) {
      if (isWrongLastSequence(e) && attempt < MAX_COMMIT_ATTEMPTS) continue;
      throw e;
    }
  }
}

/**
 * Publishes `meta` (its frames are stored) over the current revision (or exactly `expectSeq`), then purges
 * the frames of the object it replaced. On failure its own frames are purged when it surely did not land.
 */
export async function commitReplacing(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
  expectSeq?: number,
): Promise<void> {
  const replaced = await commitMeta(ctx, store, meta, expectSeq);
  // Tombstones' frames are gone already and links have none; a foreign meta's frames are not ours.
  const old = replaced?.meta;
  if (old && old.deleted !== true && old.nuid !== '' && old.nuid !== meta.nuid && old.name === meta.name) {
    await ctx.purgeQuietly(store, chunkSubject(store, old.nuid));
  }
}

/** Publishes the meta over whatever revision is current; returns the entry it replaced. */
async function commitMeta(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
  expectSeq: number | undefined,
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
    if (expectSeq !== undefined && (prev?.seq ?? 0) !== expectSeq) {
      // Another write landed since the condition was judged.
      await ctx.purgeQuietly(store, ours);
      throw new S3Error('ConditionalRequestConflict');
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
async function writePlainFrames(ctx: NatsContext, subject: string, input: PutObjectInput): Promise<Written> {
  const { frameSize } = ctx.settings;
  // One fused native pass gives the stored digest (SHA-256) and what the body's checks need (the MD5 ETag,
  // a signed SHA-256 — the same one —, a flexible checksum), instead of a pass per hash.
  const hashing = input.delegateHashing?.();
  const names = new Set<HashName>(hashing?.names ?? []);
  names.add('sha256');
  const state = hashInit(names);
  const hash = { update: (b: Uint8Array) => void hashUpdate(state, b) };
  const body = input.body;
  const frames = new FrameIndex();
  // Frame buffers are recycled once their publish is acknowledged: the server has the bytes, so the client
  // has flushed them. Before the ack nats.js may still reference the payload. Recycling keeps a PUT's
  // memory at maxInFlight + 1 frames instead of a GC-paced stream of garbage buffers.
  const spare: Buffer[] = [];
  const pub = new FramePublisher(ctx, subject, (seq, owner) => {
    frames.add(seq);
    if (owner.length === frameSize) spare.push(owner as Buffer);
  });
  const publish = (frame: Buffer, length: number): Promise<void> => {
    const payload = frame.subarray(0, length);
    hash.update(payload);
    return pub.publish(payload, frame);
  };
  let size = 0;
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
    await pub.drain();
  } catch (e) {
    await pub.abandon();
    throw e;
  }
  const digests = hashFinal(state);
  hashing?.complete(digests);
  return { size, chunks: pub.count, digest: formatDigest(Buffer.from(digests.sha256!)), frames };
}
