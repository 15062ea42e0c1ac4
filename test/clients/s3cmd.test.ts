// s3cmd against the real gateway (node engine) on a real nats-server, path-style and SigV4 through its
// config file: mb, put, ls, la, du, info, get (s3cmd checks the MD5 ETag), get --continue (a range GET),
// cp (server-side copy), del, rb; byte-exact. Uploads use --disable-multipart: jetvault does not implement
// multipart uploads yet (they answer 501 NotImplemented) and s3cmd goes multipart above 15 MiB.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';

const execFileP = promisify(execFile);

const BUCKETS = ['s3cmd-bucket', 's3cmd.dotted.bucket'];
/** Key → size; 20 MiB is above s3cmd's 15 MiB multipart chunk. */
const FILES: [string, number][] = [
  ['empty', 0],
  ['one byte', 1],
  ['dir/with space/file name.txt', 300 * 1024 + 11],
  ['a+b+c=d&e.bin', 1000],
  ['ünïcødé/日本語 ファイル 🎉.bin', 2 * 1024 * 1024 + 9],
  ['100%/%41 literal%.bin', 4097],
  ['big/twenty MiB.bin', 20 * 1024 * 1024],
];

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('s3cmd (node engine)', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let dir: string;
  const data = new Map<string, Buffer>();
  const local = new Map<string, string>();
  /** Runs s3cmd; resolves with stdout and stderr, rejects (with both in the message) on a non-zero exit. */
  let s3cmd: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url });
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-s3cmd-'));
    const host = new URL(gw.endpoint).host;
    const config = path.join(dir, 's3cfg');
    // host_bucket without %(bucket)s: path-style requests to host_base.
    await writeFile(
      config,
      [
        '[default]',
        `access_key = ${CREDENTIALS.accessKey}`,
        `secret_key = ${CREDENTIALS.secretKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = False',
        'signature_v2 = False',
        'bucket_location = us-east-1',
        '',
      ].join('\n'),
    );
    s3cmd = async (...args) => {
      try {
        return await execFileP('s3cmd', ['-c', config, '--no-progress', ...args], {
          env: { ...process.env, HOME: dir },
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (e) {
        const err = e as Error & { stdout?: string; stderr?: string; code?: number };
        throw new Error(`s3cmd ${args.join(' ')} exited ${err.code}:\n${err.stdout}\n${err.stderr}`, {
          cause: e,
        });
      }
    };
    for (const [i, [key, size]] of FILES.entries()) {
      const bytes = Buffer.concat([Buffer.from(key), randomBytes(size)]).subarray(0, size);
      const file = path.join(dir, `in-${i}`);
      await writeFile(file, bytes);
      data.set(key, bytes);
      local.set(key, file);
    }
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const bucket of BUCKETS) {
    describe(`bucket ${bucket}`, () => {
      const url = (key = '') => `s3://${bucket}/${key}`;

      test('mb, then ls lists the bucket', async () => {
        assert.match((await s3cmd('mb', url())).stdout, /created/);
        assert.ok((await s3cmd('ls')).stdout.includes(` s3://${bucket}\n`), 'bucket not listed');
      });

      test('put --disable-multipart every file; ls -r and la -r show plaintext sizes; du the total', async () => {
        for (const [key] of FILES) {
          const { stderr } = await s3cmd('put', '--disable-multipart', local.get(key)!, url(key));
          assert.doesNotMatch(stderr, /WARNING|ERROR/, stderr);
        }
        const listing = (await s3cmd('ls', '-r', url())).stdout;
        for (const [key, size] of FILES) {
          assert.ok(listing.includes(` ${size}  ${url(key)}\n`), `${key} (${size}) not in:\n${listing}`);
        }
        const top = (await s3cmd('ls', url())).stdout;
        assert.match(top, new RegExp(`DIR\\s+${url('dir/').replace(/[.+]/g, '\\$&')}\\n`));
        const all = (await s3cmd('la', '-r')).stdout;
        for (const [key] of FILES) assert.ok(all.includes(url(key)), `la misses ${key}`);
        const total = FILES.reduce((n, [, size]) => n + size, 0);
        assert.match(
          (await s3cmd('du', url())).stdout,
          new RegExp(`^\\s*${total}\\s+${FILES.length} objects`),
        );
      });

      test('info shows size and MD5 of the plaintext', async () => {
        for (const [key, size] of FILES) {
          const { stdout } = await s3cmd('info', url(key));
          assert.match(stdout, new RegExp(`File size: ${size}\\n`), key);
          assert.match(stdout, new RegExp(`MD5 sum:\\s+${md5(data.get(key)!)}\\n`), key);
        }
        assert.match((await s3cmd('info', url())).stdout, /Location:\s+us-east-1/);
      });

      test('get is byte-exact (and s3cmd finds the MD5 ETag right)', async () => {
        for (const [i, [key]] of FILES.entries()) {
          const out = path.join(dir, `out-${bucket}-${i}`);
          const { stderr } = await s3cmd('get', '--force', url(key), out);
          assert.doesNotMatch(stderr, /WARNING|ERROR/, stderr);
          assert.equal(sha256(await readFile(out)), sha256(data.get(key)!), key);
        }
      });

      test('get --continue fetches the rest with a range GET', async () => {
        const key = FILES[4]![0];
        const whole = data.get(key)!;
        const out = path.join(dir, `partial-${bucket}`);
        await writeFile(out, whole.subarray(0, 1_000_003));
        const { stdout, stderr } = await s3cmd('--debug', 'get', '--continue', url(key), out);
        const debug = stdout + stderr;
        assert.match(debug, /Requesting Range: 1000003 \.\. end/);
        assert.match(
          debug,
          new RegExp(`'content-range': 'bytes 1000003-${whole.length - 1}/${whole.length}'`),
        );
        assert.match(debug, /'status': 206/);
        assert.equal(sha256(await readFile(out)), sha256(whole));
      });

      test('cp copies on the server, byte-exact', async () => {
        const [src] = FILES[2]!;
        const dst = 'copies/copy of+ü%.txt';
        await s3cmd('cp', url(src), url(dst));
        const out = path.join(dir, `copy-${bucket}`);
        await s3cmd('get', '--force', url(dst), out);
        assert.equal(sha256(await readFile(out)), sha256(data.get(src)!));
        assert.match(
          (await s3cmd('info', url(dst))).stdout,
          new RegExp(`MD5 sum:\\s+${md5(data.get(src)!)}`),
        );
      });

      test('rb refuses a bucket that is not empty; del, del -r, then rb', async () => {
        await assert.rejects(s3cmd('rb', url()), /BucketNotEmpty/);
        const [key] = FILES[3]!;
        assert.match((await s3cmd('del', url(key))).stdout, /delete:/);
        assert.ok(!(await s3cmd('ls', '-r', url())).stdout.includes(url(key)), `${key} still listed`);
        await assert.rejects(
          s3cmd('get', '--force', url(key), path.join(dir, 'gone')),
          /does not exist|404|NoSuchKey/,
        );
        await s3cmd('del', '-r', '--force', url());
        assert.equal((await s3cmd('ls', '-r', url())).stdout.trim(), '');
        assert.match((await s3cmd('rb', url())).stdout, /removed/);
        assert.ok(!(await s3cmd('ls')).stdout.includes(` s3://${bucket}\n`), 'bucket still listed');
      });
    });
  }
});
