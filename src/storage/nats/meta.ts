// The Object Store meta message (ADR-20; nats.js obj ServerObjectInfo): the JSON jetvault writes on
// `$O.<store>.M.<key>` and parses back, for our objects and for objects stock clients wrote.
// Client-visible HTTP metadata lives in `headers` (a NATS header record, values are arrays as in Go's
// nats.Header) so stock clients see it; jetvault's own fields live in `metadata` under `jetvault.`.
import { createHash } from 'node:crypto';
import { ENVELOPE_META_KEY } from '../../crypto/format.js';
import { STORED_HEADERS, type ObjectInfo, type StoredChecksum, type Tags } from '../backend.js';
import { base64UrlPadded } from './names.js';

/** The wire JSON, field names and types as nats.js and the Go client read them. */
export interface ServerObjectInfo {
  name: string;
  description?: string;
  bucket: string;
  nuid: string;
  size: number;
  chunks: number;
  digest: string;
  mtime: string;
  deleted?: boolean;
  options?: { max_chunk_size?: number; link?: { bucket: string; name?: string } };
  headers?: Record<string, string[]>;
  metadata?: Record<string, string>;
}

export const DIGEST_PREFIX = 'SHA-256=';
export const META_ETAG = 'jetvault.etag';
/** Object tags, as a URL query string (`k1=v1&k2=v2`, the x-amz-tagging form). */
export const META_TAGS = 'jetvault.tags';
/** Plaintext objects' flexible checksum: `<ALGORITHM>:<base64>` (encrypted objects seal it). */
export const META_CHECKSUM = 'jetvault.checksum';
/** Run-length index of the JetStream sequences of the frames: `seq:count,seq:count…`. */
export const META_FRAMES = 'jetvault.frames';
const MAX_RUNS = 256;
const USER_META = 'x-amz-meta-';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** nats.js writes the digest as padded base64url (Base64UrlPaddedCodec); Go does too. */
export function formatDigest(sha256: Buffer): string {
  return DIGEST_PREFIX + base64UrlPadded(sha256);
}

/** The 32 digest bytes; accepts hex, base64 and base64url, as nats.js's parser does. */
export function parseDigest(digest: string): Buffer | undefined {
  if (!digest.startsWith(DIGEST_PREFIX)) return undefined;
  const v = digest.slice(DIGEST_PREFIX.length);
  const bytes = /^[0-9a-fA-F]{64}$/.test(v)
    ? Buffer.from(v, 'hex')
    : Buffer.from(v.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** Frame sequences as runs of consecutive sequences; concurrent PUTs interleave, so there may be several. */
export class FrameIndex {
  readonly runs: Array<[seq: number, count: number]> = [];
  private overflow = false;

  add(seq: number): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last[0] + last[1] === seq) last[1]++;
    else if (this.runs.length < MAX_RUNS && !this.overflow) this.runs.push([seq, 1]);
    // Past the cap the index keeps its prefix only; readers skip frames from the last known one.
    else this.overflow = true;
  }

  /** Frames covered by the index, from frame 0. */
  get known(): number {
    return this.runs.reduce((n, r) => n + r[1], 0);
  }

  toString(): string {
    return this.runs.map(([s, c]) => `${s}:${c}`).join(',');
  }

  static parse(v: string | undefined): FrameIndex {
    const index = new FrameIndex();
    if (v === undefined || v === '') return index;
    for (const run of v.split(',')) {
      const m = /^(\d+):(\d+)$/.exec(run);
      if (!m) return new FrameIndex();
      index.runs.push([Number(m[1]), Number(m[2])]);
    }
    return index;
  }

  /**
   * Where a consumer starts to reach frame `k`: the exact sequence when the index covers it, otherwise the
   * sequence after the last known frame and how many frames to skip from there.
   */
  locate(k: number): { startSeq: number; firstFrame: number } {
    let frame = 0;
    let after = 1;
    for (const [seq, count] of this.runs) {
      if (k < frame + count) return { startSeq: seq + (k - frame), firstFrame: k };
      frame += count;
      after = seq + count;
    }
    return { startSeq: after, firstFrame: frame };
  }
}

export interface BuildMetaInput {
  store: string;
  key: string;
  nuid: string;
  size: number;
  chunks: number;
  digest: string;
  chunkSize: number;
  mtime: Date;
  contentType: string;
  userMetadata: Record<string, string>;
  storedHeaders: Record<string, string>;
  /** Plaintext objects: the ETag, checksum and frame index in the clear. */
  etag?: string;
  checksum?: StoredChecksum | undefined;
  frames?: FrameIndex;
  /** Encrypted objects: the envelope (which seals the ETag and indexes the frames) instead. */
  envelope?: string;
  tags?: Tags | undefined;
}

export function formatTags(tags: Tags): string {
  return new URLSearchParams(Object.entries(tags)).toString();
}

