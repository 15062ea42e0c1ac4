// The codec through the Piscina pool: round-trip overhead per task, throughput with 1 and 2 worker
// threads, and RSS over 10,000 seal+open batches (must stay flat).
//   npm run build && node dist/bench/native/pool.js   (env SECONDS per throughput run, default 4; BATCHES, default 10000)
import { randomBytes } from 'node:crypto';
import type { StreamParams } from '../../src/crypto/codec.js';
import { hashInit, openBatch, openCapacity, sealBatch, sealCapacity } from '../../src/crypto/native.js';
import { createCryptoPool, type CryptoPool } from '../../src/pool/pool.js';
import { MiB, table } from '../lib/micro.js';

const SECONDS = Number(process.env.SECONDS ?? 4);
const BATCHES = Number(process.env.BATCHES ?? 10_000);
const LOG2F = 18;

const s: StreamParams = {
  dek: new Uint8Array(randomBytes(32)),
  objectId: new Uint8Array(randomBytes(16)),
  salt: new Uint8Array(randomBytes(16)),
  part: 0,
  log2F: LOG2F,
};

async function roundTrip(pool: CryptoPool): Promise<{ echo: number; seal: number }> {
  const n = 5000;
  let data = new ArrayBuffer(16);
  for (let i = 0; i < 500; i++) data = (await pool.run({ op: 'echo', data })).data; // warm up
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) data = (await pool.run({ op: 'echo', data })).data;
  const echo = Number(process.hrtime.bigint() - t) / 1e3 / n;
  let plaintext: Uint8Array = new Uint8Array(100);
  let out: Uint8Array = new Uint8Array(sealCapacity(100, LOG2F, true));
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await pool.run({
      op: 'seal',
      stream: s,
      firstIndex: 0,
      plaintext,
      final: true,
      compress: false,
      out,
    });
    plaintext = r.plaintext;
    out = new Uint8Array(r.frames.buffer);
  }
  const seal = Number(process.hrtime.bigint() - t) / 1e3 / n;
  return { echo, seal };
}

