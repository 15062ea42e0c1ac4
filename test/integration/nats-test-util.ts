// Small helpers for the NatsBackend tests: a server + connection + backend fixture, request bodies in odd
// chunkings, digests, S3 error checks.
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { PutObjectInput } from '../../src/storage/backend.js';
import { NatsBackend } from '../../src/storage/nats/backend.js';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

export const F = 262_144;

export interface NatsFixture {
  server: TestNatsServer;
  nc: NatsConnection;
  jsm: JetStreamManager;
  be: NatsBackend;
  /** Messages stored under a subject filter of a bucket's stream. */
  count(bucket: string, filter: string): Promise<number>;
  /** Frames of every object in a bucket. */
  chunkCount(bucket: string): Promise<number>;
  close(): Promise<void>;
}

export async function natsFixture(): Promise<NatsFixture> {
  const server = await startTestNatsServer();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const be = await NatsBackend.fromConnection(nc);
  const store = (bucket: string) => bucket.replaceAll('.', '_');
  const count = async (bucket: string, filter: string) => {
    const si = await jsm.streams.info(`OBJ_${store(bucket)}`, { subjects_filter: filter });
    return Object.values(si.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  };
  return {
    server,
    nc,
    jsm,
    be,
    count,
    chunkCount: (bucket) => count(bucket, `$O.${store(bucket)}.C.>`),
    close: async () => {
      await be.close();
      await nc.drain();
      await server.stop();
    },
  };
}

export function etagOf(data: Uint8Array): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

/** The Object Store digest as stock clients write it: padded base64url of the SHA-256. */
export function sha256Digest(data: Uint8Array): string {
  const b64 = createHash('sha256').update(data).digest('base64');
  return `SHA-256=${b64.replaceAll('+', '-').replaceAll('/', '_')}`;
}

/** Yields `data` in chunks of `chunk` bytes, or of random sizes (1 B – 200 KiB) when not given. */
export async function* chunked(data: Buffer, chunk?: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < data.length;) {
    const n = Math.min(chunk ?? randomInt(1, 200 * 1024), data.length - off);
    yield data.subarray(off, off + n);
    off += n;
    await new Promise((r) => setImmediate(r));
  }
}

export function input(
  bucket: string,
  key: string,
  data: Buffer,
  o: {
    contentType?: string;
    userMetadata?: Record<string, string>;
    storedHeaders?: Record<string, string>;
    chunk?: number;
  } = {},
): PutObjectInput {
  return {
    bucket,
    key,
    body: chunked(data, o.chunk),
    contentType: o.contentType ?? 'application/octet-stream',
    userMetadata: o.userMetadata ?? {},
    storedHeaders: o.storedHeaders ?? {},
    etag: () => etagOf(data),
  };
}

export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of body) parts.push(p);
  return Buffer.concat(parts);
}

export async function expectS3Error(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.equal((e as { code?: unknown }).code, code, `expected ${code}, got ${String(e)}`);
    return true;
  });
}
