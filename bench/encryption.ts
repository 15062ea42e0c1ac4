// Encrypted vs plaintext buckets through one gateway (issue 4): 1 GiB PUT and GET into a plaintext and an
// encrypted bucket, alternating, REPS times, with throughput, time to first byte, gateway CPU and peak RSS;
// more TTFB samples from full GETs dropped after their first byte; then sequential 1 KiB ranges at the end of
// each 1 GiB object (p50/p90/p99). Every byte read is checked. Writes bench/results/<date>-encryption[-LABEL].md
// and prints the same tables.
//
//   npm run build && node dist/bench/encryption.js
//
// env: SIZE_MIB (1024), REPS (3), TTFB_PROBES (20 per bucket), RANGES (200 per bucket), WARMUP (5 per bucket),
//   GATEWAY_ARGS      extra gateway flags, space-separated, e.g. "--crypto-threads 2"
//   LABEL             suffix of the results file
//   QUIET_CORES (0.1), QUIET_MAX_S (60): before each operation, wait until other jobs use less than this
// For profiling:
//   GATEWAY_NODE_ARGS node flags for the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS
//                     does not take --cpu-prof)
//   PHASE_LOG         file that gets each measured operation's start and end on the clock of --cpu-prof
//   THREAD_CPU=1      print every gateway thread's CPU per operation
//   GATEWAY_OUTPUT    file for the gateway's stdout and stderr (e.g. with GATEWAY_NODE_ARGS=--trace-gc)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startTestNatsServer } from '../test/helpers/nats-server.js';
import { CREDENTIALS, ROOT, startGateway } from '../test/helpers/gateway.js';
import { sign, signedFetch } from '../test/helpers/signed-fetch.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SIZE = Number(process.env['SIZE_MIB'] ?? 1024) * MiB;
const REPS = Number(process.env['REPS'] ?? 3);
const RANGES = Number(process.env['RANGES'] ?? 200);
const WARMUP = Number(process.env['WARMUP'] ?? 5);
const PROBES = Number(process.env['TTFB_PROBES'] ?? 20);
const GATEWAY_ARGS = (process.env['GATEWAY_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
const GATEWAY_NODE_ARGS = (process.env['GATEWAY_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
const LABEL = process.env['LABEL'];
const QUIET_CORES = Number(process.env['QUIET_CORES'] ?? 0.1);
const QUIET_MAX_S = Number(process.env['QUIET_MAX_S'] ?? 60);
/** One JSON line per measured operation (monotonic µs, the clock of V8's --cpu-prof). */
const PHASE_LOG = process.env['PHASE_LOG'];
const THREAD_CPU = process.env['THREAD_CPU'] === '1';
const GATEWAY_OUTPUT = process.env['GATEWAY_OUTPUT'];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
function phase(name: string, startUs: number): void {
  if (PHASE_LOG) appendFileSync(PHASE_LOG, JSON.stringify({ name, startUs, endUs: nowUs() }) + '\n');
}
const RANGE_BYTES = 1024;
const BUCKETS = ['plain', 'enc'] as const;
type Bucket = (typeof BUCKETS)[number];
const KEY = 'big';

// The object is this 16 MiB random block repeated: byte i of the object is source[i % source.length].
const source = randomBytes(16 * MiB);
const WRITE = MiB;
// One connection, kept alive: no request pays for a TCP handshake.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function* pieces(size: number): Generator<Buffer> {
  for (let off = 0; off < size; off += WRITE) {
    const at = off % source.length;
    yield source.subarray(at, at + Math.min(WRITE, size - off));
  }
}

/** Whether `d` equals the object's bytes from offset `off`. */
function matches(d: Buffer, off: number): boolean {
  for (let i = 0; i < d.length;) {
    const at = (off + i) % source.length;
    const n = Math.min(d.length - i, source.length - at);
    if (!d.subarray(i, i + n).equals(source.subarray(at, at + n))) return false;
    i += n;
  }
  return true;
}

/** User and system CPU seconds of a process (all its threads: the gateway's crypto workers included) or a thread. */
function cpuTimes(pid: number, tid?: number): { user: number; sys: number } {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
}

function cpuSeconds(pid: number): number {
  const { user, sys } = cpuTimes(pid);
  return user + sys;
}

/** CPU seconds per thread of a process (tid → user, sys); the main thread's tid is the pid. */
function threadCpu(pid: number): Map<number, { user: number; sys: number }> {
  const out = new Map<number, { user: number; sys: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), cpuTimes(pid, Number(tid)));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Resets the kernel's peak-RSS mark (VmHWM), so each operation reports its own peak. */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Without permission the peak covers the run so far, which only overstates it.
  }
}

/** Busy CPU seconds of the whole machine (all cores) so far. */
function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return (f.reduce((a, b) => a + b, 0) - idle) / 100;
}

