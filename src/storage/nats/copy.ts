// CopyObject of an encrypted object into an encrypted bucket without decrypting (docs/format.md §9): the
// frames' AAD binds the object id, part and stream salt, never the bucket or key, so the ciphertext frames
// are republished as they are on the destination's subject and only the envelope changes — the DEK wrapped
// again for the new name, the MAC bound to it, the new stream sequences. NATS moves the bytes; no worker
// touches them. Anything else (a plaintext side, different compression policies, a multipart source)
// returns undefined and the caller streams the plaintext through a normal PUT.
import { nuid } from '@nats-io/transport-node';
import type { CopyStoredInput, ObjectInfo } from '../backend.js';
import type { NatsContext } from './context.js';
import { buildMeta, isLive, toObjectInfo } from './meta.js';
import { chunkSubject, storeForBucket } from './names.js';
import { FramePlacement, FramePublisher } from './publisher.js';
import { describe, fetchFrames } from './sealed.js';
import { commitReplacing } from './writer.js';

export async function copyStored(ctx: NatsContext, input: CopyStoredInput): Promise<ObjectInfo | undefined> {
  const crypto = ctx.crypto;
  if (crypto === undefined) return undefined;
  const from = crypto.policy(input.source.bucket);
  const to = crypto.policy(input.bucket);
  if (!from.encrypt || !to.encrypt || from.compress !== to.compress) return undefined;
  const srcStore = storeForBucket(input.source.bucket);
  const cur = await ctx.readMeta(srcStore, input.source.key);
  if (cur === null || !isLive(cur.meta)) return undefined;
  const { info: srcInfo, opened } = await describe(ctx, input.source.bucket, input.source.key, cur.meta);
  try {
    const env = opened?.envelope;
    // Not the revision the caller judged, or not a single-stream object: the plaintext path decides.
    if (opened === undefined || env === undefined || env.frames === undefined || env.parts !== undefined)
      return undefined;
    if (srcInfo.etag !== input.sourceEtag) return undefined;
    const store = storeForBucket(input.bucket);
    await ctx.requireBucket(store);
    const id = nuid.next();
    const subject = chunkSubject(store, id);
    const placed = new FramePlacement();
    const pub = new FramePublisher(ctx, subject, (seq) => placed.add(seq));
    let meta;
    try {
      for await (const frame of fetchFrames(ctx, srcStore, cur.meta, env, 0, env.frames - 1)) {
        await pub.publish(frame);
      }
      await pub.drain();
      if (placed.count !== env.frames) throw new Error(`copied ${placed.count} frames of ${env.frames}`);
      meta = buildMeta({
        store,
        key: input.key,
        nuid: id,
        mtime: new Date(),
        contentType: input.contentType,
        userMetadata: input.userMetadata,
        storedHeaders: input.storedHeaders,
        tags: input.tags,
        // The same bytes as the source's frames: the same size, count and digest.
        size: cur.meta.size,
        chunks: cur.meta.chunks,
        digest: cur.meta.digest,
        chunkSize: cur.meta.options?.max_chunk_size ?? 0,
        envelope: await crypto.keys.copyEnvelope(opened, input.bucket, input.key, placed),
      });
    } catch (e) {
      await pub.abandon();
      await ctx.purgeQuietly(store, subject);
      throw e;
    }
    await commitReplacing(ctx, store, meta);
    const info = toObjectInfo(input.bucket, meta);
    info.size = srcInfo.size;
    info.etag = srcInfo.etag;
    info.checksum = srcInfo.checksum;
    return info;
  } finally {
    opened?.dek.fill(0);
  }
}
