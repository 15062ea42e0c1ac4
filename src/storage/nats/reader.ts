// GetObject's body: frames streamed from an ordered consumer filtered on the object's chunk subject, sliced
// to the range, checked (frame lengths, count, size, SHA-256 digest on full reads) so a damaged object fails
// the read instead of yielding wrong bytes. ListObjects reads the latest meta per key the same way.
import { createHash, type Hash } from 'node:crypto';
import type { ByteRange, ListEntry, ListObjectsInput, ListObjectsResult } from '../backend.js';
import { compareKeys, pageFromSorted } from '../listing.js';
import { ConsumerReader } from './consumer.js';
import type { NatsContext } from './context.js';
import { describe } from './sealed.js';
import {
  etagOf,
  FrameIndex,
  isLive,
  isOurs,
  META_FRAMES,
  parseDigest,
  parseMeta,
  type ServerObjectInfo,
} from './meta.js';
import { chunkSubject, keyOfMetaSubject, metaSubjectAll, storeForBucket, streamForStore } from './names.js';

interface Plan {
  startSeq: number | undefined;
  /** Frame index and byte offset of the first message the consumer delivers. */
  firstFrame: number;
  firstOffset: number;
  /** Wanted bytes, inclusive. */
  start: number;
  end: number;
  /** Messages to consume, when frame sizes are known; otherwise read until `end` is passed. */
  frames: number | undefined;
  full: boolean;
}

/** Objects we wrote have fixed frames, so a range maps to frames by arithmetic; others are read from frame 0. */
function plan(meta: ServerObjectInfo, range: ByteRange | undefined): Plan {
  const full = range === undefined;
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? meta.size - 1, meta.size - 1);
  if (!full && (start < 0 || start > end))
    throw new RangeError(`unsatisfiable range ${start}-${end} of ${meta.size}`);
  const cs = meta.options?.max_chunk_size ?? 0;
  if (!isOurs(meta) || cs <= 0) {
    return {
      startSeq: undefined,
      firstFrame: 0,
      firstOffset: 0,
      start,
      end,
      frames: full ? meta.chunks : undefined,
      full,
    };
  }
  const first = Math.floor(start / cs);
  const last = Math.floor(end / cs);
  const { startSeq, firstFrame } = FrameIndex.parse(meta.metadata?.[META_FRAMES]).locate(first);
  return {
    startSeq,
    firstFrame,
    firstOffset: firstFrame * cs,
    start,
    end,
    frames: last - firstFrame + 1,
    full,
  };
}

export async function openBody(
  ctx: NatsContext,
  store: string,
  meta: ServerObjectInfo,
  range: ByteRange | undefined,
): Promise<AsyncIterableIterator<Uint8Array>> {
  const p = plan(meta, range);
  if (meta.chunks === 0) {
    const empty = new FrameStream(meta, p, undefined);
    await empty.verifyEmpty();
    return empty;
  }
  const maxFrames = Math.max(
    1,
    Math.floor(ctx.settings.readAheadBytes / (meta.options?.max_chunk_size || 131072)),
  );
  const reader = await ConsumerReader.open(ctx, {
    stream: streamForStore(store),
    filter: chunkSubject(store, meta.nuid),
    maxMessages: Math.min(maxFrames, p.frames ?? maxFrames),
    ...(p.startSeq !== undefined ? { startSeq: p.startSeq } : {}),
  });
  const needed = p.frames ?? 1;
  if (reader.initialPending < needed || (p.full && reader.initialPending > meta.chunks)) {
    reader.release();
    throw new FramesMismatchError(
      `object ${meta.name}: ${reader.initialPending} frames stored, ${needed} needed`,
    );
  }
  return new FrameStream(meta, p, reader);
}

/** The frames are not what the meta says; the caller re-reads the meta (an overwrite may have raced us). */
export class FramesMismatchError extends Error {
  override name = 'FramesMismatchError';
}

/** An explicit iterator (not a generator) so that return() releases the consumer even before the first next(). */
class FrameStream implements AsyncIterableIterator<Uint8Array> {
  private readonly hash: Hash | undefined;
  private readonly fixed: number | undefined;
  private frame: number;
  private offset: number;
  private consumed = 0;
  private lastPending = 0;
  private verified = false;
  private done = false;

