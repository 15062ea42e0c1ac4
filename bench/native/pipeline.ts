// The streaming pipeline (src/crypto/pipeline.ts) on the pool, as a PUT and a GET use it: a 1 GiB stream
// sealed with the ETag and object hashes (MD5 + SHA-256), the source handing over 64 KiB pieces like the
// HTTP layer and the frames released at once (as after their publish ack); then opening, 16 passes over
// 64 MiB of sealed frames. Process CPU (all threads) is reported as a share of one core.
//   npm run build && node dist/bench/native/pipeline.js   (env SIZE_MIB 1024, THREADS 2, BATCH_MIB 1)
import { randomBytes } from 'node:crypto';
import { SealStream, openStream } from '../../src/crypto/pipeline.js';
import { createCryptoPool } from '../../src/pool/pool.js';
import type { HashName, StreamParams } from '../../src/crypto/codec.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env['SIZE_MIB'] ?? 1024) * MiB;
const THREADS = Number(process.env['THREADS'] ?? 2);
const BATCH = Number(process.env['BATCH_MIB'] ?? 1) * MiB;
const source = randomBytes(16 * MiB);
const params: StreamParams = {
  dek: randomBytes(32),
  objectId: randomBytes(16),
  salt: randomBytes(16),
  part: 0,
  log2F: 18,
};

async function* body(size: number): AsyncIterable<Uint8Array> {
  for (let off = 0; off < size; off += 64 * 1024) {
    const at = off % source.length;
    yield source.subarray(at, at + 64 * 1024);
  }
}

async function* each(frames: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* frames;
}

const pool = createCryptoPool({ threads: THREADS });
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const cpu = (c: NodeJS.CpuUsage, ms: number) => (((c.user + c.system) / 1000 / ms) * 100).toFixed(0);
try {
  for (const hashes of [[], ['md5', 'sha256']] as HashName[][]) {
    let c0 = process.cpuUsage();
    let t = performance.now();
    let sealed = 0;
    const seal = new SealStream(body(SIZE), {
      pool,
      stream: params,
      compress: false,
      hashes,
      batchBytes: BATCH,
    });
    for await (const f of seal) sealed += f.length;
    const sealMs = performance.now() - t;
    const sealCpu = process.cpuUsage(c0);
    const frames: Uint8Array[] = [];
    for await (const f of new SealStream(body(64 * MiB), {
      pool,
      stream: params,
      compress: false,
      hashes: [],
    })) {
      frames.push(f);
    }
    c0 = process.cpuUsage();
    t = performance.now();
    let opened = 0;
    for (let pass = 0; pass < 16; pass++) {
      const it = openStream(each(frames), {
        pool,
        stream: params,
        frameCount: frames.length,
        batchBytes: BATCH,
      });
      for await (const p of it) opened += p.length;
    }
    const openMs = performance.now() - t;
    if (sealed < SIZE || opened !== 16 * 64 * MiB) throw new Error('short');
    console.log(
      `${THREADS} threads, ${BATCH / MiB} MiB batches, hashes [${hashes.join(', ') || 'none'}]: ` +
        `seal ${mbps(SIZE, sealMs)} MB/s (CPU ${cpu(sealCpu, sealMs)}%), ` +
        `open ${mbps(opened, openMs)} MB/s (CPU ${cpu(process.cpuUsage(c0), openMs)}%)`,
    );
  }
} finally {
  await pool.close();
}
