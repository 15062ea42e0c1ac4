// End-to-end: 1 GiB PUT and GET through the real gateway (both HTTP engines) on a real nats-server, next
// to the NATS-only floor measured in the same run. Reports MB/s, the ratio to the floor, the gateway's
// peak RSS and CPU-seconds per GiB of gateway and nats-server. Writes bench/results/<date>-e2e.md.
//
//   npm run build && node dist/bench/e2e.js              # SIZE_MIB=1024 by default; ENGINES=uws,node
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { startTestNatsServer } from '../test/helpers/nats-server.js';
import { ROOT, startGateway } from '../test/helpers/gateway.js';
import { sign, signedFetch } from '../test/helpers/signed-fetch.js';
import { natsFloor } from './lib/nats-floor.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env['SIZE_MIB'] ?? 1024) * MiB;
const ENGINES = (process.env['ENGINES'] ?? 'uws,node').split(',') as ('uws' | 'node')[];
const source = randomBytes(16 * MiB);
const WRITE = MiB;

function* pieces(size: number): Generator<Buffer> {
  for (let off = 0; off < size; off += WRITE) {
    const at = off % source.length;
    yield source.subarray(at, at + Math.min(WRITE, size - off));
  }
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resets the kernel's peak-RSS mark (VmHWM), so each case reports its own peak; needs root or the owner. */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Without permission the peak covers the run so far, which only overstates it.
  }
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

async function put(endpoint: string, port: number, key: string, payloadHash: string): Promise<number> {
  const { headers } = await sign(endpoint, 'PUT', key, {
    headers: { 'content-length': String(SIZE) },
    payloadHash,
  });
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: key, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`))));
    });
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

async function get(endpoint: string, port: number, key: string): Promise<number> {
  const { headers } = await sign(endpoint, 'GET', key);
  const t = performance.now();
  const n = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: key, headers }, (res) => {
        let got = 0;
        res.on('data', (d: Buffer) => (got += d.length));
        res.on('end', () => resolve(got));
      })
      .on('error', reject);
  });
  if (n !== SIZE) throw new Error(`GET returned ${n} of ${SIZE} bytes`);
  return performance.now() - t;
}

const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000);

async function main(): Promise<void> {
  const nats = await startTestNatsServer();
  const rows: string[] = [];
  const sha = createHash('sha256');
  for (const p of pieces(SIZE)) sha.update(p);
  const signedHash = sha.digest('hex');
  try {
    const nc = await connect({ servers: nats.url });
    const floor = await natsFloor(nc, { size: SIZE, payload: MiB, window: 16, readAhead: 8 * MiB, source });
    await nc.close();
    const floorPut = mbps(floor.putMs);
    const floorGet = mbps(floor.getMs);
    rows.push(`| NATS-only floor, 1 MiB messages | PUT | ${floorPut.toFixed(0)} | 1.00 | – | – | – |`);
    rows.push(`| NATS-only floor, 1 MiB messages | GET | ${floorGet.toFixed(0)} | 1.00 | – | – | – |`);
    for (const engine of ENGINES) {
      const gw = await startGateway({ engine, natsUrl: nats.url });
      const pid = gw.process.pid!;
      try {
        await signedFetch(gw.endpoint, 'PUT', '/bench');
        const cases: [string, 'PUT' | 'GET', () => Promise<number>][] = [
          ['UNSIGNED-PAYLOAD', 'PUT', () => put(gw.endpoint, gw.port, '/bench/a', 'UNSIGNED-PAYLOAD')],
          [
            'signed payload (SHA-256 verified)',
            'PUT',
            () => put(gw.endpoint, gw.port, '/bench/b', signedHash),
          ],
          ['', 'GET', () => get(gw.endpoint, gw.port, '/bench/a')],
        ];
        for (const [what, op, run] of cases) {
          resetPeak(pid);
          const g0 = cpuSeconds(pid);
          const n0 = cpuSeconds(nats.pid);
          const ms = await run();
          const gib = SIZE / 1024 ** 3;
          const ratio = mbps(ms) / (op === 'PUT' ? floorPut : floorGet);
          rows.push(
            `| jetvault ${engine}${what ? `, ${what}` : ''} | ${op} | ${mbps(ms).toFixed(0)} | ${ratio.toFixed(2)} | ${((cpuSeconds(pid) - g0) / gib).toFixed(2)} | ${((cpuSeconds(nats.pid) - n0) / gib).toFixed(2)} | ${peakRssMiB(pid)} |`,
          );
          console.error(rows.at(-1));
        }
      } finally {
        await gw.cleanup();
      }
    }
  } finally {
    await nats.stop();
  }
  const date = new Date().toISOString().slice(0, 10);
  const table = [
    `### ${SIZE / MiB} MiB object, ${date}: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`,
    '',
    '| case | op | MB/s | ratio to NATS floor | gateway CPU s/GiB | nats-server CPU s/GiB | gateway peak RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Command: `npm run build && node dist/bench/e2e.js` (plaintext objects; one client, one request at a time).',
    '',
  ].join('\n');
  console.log(table);
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(path.join(ROOT, `bench/results/${date}-e2e.md`), table);
}

await main();