/**
 * A gauge of other jobs on the machine: busy CPU seconds of everything but `pids` and this process since
 * the last call. Other jobs share the 2 cores; their CPU during an operation says how much to trust it.
 */
function foreignMeter(pids: () => number[]): () => number {
  const ours = () =>
    pids().reduce((a, p) => a + cpuSeconds(p), 0) +
    process.cpuUsage().user / 1e6 +
    process.cpuUsage().system / 1e6;
  let m0 = machineBusy();
  let o0 = ours();
  return () => {
    const m1 = machineBusy();
    const o1 = ours();
    const d = m1 - m0 - (o1 - o0);
    m0 = m1;
    o0 = o1;
    return Math.max(0, d);
  };
}

/** Waits (at most QUIET_MAX_S) until other jobs use less than QUIET_CORES for a whole second. */
async function awaitQuiet(foreign: () => number): Promise<number> {
  const t = performance.now();
  foreign();
  while (performance.now() - t < QUIET_MAX_S * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    if (foreign() < QUIET_CORES) break;
  }
  return (performance.now() - t) / 1000;
}

const total = (t: { user: number; sys: number } | undefined) => (t ? t.user + t.sys : 0);

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

interface Target {
  endpoint: string;
  port: number;
}

async function put(gw: Target, bucket: Bucket): Promise<number> {
  const key = `/${bucket}/${KEY}`;
  const { headers } = await sign(gw.endpoint, 'PUT', key, {
    headers: { 'content-length': String(SIZE) },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: gw.port, method: 'PUT', path: key, headers, agent },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    const it = pieces(SIZE);
    const pump = (): void => {
      for (let n = it.next(); !n.done; n = it.next())
        if (!req.write(n.value)) return void req.once('drain', pump);
      req.end();
    };
    pump();
  });
  return performance.now() - t;
}

interface Timed {
  /** Request sent → response headers. */
  headersMs: number;
  /** Request sent → first body byte. */
  ttfbMs: number;
  /** Request sent → last body byte. */
  totalMs: number;
}