/** Sealed MB/s with `inFlight` tasks queued, each 4 MiB at 256 KiB frames with MD5+SHA-256 (a PUT). */
async function throughput(pool: CryptoPool, inFlight: number, hashes: boolean): Promise<number> {
  const size = 4 * MiB;
  const deadline = process.hrtime.bigint() + BigInt(SECONDS * 1e9);
  const start = process.hrtime.bigint();
  let bytes = 0;
  const lane = async (): Promise<void> => {
    let plaintext: Uint8Array = new Uint8Array(randomBytes(size));
    let out: Uint8Array = new Uint8Array(sealCapacity(size, LOG2F, false));
    let hashState: Uint8Array | undefined = hashes ? hashInit(['md5', 'sha256']) : undefined;
    while (process.hrtime.bigint() < deadline) {
      const r = await pool.run({
        op: 'seal',
        stream: s,
        firstIndex: 0,
        plaintext,
        final: false,
        compress: false,
        out,
        ...(hashState ? { hashState } : {}),
      });
      plaintext = r.plaintext;
      out = new Uint8Array(r.frames.buffer);
      hashState = r.hashState;
      bytes += size;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return bytes / (Number(process.hrtime.bigint() - start) / 1e9) / 1e6;
}

const rssMiB = () => process.memoryUsage().rss / MiB;

/** seal + open of 1 MiB batches (256 KiB frames, zstd on text, MD5+SHA-256), reusing every buffer. */
function rssDirect(batches: number): [number, number, number] {
  const size = MiB;
  const plaintext = new Uint8Array(size);
  const line = 'The quick brown fox jumps over the lazy dog 0123456789. ';
  for (let i = 0; i < size; i++) plaintext[i] = line.charCodeAt(i % line.length);
  plaintext.set(randomBytes(size / 2), size / 2); // half compressible, half not
  const out = new Uint8Array(sealCapacity(size, LOG2F, false));
  const opened = new Uint8Array(size);
  const hs = hashInit(['md5', 'sha256', 'crc32c']);
  const one = (): void => {
    const r = sealBatch({ stream: s, firstIndex: 0, plaintext, final: false, compress: true }, out, hs);
    openBatch({ stream: s, firstIndex: 0, frames: r.frames, offsets: r.offsets, expectFinal: false }, opened);
  };
  for (let i = 0; i < 200; i++) one();
  globalThis.gc?.();
  const before = rssMiB();
  let peak = before;
  for (let i = 0; i < batches; i++) {
    one();
    if (i % 500 === 0) peak = Math.max(peak, rssMiB());
  }
  globalThis.gc?.();
  return [before, rssMiB(), peak];
}

/** The same through the pool (no hashes), buffers moved both ways; RSS sampled every `every` batches. */
async function rssPool(pool: CryptoPool, batches: number, every: number): Promise<number[]> {
  const size = MiB;
  let plaintext: Uint8Array = new Uint8Array(randomBytes(size));
  let frames: Uint8Array = new Uint8Array(sealCapacity(size, LOG2F, false));
  let opened: Uint8Array = new Uint8Array(size);
  const samples: number[] = [];
  for (let i = 0; i <= batches; i++) {
    if (i % every === 0) {
      globalThis.gc?.();
      samples.push(Math.round(rssMiB()));
    }
    const r = await pool.run({
      op: 'seal',
      stream: s,
      firstIndex: 0,
      plaintext,
      final: false,
      compress: true,
      out: frames,
    });
    plaintext = r.plaintext;
    const cap = openCapacity(r.frames, r.offsets, LOG2F);
    const o = await pool.run({
      op: 'open',
      stream: s,
      firstIndex: 0,
      frames: r.frames,
      offsets: r.offsets,
      expectFinal: false,
      out: opened.length >= cap ? opened : new Uint8Array(cap),
    });
    frames = new Uint8Array(o.frames.buffer);
    opened = new Uint8Array(o.plaintext.buffer);
  }
  return samples;
}

const one = createCryptoPool({ threads: 1 });
const rt = await roundTrip(one);
console.log(
  `# pool round trip (1 thread, sequential awaits): echo of 16 bytes ${rt.echo.toFixed(1)} µs/task; ` +
    `seal of 100 bytes ${rt.seal.toFixed(1)} µs/task\n`,
);

const rows: (string | number)[][] = [];
const results: Record<string, number> = {};
for (const hashes of [false, true]) {
  for (const threads of [1, 2]) {
    const pool = threads === 1 ? one : createCryptoPool({ threads: 2 });
    const mbps = await throughput(pool, 2 * threads, hashes);
    results[`${threads}${hashes}`] = mbps;
    rows.push([hashes ? 'seal + MD5+SHA-256' : 'seal', threads, 2 * threads, mbps]);
    if (threads === 2) await pool.close();
  }
}
console.log(table(['task (4 MiB, 256 KiB frames)', 'threads', 'in flight', 'MB/s'], rows));
console.log(
  `\n2 threads / 1 thread: seal ${(results['2false']! / results['1false']!).toFixed(2)}×, ` +
    `seal + MD5+SHA-256 ${(results['2true']! / results['1true']!).toFixed(2)}× (target ≥ 1.7×)\n`,
);
await one.close();

const direct = rssDirect(BATCHES);
console.log(
  table(
    ['RSS over seal+open of 1 MiB batches, main thread', 'batches', 'start MiB', 'end MiB', 'peak MiB'],
    [['zstd, MD5+SHA-256+CRC32C, buffers reused', BATCHES, ...direct]],
  ),
);
const pool2 = createCryptoPool({ threads: 2 });
const every = Math.max(1, Math.round(BATCHES / 10));
const series = await rssPool(pool2, BATCHES, every);
await pool2.close();
console.log(
  `
RSS (MiB) through the pool (2 threads, zstd, buffers moved), every ${every} seal+open batches: ` +
    `${series.join(' → ')}`,
);
