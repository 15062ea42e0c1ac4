// What every operation shares: the JetStream handles, settings, the logger, the precise mapping of
// JetStream failures to S3 errors, and meta reads by direct get.
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { S3Error } from '../../s3/errors.js';
import { parseMeta, type ServerObjectInfo } from './meta.js';
import { metaSubject, streamForStore } from './names.js';
import type { StorageCrypto } from './sealed.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface Settings {
  frameSize: number;
  maxInFlight: number;
  readAheadBytes: number;
  replicas: number;
  /** JetStream API and publish-ack timeout. */
  timeoutMs: number;
  /** A read waiting this long for a frame asks the server whether anything is left to deliver. */
  stallCheckMs: number;
}

export interface StoredMeta {
  /** Stream sequence of the meta message: the revision a conditional publish expects. */
  seq: number;
  meta: ServerObjectInfo;
}

const API_STREAM_NOT_FOUND = 10059;
const API_WRONG_LAST_SEQUENCE = 10071;
/** How long a stream seen to exist is trusted before direct gets go to it unchecked. */
const KNOWN_TTL_MS = 10_000;

function causes(e: unknown): Error[] {
  const out: Error[] = [];
  for (let c = e; c instanceof Error && out.length < 8; c = c.cause) out.push(c);
  return out;
}

export function isStreamNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && e.code === API_STREAM_NOT_FOUND;
}

export function isWrongLastSequence(e: unknown): boolean {
  return e instanceof JetStreamApiError && e.code === API_WRONG_LAST_SEQUENCE;
}

/** A publish to a subject no stream captures comes back as "no responders" (wrapped by nats.js). */
export function isNoResponders(e: unknown): boolean {
  return causes(e).some((c) => c.name === 'NoResponders');
}

export function isTimeout(e: unknown): boolean {
  return causes(e).some((c) => c.name === 'TimeoutError');
}

export class NatsContext {
  /** Streams recently seen to exist, with whether they answer direct gets. */
  private readonly known = new Map<string, { at: number; direct: boolean }>();

  constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly settings: Settings,
    readonly log: LogFn,
    /** Absent: every bucket is plaintext and encrypted objects cannot be read. */
    readonly crypto?: StorageCrypto,
  ) {}

  /** Stream info of a store; NoSuchBucket when the stream does not exist. */
  async streamInfo(store: string, opts?: { subjects_filter?: string }): Promise<StreamInfo> {
    try {
      const si = await this.jsm.streams.info(streamForStore(store), opts);
      this.known.set(store, { at: Date.now(), direct: si.config.allow_direct === true });
      return si;
    } catch (e) {
      if (isStreamNotFound(e)) {
        this.known.delete(store);
        throw new S3Error('NoSuchBucket', undefined, { cause: e });
      }
      throw e;
    }
  }

  /**
   * Throws NoSuchBucket unless the store exists. Cached briefly: a direct get to a stream that doesn't exist
   * is not refused, it times out (the account's JetStream API import swallows it), so we look first.
   */
  async requireBucket(store: string): Promise<{ direct: boolean }> {
    const k = this.known.get(store);
    if (k && Date.now() - k.at < KNOWN_TTL_MS) return k;
    const si = await this.streamInfo(store);
    return { direct: si.config.allow_direct === true };
  }

  forget(store: string): void {
    this.known.delete(store);
  }

  /** The latest meta of a key (deleted or not), or null. NoSuchBucket when the store is missing. */
  async readMeta(store: string, key: string): Promise<StoredMeta | null> {
    const stream = streamForStore(store);
    const subject = metaSubject(store, key);
    const { direct } = await this.requireBucket(store);
    if (direct) {
      try {
        const m = await this.jsm.direct.getMessage(stream, { last_by_subj: subject });
        return m === null ? null : { seq: m.seq, meta: parseMeta(m.data) };
      } catch (e) {
        if (!isTimeout(e) && !isNoResponders(e)) throw e;
        // Deleted since we cached it (→ NoSuchBucket below), or direct get unavailable: ask the API.
        this.forget(store);
        await this.streamInfo(store);
      }
    }
    try {
      const sm = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
      return sm === null ? null : { seq: sm.seq, meta: parseMeta(sm.data) };
    } catch (e) {
      if (isStreamNotFound(e)) throw new S3Error('NoSuchBucket', undefined, { cause: e });
      throw e;
    }
  }

  /** Purges a subject, up to (not including) `beforeSeq` when given; failures are logged, not thrown. */
  async purgeQuietly(store: string, filter: string, beforeSeq?: number): Promise<boolean> {
    try {
      const opts = beforeSeq === undefined ? { filter } : { filter, seq: beforeSeq };
      await this.jsm.streams.purge(streamForStore(store), opts);
      return true;
    } catch (e) {
      this.log('warn', 'purge failed; frames may be orphaned', { store, filter, err: String(e) });
      return false;
    }
  }
}