/** A GET of the whole object (range undefined) or of [start, end]; checks status, length and every byte. */
async function get(gw: Target, bucket: Bucket, range?: [number, number]): Promise<Timed> {
  const key = `/${bucket}/${KEY}`;
  const extra = range ? { range: `bytes=${range[0]}-${range[1]}` } : undefined;
  const { headers } = await sign(gw.endpoint, 'GET', key, extra ? { headers: extra } : {});
  const want = range ? range[1] - range[0] + 1 : SIZE;
  let off = range ? range[0] : 0;
  const t = performance.now();
  let headersMs = 0;
  let ttfbMs = -1;
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: gw.port, path: key, headers, agent }, (res) => {
        headersMs = performance.now() - t;
        const status = range ? 206 : 200;
        if (res.statusCode !== status) {
          res.resume();
          return reject(new Error(`GET ${key} ${extra?.range ?? ''}: ${res.statusCode}, not ${status}`));
        }
        let bad = false;
        res.on('data', (d: Buffer) => {
          if (ttfbMs < 0) ttfbMs = performance.now() - t;
          if (!bad && !matches(d, off)) bad = true;
          off += d.length;
        });
        res.on('end', () => {
          const got = off - (range ? range[0] : 0);
          if (bad) reject(new Error(`GET ${key}: wrong bytes`));
          else if (got !== want) reject(new Error(`GET ${key}: ${got} of ${want} bytes`));
          else resolve();
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
  return { headersMs, ttfbMs, totalMs: performance.now() - t };
}

/**
 * Time to first byte of a full GET on a fresh connection, which is then dropped (the rest of the body is
 * never read): from the socket's connect (the request is written right after it) to the first body byte.
 */
async function ttfbProbe(gw: Target, bucket: Bucket): Promise<number> {
  const key = `/${bucket}/${KEY}`;
  const { headers } = await sign(gw.endpoint, 'GET', key);
  return new Promise<number>((resolve, reject) => {
    let t = performance.now();
    const req = http.get({ host: '127.0.0.1', port: gw.port, path: key, headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        return reject(new Error(`GET ${key}: ${res.statusCode}`));
      }
      res.once('data', (d: Buffer) => {
        const ms = performance.now() - t;
        req.destroy();
        if (!matches(d, 0)) reject(new Error(`GET ${key}: wrong first bytes`));
        else resolve(ms);
      });
    });
    req.on('socket', (s) => s.once('connect', () => (t = performance.now())));
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
  });
}

interface Started extends Target {
  process: ChildProcess;
  output(): string;
  cleanup(): Promise<void>;
}

/**
 * The gateway as test/helpers/gateway.ts starts it (node engine, test credentials, a fresh key file), with
 * node flags before the script: startGateway has no place for them.
 */
async function startWithNodeArgs(natsUrl: string, args: string[], nodeArgs: string[]): Promise<Started> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-gw-'));
  const creds = path.join(dataDir, 'test-credentials.json');
  await writeFile(creds, JSON.stringify({ credentials: [CREDENTIALS] }), { mode: 0o600 });
  const keyFile = path.join(dataDir, 'test-kek.bin');
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
  const spawned = nowUs();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      'bin/jetvault.js',
      'serve',
      ...['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--http-engine', 'node', '--log-level', 'warn'],
      ...['--credentials', creds, '--nats-url', natsUrl, '--key-file', keyFile, ...args],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const look = (d: Buffer): void => {
      out += d.toString();
      const m = /endpoint:\s+(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    void exited.then(() => reject(new Error(`gateway exited before it was ready:\n${out}`)));
  });
  phase('gateway spawned → ready', spawned);
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    process: child,
    output: () => out,
    cleanup: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => {
  const s = sorted(xs);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? NaN;
};
const median = (xs: number[]) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000);
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const spread = (xs: number[], fmt: (x: number) => string) =>
  `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

interface OpSample {
  ms: number;
  ttfbMs: number;
  headersMs: number;
  gwCpu: number;
  /** The gateway's main (event-loop) thread alone. */
  gwMainCpu: number;
  natsCpu: number;
  /** This process (the HTTP client). */
  clientCpu: number;
  peakRss: number;
  /** Other jobs' CPU during the operation, in cores (CPU-seconds per second). */
  foreign: number;
  /** Seconds waited for the machine to get quiet before it. */
  waited: number;
}

async function main(): Promise<void> {
  const nats = await startTestNatsServer();
  const args = ['--plaintext-buckets', 'plain', ...GATEWAY_ARGS];
  const gw =
    GATEWAY_NODE_ARGS.length > 0
      ? await startWithNodeArgs(nats.url, args, GATEWAY_NODE_ARGS)
      : await startGateway({ engine: 'node', natsUrl: nats.url, args });
  const pid = gw.process.pid!;
  const samples: Record<Bucket, { put: OpSample[]; get: OpSample[]; firstRange: number[] }> = {
    plain: { put: [], get: [], firstRange: [] },
    enc: { put: [], get: [], firstRange: [] },
  };
  const ranges: Record<Bucket, number[]> = { plain: [], enc: [] };
  const probes: Record<Bucket, number[]> = { plain: [], enc: [] };
  const rangeCpuMs: Record<Bucket, number> = { plain: 0, enc: 0 };
  /** Other jobs' CPU (cores) during the TTFB probes and during the range requests. */
  const during = { probes: NaN, ranges: NaN };
  const rangeAt: [number, number] = [SIZE - RANGE_BYTES, SIZE - 1];
  try {
    for (const b of BUCKETS) {
      const r = await signedFetch(gw.endpoint, 'PUT', `/${b}`);
      if (r.status !== 200) throw new Error(`CreateBucket ${b}: ${r.status} ${await r.text()}`);
    }
    const foreign = foreignMeter(() => [pid, nats.pid]);
    const measure = async (run: () => Promise<Timed | number>): Promise<OpSample> => {
      const waited = await awaitQuiet(foreign);
      resetPeak(pid);
      foreign();
      const g0 = cpuSeconds(pid);
      const n0 = cpuSeconds(nats.pid);
      const t0 = threadCpu(pid);
      const c0 = process.cpuUsage();
      const r = await run();
      const others = foreign();
      const c1 = process.cpuUsage(c0);
      const t1 = threadCpu(pid);
      const gib = SIZE / GiB;
      if (THREAD_CPU) {
        const busy = [...t1]
          .map(([tid, c]) => {
            const before = t0.get(tid) ?? { user: 0, sys: 0 };
            return { tid, user: c.user - before.user, sys: c.sys - before.sys };
          })
          .filter((d) => d.user + d.sys >= 0.02);
        const name = (tid: number) => (tid === pid ? 'main' : String(tid));
        console.error(
          `  thread user+sys CPU-s: ${busy.map((d) => `${name(d.tid)} ${f2(d.user)}+${f2(d.sys)}`).join(', ')}`,
        );
      }
      const timed = typeof r === 'number' ? { totalMs: r, ttfbMs: NaN, headersMs: NaN } : r;
      return {
        ms: timed.totalMs,
        ttfbMs: timed.ttfbMs,
        headersMs: timed.headersMs,
        gwCpu: (cpuSeconds(pid) - g0) / gib,
        gwMainCpu: (total(t1.get(pid)) - total(t0.get(pid))) / gib,
        natsCpu: (cpuSeconds(nats.pid) - n0) / gib,
        clientCpu: (c1.user + c1.system) / 1e6 / gib,
        peakRss: peakRssMiB(pid),
        foreign: others / (timed.totalMs / 1000),
        waited,
      };
    };
    // Alternate which bucket goes first, so a drift in machine load does not favour one of them.
    for (let rep = 0; rep < REPS; rep++) {
      const order: Bucket[] = rep % 2 === 0 ? ['plain', 'enc'] : ['enc', 'plain'];
      for (const b of order) {
        const s = samples[b];
        let t0 = nowUs();
        s.put.push(await measure(() => put(gw, b)));
        phase(`put ${b}`, t0);
        // The first read of the fresh object (a new DEK, so the DEK cache misses for enc).
        s.firstRange.push((await get(gw, b, rangeAt)).totalMs);
        t0 = nowUs();
        s.get.push(await measure(() => get(gw, b)));
        phase(`get ${b}`, t0);
        const p = s.put.at(-1)!;
        const g = s.get.at(-1)!;
        console.error(
          `rep ${rep + 1} ${b}: PUT ${f0(mbps(p.ms))} MB/s (${f2(p.gwCpu)} CPU s/GiB, ${p.peakRss} MiB); ` +
            `first range ${f2(s.firstRange.at(-1)!)} ms; GET ${f0(mbps(g.ms))} MB/s, TTFB ${f2(g.ttfbMs)} ms ` +
            `(headers ${f2(g.headersMs)} ms; ${f2(g.gwCpu)} CPU s/GiB, ${g.peakRss} MiB); ` +
            `other jobs ${f2(p.foreign)} / ${f2(g.foreign)} cores (waited ${f0(p.waited)} / ${f0(g.waited)} s)`,
        );
      }
    }
    // More TTFB samples than the reps give: full GETs dropped after their first byte, interleaved.
    await awaitQuiet(foreign);
    let t = performance.now();
    for (let i = 0; i < PROBES; i++) {
      for (const b of i % 2 === 0 ? BUCKETS : ([...BUCKETS].reverse() as Bucket[])) {
        const t0 = nowUs();
        probes[b].push(await ttfbProbe(gw, b));
        phase(`ttfb ${b}`, t0);
        await new Promise((r) => setTimeout(r, 50)); // let the gateway wind the dropped read down
      }
    }
    during.probes = foreign() / ((performance.now() - t) / 1000);
    for (const b of BUCKETS) console.error(`TTFB probes ${b}: ${probes[b].map(f2).join(' ')}`);
    // 1 KiB at the end of the object: warm-ups, then RANGES per bucket, interleaved plain/enc.
    await awaitQuiet(foreign);
    t = performance.now();
    for (let i = 0; i < WARMUP; i++) for (const b of BUCKETS) await get(gw, b, rangeAt);
    for (let i = 0; i < RANGES; i++) {
      for (const b of i % 2 === 0 ? BUCKETS : ([...BUCKETS].reverse() as Bucket[])) {
        const c0 = cpuSeconds(pid);
        const t0 = nowUs();
        ranges[b].push((await get(gw, b, rangeAt)).totalMs);
        phase(`range ${b}`, t0);
        rangeCpuMs[b] += (cpuSeconds(pid) - c0) * 1000;
      }
    }
    during.ranges = foreign() / ((performance.now() - t) / 1000);
    for (const b of BUCKETS) {
      const r = ranges[b];
      console.error(`range ${b}: p50 ${f2(pct(r, 0.5))} p90 ${f2(pct(r, 0.9))} p99 ${f2(pct(r, 0.99))} ms`);
    }
  } catch (e) {
    console.error(gw.output());
    throw e;
  } finally {
    await gw.cleanup();
    if (GATEWAY_OUTPUT) writeFileSync(GATEWAY_OUTPUT, gw.output());
    await nats.stop();
    agent.destroy();
  }

  const date = new Date().toISOString().slice(0, 10);
  const med = (b: Bucket, op: 'put' | 'get', k: keyof OpSample) => median(samples[b][op].map((s) => s[k]));
  const rows: string[] = [];
  for (const b of BUCKETS) {
    for (const op of ['put', 'get'] as const) {
      const s = samples[b][op];
      const col = (v: (x: OpSample) => number, fmt: (x: number) => string) => spread(s.map(v), fmt);
      const cells = [
        b,
        op.toUpperCase(),
        col((x) => mbps(x.ms), f0),
        op === 'get' ? col((x) => x.ttfbMs, f2) : '–',
        col((x) => x.gwCpu, f2),
        f2(med(b, op, 'gwMainCpu')),
        f2(med(b, op, 'natsCpu')),
        f2(med(b, op, 'clientCpu')),
        String(Math.max(...s.map((x) => x.peakRss))),
      ];
      rows.push(`| ${cells.join(' | ')} |`);
    }
  }
  const ratio = (op: 'put' | 'get', k: 'ms' | 'ttfbMs') => med('enc', op, k) / med('plain', op, k);
  const putRatio = 1 / ratio('put', 'ms');
  const getRatio = 1 / ratio('get', 'ms');
  const ttfbRatio = ratio('get', 'ttfbMs');
  const encP50 = pct(ranges.enc, 0.5);
  const probeRatio = median(probes.enc) / median(probes.plain);
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const rangeRows = BUCKETS.map((b) => {
    const r = ranges[b];
    return `| ${b} | ${spread(samples[b].firstRange, f2)} | ${f2(pct(r, 0.5))} | ${f2(pct(r, 0.9))} | ${f2(pct(r, 0.99))} | ${f2(Math.max(...r))} | ${f2(rangeCpuMs[b] / r.length)} |`;
  });
  const raw = BUCKETS.flatMap((b) =>
    (['put', 'get'] as const).map(
      (op) =>
        `- ${b} ${op.toUpperCase()}: ${samples[b][op].map((s) => f0(mbps(s.ms))).join(' / ')} MB/s` +
        (op === 'get' ? `; TTFB ${samples[b].get.map((s) => f2(s.ttfbMs)).join(' / ')} ms` : '') +
        `; other jobs ${samples[b][op].map((s) => f2(s.foreign)).join(' / ')} cores`,
    ),
  );
  const config = GATEWAY_ARGS.length > 0 ? `, gateway flags \`${GATEWAY_ARGS.join(' ')}\`` : '';
  const table = [
    `### Encrypted vs plaintext, ${SIZE / MiB} MiB object, ${date}: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}${config}`,
    '',
    `${REPS} reps per bucket, alternating (plain first in odd reps, enc first in even ones); median (min–max).`,
    'TTFB: request sent → first body byte. CPU: user + system per GiB moved, of the gateway process (all its',
    'threads: crypto worker, GC helpers), of its main thread alone, of nats-server and of the client (this',
    'process, which also checks every byte). Peak RSS: the gateway VmHWM, reset before each operation; the',
    'highest of the reps. Other jobs share the machine: before each operation the bench waits (at most',
    `${QUIET_MAX_S} s) until they use < ${QUIET_CORES} cores, and records what they used during it (under "Each rep").`,
    '',
    '| bucket | op | MB/s | TTFB ms | gateway CPU s/GiB | of it main thread | nats-server CPU s/GiB | client CPU s/GiB | gateway peak RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '| target (issue 4) | measured | met |',
    '| --- | ---: | --- |',
    `| PUT throughput enc/plain ≥ 0.90 | ${f2(putRatio)} | ${yes(putRatio >= 0.9)} |`,
    `| GET throughput enc/plain ≥ 0.90 | ${f2(getRatio)} | ${yes(getRatio >= 0.9)} |`,
    `| GET TTFB enc/plain ≤ 1.05 | ${f2(ttfbRatio)} (${f2(med('enc', 'get', 'ttfbMs'))} vs ${f2(med('plain', 'get', 'ttfbMs'))} ms) | ${yes(ttfbRatio <= 1.05)} |`,
    ...(PROBES > 0
      ? [
          `| GET TTFB enc/plain ≤ 1.05, ${PROBES} probes per bucket | ${f2(probeRatio)} (${f2(median(probes.enc))} vs ${f2(median(probes.plain))} ms) | ${yes(probeRatio <= 1.05)} |`,
        ]
      : []),
    `| 1 KiB range at the end, enc p50 < 5 ms | ${f2(encP50)} ms | ${yes(encP50 < 5)} |`,
    '',
    `TTFB probes: ${PROBES} more full GETs per bucket after the reps, interleaved, each on a fresh connection`,
    `(socket connect → first body byte) and dropped after its first byte; median (min–max), p90. Other jobs`,
    `meanwhile: ${f2(during.probes)} cores.`,
    '',
    '| bucket | TTFB ms | p90 ms |',
    '| --- | ---: | ---: |',
    ...BUCKETS.map((b) => `| ${b} | ${spread(probes[b], f2)} | ${f2(pct(probes[b], 0.9))} |`),
    '',
    `1 KiB range \`bytes=${rangeAt[0]}-${rangeAt[1]}\`, sequential on one kept-alive connection, request sent → last`,
    `body byte. "First after PUT": the first read of each freshly written object (median of ${REPS}); then`,
    `${WARMUP} warm-ups and ${RANGES} requests per bucket, interleaved plain/enc. Other jobs meanwhile: ${f2(during.ranges)} cores.`,
    '',
    '| bucket | first after PUT ms | p50 ms | p90 ms | p99 ms | max ms | gateway CPU ms/request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rangeRows,
    '',
    'Each rep:',
    '',
    ...raw,
    '',
    `Command: \`npm run build && ${GATEWAY_ARGS.length > 0 ? `GATEWAY_ARGS='${GATEWAY_ARGS.join(' ')}' ` : ''}node dist/bench/encryption.js\`.`,
    '',
  ].join('\n');
  console.log(table);
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = `bench/results/${date}-encryption${LABEL ? `-${LABEL}` : ''}.md`;
  await writeFile(path.join(ROOT, file), table);
  console.error(`wrote ${file}`);
}

await main();