  constructor(
    private readonly meta: ServerObjectInfo,
    private readonly p: Plan,
    private readonly reader: ConsumerReader | undefined,
  ) {
    this.hash = p.full ? createHash('sha256') : undefined;
    this.fixed = isOurs(meta) ? meta.options?.max_chunk_size : undefined;
    this.frame = p.firstFrame;
    this.offset = p.firstOffset;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.done) return { done: true, value: undefined };
    try {
      for (;;) {
        if (this.finished()) {
          this.finish();
          return await this.return();
        }
        const m = await this.reader!.next();
        const data = m.data;
        this.check(data.length);
        this.hash?.update(data);
        const frameStart = this.offset;
        this.offset += data.length;
        this.frame++;
        this.consumed++;
        this.lastPending = m.info.pending;
        if (!this.finished() && m.info.pending === 0)
          throw new Error(`object ${this.meta.name}: frames missing`);
        const from = Math.max(this.p.start, frameStart) - frameStart;
        const to = Math.min(this.p.end + 1, this.offset) - frameStart;
        if (to > from)
          return { done: false, value: from === 0 && to === data.length ? data : data.subarray(from, to) };
      }
    } catch (e) {
      this.done = true;
      this.reader?.release();
      throw e;
    }
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.done = true;
    this.reader?.release();
    return { done: true, value: undefined };
  }

  async throw(e?: unknown): Promise<IteratorResult<Uint8Array>> {
    await this.return();
    throw e;
  }

  async verifyEmpty(): Promise<void> {
    if (this.meta.size !== 0)
      throw new Error(`object ${this.meta.name}: size ${this.meta.size} but no frames`);
    if (this.p.full) this.finish();
  }

  private finished(): boolean {
    if (this.p.frames !== undefined) return this.consumed >= this.p.frames;
    return this.offset > this.p.end || this.frame >= this.meta.chunks;
  }

  private check(len: number): void {
    if (this.frame >= this.meta.chunks)
      throw new Error(`object ${this.meta.name}: more frames than ${this.meta.chunks}`);
    if (this.fixed !== undefined) {
      const last = this.frame === this.meta.chunks - 1;
      const want = last ? this.meta.size - this.fixed * (this.meta.chunks - 1) : this.fixed;
      if (len !== want)
        throw new Error(`object ${this.meta.name}: frame ${this.frame} has ${len} bytes, not ${want}`);
    }
  }

  /** Full reads end with every frame seen: count, size and digest must all match the meta. */
  private finish(): void {
    if (this.verified) return;
    this.verified = true;
    if (!this.p.full) {
      if (this.offset <= this.p.end) throw new Error(`object ${this.meta.name}: shorter than its size`);
      return;
    }
    const { chunks, size, digest } = this.meta;
    if (this.frame !== chunks || this.offset !== size || this.lastPending > 0) {
      throw new Error(
        `object ${this.meta.name}: read ${this.frame} frames/${this.offset} bytes, meta says ${chunks}/${size}`,
      );
    }
    const want = parseDigest(digest);
    const got = this.hash!.digest();
    if (want === undefined || !want.equals(got))
      throw new Error(`object ${this.meta.name}: SHA-256 digest mismatch`);
  }
}

/** ListObjects over the latest meta of every key: fine for now, a scalable ordered index comes later. */
export async function listObjects(ctx: NatsContext, input: ListObjectsInput): Promise<ListObjectsResult> {
  const store = storeForBucket(input.bucket);
  const entries: Array<ListEntry & { meta: ServerObjectInfo }> = [];
  const reader = await ConsumerReader.open(ctx, {
    stream: streamForStore(store),
    filter: metaSubjectAll(store),
    lastPerSubject: true,
    maxMessages: 256,
  });
  try {
    for (let left = reader.initialPending; left > 0;) {
      const m = await reader.next();
      left = m.info.pending;
      let meta: ServerObjectInfo;
      try {
        meta = parseMeta(m.data);
      } catch (e) {
        ctx.log('warn', 'unparseable object meta skipped in listing', { subject: m.subject, err: String(e) });
        continue;
      }
      // The subject says which key this is; a meta naming another key is damage, listed under its subject.
      const key = keyOfMetaSubject(store, m.subject) ?? meta.name;
      if (!isLive(meta) || !key.startsWith(input.prefix)) continue;
      const mtime = new Date(meta.mtime);
      entries.push({
        key,
        size: meta.size,
        etag: '',
        lastModified: Number.isNaN(mtime.getTime()) ? new Date(0) : mtime,
        meta,
      });
    }
  } finally {
    reader.release();
  }
  entries.sort((a, b) => compareKeys(a.key, b.key));
  const page = await pageFromSorted(entries, input);
  // Sizes and ETags of encrypted objects come from their authenticated envelopes: only the page's.
  page.objects = await Promise.all(
    page.objects.map(async (e) => {
      const { meta } = e as (typeof entries)[number];
      try {
        const { info, opened } = await describe(ctx, input.bucket, e.key, meta);
        opened?.dek.fill(0);
        return { key: e.key, size: info.size, etag: info.etag, lastModified: e.lastModified };
      } catch (err) {
        // One damaged object must not hide the others; GET/HEAD of it fail, the listing still shows it.
        ctx.log('error', 'object failed its integrity check; listed with its stored size', {
          bucket: input.bucket,
          err: String(err),
        });
        return { key: e.key, size: meta.size, etag: etagOf(meta), lastModified: e.lastModified };
      }
    }),
  );
  return page;
}
