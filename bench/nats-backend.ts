// PUT and GET throughput of NatsBackend (no HTTP) against the NATS floor: a bare JetStream publish loop with
// the same window of un-acked publishes and a bare ordered-consumer read, at 1 MiB and at the frame size.
// Fresh nats-server with a temp store; each run uses a fresh bucket.
//
//   npx tsc -p tsconfig.json && node dist/bench/nats-backend.js            # 1 GiB, default settings
//   SIZE_MIB=1024 SWEEP=1 node dist/bench/nats-backend.js                  # also sweep maxInFlight/readAhead
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_FRAME_SIZE,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_READ_AHEAD_BYTES,
  NatsBackend,
  type NatsBackendSettings,
} from '../src/storage/nats/backend.js';
import { startEmbeddedNatsServer } from '../src/storage/nats/embedded.js';
import { natsFloor } from './lib/nats-floor.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.SIZE_MIB ?? 1024) * MiB;
/** What the HTTP layer hands the backend: 64 KiB pieces. */
const BODY_CHUNK = 64 * 1024;
const source = randomBytes(16 * MiB);

async function* body(size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < size; off += BODY_CHUNK) {
    const at = off % source.length;
    yield source.subarray(at, at + Math.min(BODY_CHUNK, size - off));
  }
}

function mbps(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1000)).toFixed(0).padStart(5);
}

/** Peak RSS while `fn` runs, sampled every 20 ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; rssMiB: number; value: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t, rssMiB: Math.round(peak / MiB), value };
  } finally {
    clearInterval(timer);
  }
}

let bucketNo = 0;

async function backendRun(nc: NatsConnection, settings: NatsBackendSettings): Promise<string> {
  const be = await NatsBackend.fromConnection(nc, settings);
  const bucket = `bench-${++bucketNo}`;
  await be.createBucket(bucket);
  const put = await timed(() =>
    be.putObject({
      bucket,
      key: 'big',
      body: body(SIZE),
      contentType: 'application/octet-stream',
      userMetadata: {},
      storedHeaders: {},
      etag: () => '"bench"',
    }),
  );
  const get = await timed(async () => {
    let n = 0;
    for await (const p of (await be.getObject(bucket, 'big')).body) n += p.length;
    return n;
  });
  if (get.value !== SIZE) throw new Error(`read ${get.value} bytes`);
  await be.deleteObject(bucket, 'big');
  await be.deleteBucket(bucket);
  return `PUT ${mbps(SIZE, put.ms)} MB/s (rss ${put.rssMiB} MiB)   GET ${mbps(SIZE, get.ms)} MB/s (rss ${get.rssMiB} MiB)`;
}

async function bareRun(
  nc: NatsConnection,
  payload: number,
  window: number,
  readAhead: number,
): Promise<string> {
  const r = await timed(() => natsFloor(nc, { size: SIZE, payload, window, readAhead, source }));
  return `PUT ${mbps(r.value.bytes, r.value.putMs)} MB/s   GET ${mbps(r.value.bytes, r.value.getMs)} MB/s (rss ${r.rssMiB} MiB)`;
}

async function main(): Promise<void> {
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-bench-'));
  const server = await startEmbeddedNatsServer({
    bin: process.env.NATS_SERVER_BIN ?? 'nats-server',
    storeDir,
  });
  const nc = await connect({ servers: server.url });
  const F = DEFAULT_FRAME_SIZE;
  try {
    console.log(
      `${SIZE / MiB} MiB object, node ${process.version}, ${os.cpus().length} CPUs, nats-server ${nc.info?.version}`,
    );
    const rows: Array<[string, () => Promise<string>]> = [
      [
        `bare JetStream, 1 MiB msgs, window ${DEFAULT_MAX_IN_FLIGHT}`,
        () => bareRun(nc, MiB, DEFAULT_MAX_IN_FLIGHT, DEFAULT_READ_AHEAD_BYTES),
      ],
      [
        `bare JetStream, ${F / 1024} KiB msgs, window ${DEFAULT_MAX_IN_FLIGHT}`,
        () => bareRun(nc, F, DEFAULT_MAX_IN_FLIGHT, DEFAULT_READ_AHEAD_BYTES),
      ],
      [
        `NatsBackend defaults (F ${F / 1024} KiB, maxInFlight ${DEFAULT_MAX_IN_FLIGHT}, readAhead ${DEFAULT_READ_AHEAD_BYTES / MiB} MiB)`,
        () => backendRun(nc, {}),
      ],
    ];
    if (process.env.SWEEP) {
      for (const w of [1, 2, 4, 8, 16, 32, 64])
        rows.push([`NatsBackend maxInFlight ${w}`, () => backendRun(nc, { maxInFlight: w })]);
      for (const r of [1, 4, 16, 32])
        rows.push([`NatsBackend readAhead ${r} MiB`, () => backendRun(nc, { readAheadBytes: r * MiB })]);
      for (const f of [131072, 524288])
        rows.push([`NatsBackend frameSize ${f / 1024} KiB`, () => backendRun(nc, { frameSize: f })]);
      for (const w of [1, 4, 64])
        rows.push([
          `bare ${F / 1024} KiB msgs, window ${w}`,
          () => bareRun(nc, F, w, DEFAULT_READ_AHEAD_BYTES),
        ]);
    }
    for (const [name, run] of rows) console.log(`${name.padEnd(72)} ${await run()}`);
  } finally {
    await nc.drain();
    await server.stop();
    await rm(storeDir, { recursive: true, force: true });
  }
}

await main();
