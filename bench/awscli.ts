// The foundation issue's round trip, measured: the aws cli puts and gets a 1 GiB file through the gateway
// (each engine) with put-object / get-object (single requests), then ls and rm; reports MB/s as the aws cli
// sees it, sha256 equality, and the gateway's peak RSS.
//
//   npm run build && node dist/bench/awscli.js          # SIZE_MIB=1024, ENGINES=node,uws
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNatsServer } from '../test/helpers/nats-server.js';
import { hashFile } from '../test/helpers/hash-file.js';
import { CREDENTIALS, startGateway } from '../test/helpers/gateway.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = Number(process.env['SIZE_MIB'] ?? 1024) * MiB;
const ENGINES = (process.env['ENGINES'] ?? 'node,uws').split(',') as ('uws' | 'node')[];

const peakRssMiB = (pid: number) =>
  Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-awscli-bench-'));
  const src = path.join(dir, 'src.bin');
  const fh = await open(src, 'w');
  for (let off = 0; off < SIZE; off += 16 * MiB) await fh.write(randomBytes(Math.min(16 * MiB, SIZE - off)));
  await fh.close();
  const srcSha = await hashFile('sha256', src);
  const nats = await startTestNatsServer();
  const lines: string[] = [];
  try {
    for (const engine of ENGINES) {
      const gw = await startGateway({ engine, natsUrl: nats.url });
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKey,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: path.join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      };
      const aws = async (...args: string[]) => {
        const t = performance.now();
        await run('aws', ['--endpoint-url', gw.endpoint, ...args], { env, maxBuffer: 1 << 24 });
        return performance.now() - t;
      };
      try {
        await aws('s3', 'mb', `s3://bench-${engine}`);
        const putMs = await aws(
          's3api',
          'put-object',
          '--bucket',
          `bench-${engine}`,
          '--key',
          'big',
          '--body',
          src,
        );
        const out = path.join(dir, 'out.bin');
        const getMs = await aws('s3api', 'get-object', '--bucket', `bench-${engine}`, '--key', 'big', out);
        const same = (await hashFile('sha256', out)) === srcSha;
        await rm(out);
        const listed = (
          await run('aws', ['--endpoint-url', gw.endpoint, 's3', 'ls', `s3://bench-${engine}`], { env })
        ).stdout;
        await aws('s3', 'rm', `s3://bench-${engine}/big`);
        const line =
          `| ${engine} | ${(SIZE / 1e6 / (putMs / 1000)).toFixed(0)} | ${(SIZE / 1e6 / (getMs / 1000)).toFixed(0)} | ` +
          `${same ? 'yes' : 'NO'} | ${listed.includes(` ${SIZE} big`) ? 'yes' : 'NO'} | ${peakRssMiB(gw.process.pid!)} |`;
        lines.push(line);
        console.error(line);
      } finally {
        await gw.cleanup();
      }
    }
  } finally {
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    [
      `### aws cli, ${SIZE / MiB} MiB file, put-object / get-object`,
      '',
      '| engine | PUT MB/s | GET MB/s | sha256 equal | listed with its size | gateway peak RSS MiB |',
      '| --- | ---: | ---: | --- | --- | ---: |',
      ...lines,
    ].join('\n'),
  );
}

await main();