/** `cache-control` → `Cache-Control`: the canonical spelling NATS and Go clients show. */
const canonical = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
const STORED = new Set<string>(STORED_HEADERS);

export function buildMeta(m: BuildMetaInput): ServerObjectInfo {
  const headers: Record<string, string[]> = { 'Content-Type': [m.contentType] };
  for (const [k, v] of Object.entries(m.storedHeaders)) headers[canonical(k)] = [v];
  for (const [k, v] of Object.entries(m.userMetadata)) headers[`X-Amz-Meta-${k}`] = [v];
  const metadata: Record<string, string> = {};
  if (m.envelope !== undefined) metadata[ENVELOPE_META_KEY] = m.envelope;
  if (m.etag !== undefined) metadata[META_ETAG] = m.etag;
  if (m.checksum !== undefined)
    metadata[META_CHECKSUM] = `${m.checksum.algorithm}:${m.checksum.value.toString('base64')}`;
  if (m.frames !== undefined && m.frames.runs.length > 0) metadata[META_FRAMES] = m.frames.toString();
  if (m.tags !== undefined && Object.keys(m.tags).length > 0) metadata[META_TAGS] = formatTags(m.tags);
  return {
    name: m.key,
    description: '',
    bucket: m.store,
    nuid: m.nuid,
    size: m.size,
    chunks: m.chunks,
    digest: m.digest,
    mtime: m.mtime.toISOString(),
    deleted: false,
    options: { max_chunk_size: m.chunkSize },
    headers,
    metadata,
  };
}

export function parseMeta(data: Uint8Array): ServerObjectInfo {
  const v = JSON.parse(
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
  ) as unknown;
  if (typeof v !== 'object' || v === null) throw new Error('object store meta is not a JSON object');
  const o = v as Partial<ServerObjectInfo>;
  if (typeof o.name !== 'string') throw new Error('object store meta lacks a name');
  return {
    ...o,
    name: o.name,
    // Links carry no nuid; they are never served (isLive) but must still parse for listing and delete.
    nuid: typeof o.nuid === 'string' ? o.nuid : '',
    bucket: typeof o.bucket === 'string' ? o.bucket : '',
    size: Number(o.size ?? 0),
    chunks: Number(o.chunks ?? 0),
    digest: typeof o.digest === 'string' ? o.digest : '',
    mtime: typeof o.mtime === 'string' ? o.mtime : new Date(0).toISOString(),
  };
}

/** Deleted (stock tombstone) and link entries are not objects S3 can serve. */
export function isLive(meta: ServerObjectInfo): boolean {
  return meta.deleted !== true && meta.options?.link == null;
}

/** Written by jetvault: fixed-size frames, an ETag, and maybe a frame index. */
export function isOurs(meta: ServerObjectInfo): boolean {
  return typeof meta.metadata?.[META_ETAG] === 'string';
}

/**
 * Objects written by stock clients carry no MD5, so their ETag is derived from the SHA-256 digest: the
 * quoted hex of its first 16 bytes. It is stable across reads and looks like an MD5 ETag to clients (they
 * can't verify it against the bytes, but it never changes while the object doesn't).
 */
export function etagOf(meta: ServerObjectInfo): string {
  const ours = meta.metadata?.[META_ETAG];
  if (typeof ours === 'string') return ours;
  const sha = parseDigest(meta.digest) ?? createHash('sha256').update(meta.digest).digest();
  return `"${sha.subarray(0, 16).toString('hex')}"`;
}

export function toObjectInfo(bucket: string, meta: ServerObjectInfo): ObjectInfo {
  let contentType = DEFAULT_CONTENT_TYPE;
  const userMetadata: Record<string, string> = {};
  const storedHeaders: Record<string, string> = {};
  for (const [name, values] of Object.entries(meta.headers ?? {})) {
    const value = (Array.isArray(values) ? values : [String(values)]).join(',');
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = value;
    else if (lower.startsWith(USER_META)) userMetadata[lower.slice(USER_META.length)] = value;
    else if (STORED.has(lower)) storedHeaders[lower] = value;
  }
  const mtime = new Date(meta.mtime);
  const cs = /^([A-Z0-9]+):([A-Za-z0-9+/=]+)$/.exec(meta.metadata?.[META_CHECKSUM] ?? '');
  const tagText = meta.metadata?.[META_TAGS];
  return {
    ...(tagText ? { tags: Object.fromEntries(new URLSearchParams(tagText)) } : {}),
    checksum: cs ? { algorithm: cs[1]!, value: Buffer.from(cs[2]!, 'base64') } : undefined,
    bucket,
    key: meta.name,
    size: meta.size,
    etag: etagOf(meta),
    lastModified: Number.isNaN(mtime.getTime()) ? new Date(0) : mtime,
    contentType,
    userMetadata,
    storedHeaders,
  };
}
