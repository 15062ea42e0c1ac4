// The Backend on JetStream Object Store (DESIGN §2): one Object Store per S3 bucket, objects in the stock
// layout so stock clients can read them. Writes and reads are in writer.ts / reader.ts; bucket operations
// and the connection live here.
import { readFile } from 'node:fs/promises';
import {
  DiscardPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type MsgRequest,
  type NextMsgRequest,
  type StreamConfig,
} from '@nats-io/jetstream';
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  nuid,
  type NatsConnection,
  type NodeConnectionOptions,
  type Status,
} from '@nats-io/transport-node';
import { S3Error } from '../../s3/errors.js';
import {
  emptyBody,
  selectRange,
  type Backend,
  type BucketInfo,
  type ByteRange,
  type GetObjectResult,
  type ListObjectsInput,
  type ListObjectsResult,
  type ObjectInfo,
  type PutObjectInput,
  type CopyStoredInput,
  type ReadSelector,
  type Tags,
} from '../backend.js';
import { isStreamNotFound, NatsContext, type LogFn, type Settings } from './context.js';
import { isLive, parseMeta } from './meta.js';
import { describe, openSealedBody, StoredObjectError, type StorageCrypto } from './sealed.js';
import {
  bucketForStore,
  chunkSubject,
  chunkSubjectAll,
  metaSubject,
  metaSubjectAll,
  storeForBucket,
  storeForStream,
  streamForStore,
} from './names.js';
import { listObjects, FramesMismatchError, openBody } from './reader.js';
import { putObject, putObjectTagging } from './writer.js';
import { copyStored } from './copy.js';

/** How jetvault reaches NATS and shapes what it writes. The lead maps config onto this. */
export interface NatsBackendOptions {
  /** `nats://host:port` URLs or `host:port`. */
  servers: string | string[];
  token?: string;
  user?: string;
  pass?: string;
  /** Content of a `.creds` file (user JWT and nkey seed). */
  creds?: string;
  /** Path of a `.creds` file, read at connect; `creds` wins when both are given. */
  credsFile?: string;
  /** An nkey user seed (`SU…`). */
  nkeySeed?: string;
  /** PEM file of the CA that signed the server certificate; enables TLS. */
  tlsCaFile?: string;
  /** Connection name shown by the server (monitoring). */
  name?: string;
  /** Frame (chunk) size of objects we write: a power of two, 64 KiB up to what fits max_payload. */
  frameSize?: number;
  /** Un-acked frame publishes per PUT. */
  maxInFlight?: number;
  /** Bytes a GET requests ahead of its reader. */
  readAheadBytes?: number;
  /** Stream replicas of new buckets. */
  replicas?: number;
  /** JetStream request and publish-ack timeout. */
  timeoutMs?: number;
  /** A GET waiting this long for a frame checks whether the object's frames vanished (overwritten). */
  stallCheckMs?: number;
  log?: LogFn;
  /** Encryption: the pool, the keys and the per-bucket policy. Absent: every bucket is plaintext. */
  crypto?: StorageCrypto;
}

export type NatsBackendSettings = Omit<
  NatsBackendOptions,
  'servers' | 'token' | 'user' | 'pass' | 'creds' | 'credsFile' | 'nkeySeed' | 'tlsCaFile' | 'name'
>;

export const DEFAULT_FRAME_SIZE = 262_144;
/**
 * Measured with bench/nats-backend.ts (1 GiB, SWEEP=1): PUT MB/s rises to a plateau at 8–16 un-acked frames
 * (432 at 1, 596 at 4, 636–653 at 8–16) and falls with more (606 at 64) while memory grows: 16 × 256 KiB =
 * 4 MiB per PUT.
 */
export const DEFAULT_MAX_IN_FLIGHT = 16;
/** Same bench: GET MB/s 617 at 1 MiB read-ahead, ~760 at 4 MiB, ~820–860 at 8 MiB, no better beyond. */
export const DEFAULT_READ_AHEAD_BYTES = 8 * 1024 * 1024;
const MIN_FRAME_SIZE = 65_536;
/** Room left in max_payload for message headers (and, later, the frame header and GCM tag). */
const HEADER_ROOM = 4096;
const API_STREAM_NAME_IN_USE = 10058;

export class NatsBackend implements Backend {
  private disconnected = false;
  private readonly statusIter: AsyncIterable<Status>;

