// Starts the real gateway as a child process (`node bin/jetvault.js serve`) and an S3 client for it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CREDENTIALS = {
  accessKey: 'AKIATESTJETVAULT0001',
  secretKey: 'test-secret-key-for-jetvault-tests-000001',
};

export interface Gateway {
  endpoint: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the gateway wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited (sends nothing). */
  exited: Promise<number | null>;
  /** Stops it and removes its data dir (unless keepData). */
  cleanup(): Promise<void>;
}

export interface GatewayOptions {
  engine?: 'uws' | 'node';
  natsUrl?: string;
  /** Reuse a data dir (restart tests). */
  dataDir?: string;
  /** Write CREDENTIALS to a file and pass --credentials (default true). */
  withCredentials?: boolean;
  args?: string[];
  env?: Record<string, string>;
  keepData?: boolean;
  /** With natsUrl: don't give the gateway a key file (by default it gets a fresh one). */
  noKey?: boolean;
}

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'jetvault-gw-')));
  const args = ['bin/jetvault.js', 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  args.push('--http-engine', opts.engine ?? 'uws', '--log-level', 'warn');
  if (opts.withCredentials ?? true) {
    const file = path.join(dataDir, 'test-credentials.json');
    await writeFile(file, JSON.stringify({ credentials: [CREDENTIALS] }), { mode: 0o600 });
    args.push('--credentials', file);
  }
  if (opts.natsUrl) {
    args.push('--nats-url', opts.natsUrl);
    // A remote NATS needs a key configured; tests get a fresh bare 32-byte key file unless they give one.
    const given = opts.args ?? [];
    if (!opts.noKey && !given.includes('--key-file') && !given.includes('--passphrase-file')) {
      const keyFile = path.join(dataDir, 'test-kek.bin');
      await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
      args.push('--key-file', keyFile);
    }
  }
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 30 s:\n${out}`)), 30_000);
    const look = (): void => {
      const m = /endpoint:\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before it was ready:\n${out}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    dataDir,
    process: child,
    output: () => out,
    stop,
    exited,
    cleanup: async () => {
      await stop();
      if (!opts.keepData && opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function s3Client(endpoint: string, creds = CREDENTIALS): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
}