  private constructor(
    private readonly ctx: NatsContext,
    private readonly ownsConnection: boolean,
  ) {
    this.statusIter = ctx.nc.status();
    void this.watchStatus();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.statusIter) {
      if (s.type === 'disconnect') this.disconnected = true;
      else if (s.type === 'reconnect') this.disconnected = false;
      if (s.type === 'disconnect' || s.type === 'reconnect')
        this.ctx.log('warn', `nats ${s.type}`, { server: s.server });
    }
  }

  static async connect(opts: NatsBackendOptions): Promise<NatsBackend> {
    const co: NodeConnectionOptions = {
      servers: opts.servers,
      name: opts.name ?? 'jetvault',
      maxReconnectAttempts: -1,
    };
    if (opts.token !== undefined) co.token = opts.token;
    if (opts.user !== undefined) co.user = opts.user;
    if (opts.pass !== undefined) co.pass = opts.pass;
    const creds =
      opts.creds ?? (opts.credsFile !== undefined ? await readFile(opts.credsFile, 'utf8') : undefined);
    if (creds !== undefined) co.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
    else if (opts.nkeySeed !== undefined)
      co.authenticator = nkeyAuthenticator(new TextEncoder().encode(opts.nkeySeed));
    if (opts.tlsCaFile !== undefined) co.tls = { caFile: opts.tlsCaFile };
    const nc = await connect(co);
    try {
      return await NatsBackend.build(nc, opts, true);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /** On a connection the caller owns (tests): close() leaves it open. */
  static fromConnection(nc: NatsConnection, opts: NatsBackendSettings = {}): Promise<NatsBackend> {
    return NatsBackend.build(nc, opts, false);
  }

  private static async build(
    nc: NatsConnection,
    opts: NatsBackendSettings,
    owns: boolean,
  ): Promise<NatsBackend> {
    const maxPayload = nc.info?.max_payload ?? 1_048_576;
    const frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
    if (
      !Number.isInteger(Math.log2(frameSize)) ||
      frameSize < MIN_FRAME_SIZE ||
      frameSize + HEADER_ROOM > maxPayload
    ) {
      throw new Error(
        `frameSize ${frameSize} must be a power of two from ${MIN_FRAME_SIZE} to what fits the server's max_payload (${maxPayload})`,
      );
    }
    const settings: Settings = {
      frameSize,
      maxInFlight: Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
      readAheadBytes: Math.max(frameSize, opts.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES),
      replicas: opts.replicas ?? 1,
      timeoutMs: opts.timeoutMs ?? 5000,
      stallCheckMs: opts.stallCheckMs ?? 5000,
    };
    const jsOpts = { timeout: settings.timeoutMs };
    const js = jetstream(nc, jsOpts);
    const jsm = await jetstreamManager(nc, jsOpts);
    return new NatsBackend(new NatsContext(nc, js, jsm, settings, opts.log ?? (() => {}), opts.crypto), owns);
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    for await (const si of this.ctx.jsm.streams.list()) {
      const store = storeForStream(si.config.name);
      // Internal stores and streams other tools made (upper case, etc.) are not S3 buckets.
      const name = store === undefined ? undefined : bucketForStore(store);
      if (name !== undefined) out.push({ name, created: new Date(si.created) });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async createBucket(bucket: string): Promise<void> {
    const store = storeForBucket(bucket);
    const stream = streamForStore(store);
    try {
      await this.ctx.jsm.streams.info(stream);
      throw new S3Error('BucketAlreadyOwnedByYou');
    } catch (e) {
      if (!isStreamNotFound(e)) throw e;
    }
    // As the stock Object Store creates a bucket (nats.js ObjectStoreImpl.init, ADR-20). The description is
    // unique per call because creating a stream with an identical config succeeds again: a racing create
    // must see a different config to fail.
    const config: Partial<StreamConfig> & { name: string } = {
      name: stream,
      description: `jetvault bucket ${bucket} ${nuid.next()}`,
      subjects: [chunkSubjectAll(store), metaSubjectAll(store)],
      max_age: 0,
      allow_direct: true,
      allow_rollup_hdrs: true,
      discard: DiscardPolicy.New,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: this.ctx.settings.replicas,
    };
    try {
      await this.ctx.jsm.streams.add(config);
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === API_STREAM_NAME_IN_USE) {
        throw new S3Error('BucketAlreadyOwnedByYou', undefined, { cause: e });
      }
      throw e;
    }
  }

  async headBucket(bucket: string): Promise<void> {
    await this.ctx.streamInfo(storeForBucket(bucket));
  }

  async deleteBucket(bucket: string): Promise<void> {
    const store = storeForBucket(bucket);
    await this.ctx.streamInfo(store);
    if (await this.hasLiveObject(store)) throw new S3Error('BucketNotEmpty');
    try {
      await this.ctx.jsm.streams.delete(streamForStore(store));
    } catch (e) {
      if (isStreamNotFound(e)) throw new S3Error('NoSuchBucket', undefined, { cause: e });
      throw e;
    } finally {
      this.ctx.forget(store);
    }
  }

  /**
   * Walks meta messages in stream order with "next by subject" gets. Rollups keep one meta per key, and our
   * deletes purge theirs, so the first one is live unless stock-client tombstones come first.
   */
  private async hasLiveObject(store: string): Promise<boolean> {
    const stream = streamForStore(store);
    for (let seq = 1; ;) {
      // The API's MSG.GET takes next_by_subj since 2.9 (tested on 2.9.10) though nats.js types it for direct gets only.
      const next: NextMsgRequest = { seq, next_by_subj: metaSubjectAll(store) };
      const m = await this.ctx.jsm.streams.getMessage(stream, next as unknown as MsgRequest);
      if (m === null) return false;
      try {
        if (isLive(parseMeta(m.data))) return true;
      } catch {
        return true; // unparseable: someone's data, not ours to delete
      }
      seq = m.seq + 1;
    }
  }

  putObject(input: PutObjectInput): Promise<ObjectInfo> {
    return putObject(this.ctx, input);
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo> {
    const cur = await this.ctx.readMeta(storeForBucket(bucket), key);
    if (cur === null || !isLive(cur.meta)) throw new S3Error('NoSuchKey');
    const { info, opened } = await describe(this.ctx, bucket, key, cur.meta);
    opened?.dek.fill(0);
    return info;
  }

  async getObject(bucket: string, key: string, select?: ByteRange | ReadSelector): Promise<GetObjectResult> {
    const store = storeForBucket(bucket);
    for (let attempt = 1; ; attempt++) {
      const cur = await this.ctx.readMeta(store, key);
      if (cur === null || !isLive(cur.meta)) throw new S3Error('NoSuchKey');
      const { info, opened } = await describe(this.ctx, bucket, key, cur.meta);
      try {
        const range = selectRange(select, info);
        if (range === null) {
          opened?.dek.fill(0);
          return { info, body: emptyBody(), range: undefined };
        }
        const body =
          opened === undefined
            ? await openBody(this.ctx, store, cur.meta, range)
            : await openSealedBody(this.ctx, store, cur.meta, opened, range);
        return { info, body, range };
      } catch (e) {
        opened?.dek.fill(0);
        // An overwrite or delete between our meta read and the frame reads purges the frames we wanted.
        if (!(e instanceof FramesMismatchError || e instanceof StoredObjectError) || attempt >= 3) throw e;
        const now = await this.ctx.readMeta(store, key);
        if (now !== null && now.seq === cur.seq) throw e;
      }
    }
  }

  copyObjectStored(input: CopyStoredInput): Promise<ObjectInfo | undefined> {
    return copyStored(this.ctx, input);
  }

  putObjectTagging(bucket: string, key: string, tags: Tags): Promise<void> {
    return putObjectTagging(this.ctx, bucket, key, tags);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const store = storeForBucket(bucket);
    const cur = await this.ctx.readMeta(store, key);
    if (cur === null) return;
    // Purge only up to the revision we read: a PUT that lands meanwhile survives (it happened after us).
    await this.ctx.jsm.streams.purge(streamForStore(store), {
      filter: metaSubject(store, key),
      seq: cur.seq + 1,
    });
    // A meta naming another key was copied here: its frames are that key's, not ours to purge.
    if (cur.meta.nuid !== '' && cur.meta.name === key)
      await this.ctx.purgeQuietly(store, chunkSubject(store, cur.meta.nuid));
  }

  listObjects(input: ListObjectsInput): Promise<ListObjectsResult> {
    return listObjects(this.ctx, input);
  }

  async ready(): Promise<boolean> {
    try {
      await this.ctx.jsm.getAccountInfo();
      return true;
    } catch {
      return false;
    }
  }

  /** Whether the NATS connection is up right now (it reconnects by itself). */
  isConnected(): boolean {
    return !this.ctx.nc.isClosed() && !this.disconnected;
  }

  async close(): Promise<void> {
    (this.statusIter as { stop?: () => void }).stop?.();
    if (this.ownsConnection && !this.ctx.nc.isClosed()) await this.ctx.nc.drain();
  }
}
