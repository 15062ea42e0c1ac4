// rclone against the real gateway (node engine) on a real nats-server, configured through environment
// variables (provider Other, path style): copy of a directory tree, check (sizes and MD5 ETags, and
// --download byte for byte), lsjson with hashes, sync after a change and a deletion, cat with
// --offset/--count and --tail (range GETs), copy back byte-exact, delete, rmdirs and purge. Files stay under
// --s3-upload-cutoff (64M) so each is one PutObject: jetvault does not implement multipart uploads yet.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';

const execFileP = promisify(execFile);

const BUCKETS = ['rclone-bucket', 'rclone.dotted.bucket'];
const TREE: [string, number][] = [
  ['empty', 0],
  ['one+byte', 1],
  ['dir/with space/three MiB.bin', 3 * 1024 * 1024 + 3],
  ['a+b=c&d.txt', 100 * 1024 + 1],
  ['ünïcødé/日本語 ファイル 🎉.bin', 5000],
  ['100%/%41 literal%.bin', 256 * 1024],
];

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface LsEntry {
  Path: string;
  Size: number;
  IsDir: boolean;
  Hashes?: { md5?: string };
}

describe('rclone (node engine)', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** Runs rclone; resolves with stdout and stderr, rejects (with both in the message) on a non-zero exit. */
  let rclone: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url });
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-rclone-'));
    await writeFile(path.join(dir, 'rclone.conf'), '');
    // No AWS_* from the caller's environment: rclone 1.60 cannot create an S3 remote at all when
    // AWS_CA_BUNDLE is set ("LoadCustomCABundleError ... unsupported transport"), and the keys are given here.
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    Object.assign(env, {
      RCLONE_CONFIG: path.join(dir, 'rclone.conf'),
      RCLONE_CONFIG_JV_TYPE: 's3',
      RCLONE_CONFIG_JV_PROVIDER: 'Other',
      RCLONE_CONFIG_JV_ENDPOINT: gw.endpoint,
      RCLONE_CONFIG_JV_REGION: 'us-east-1',
      RCLONE_CONFIG_JV_ACCESS_KEY_ID: CREDENTIALS.accessKey,
      RCLONE_CONFIG_JV_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
      RCLONE_CONFIG_JV_FORCE_PATH_STYLE: 'true',
    });
    rclone = async (...args) => {
      try {
        return await execFileP('rclone', ['--s3-upload-cutoff', '64M', '--retries', '1', ...args], {
          env,
          maxBuffer: 32 * 1024 * 1024,
        });
      } catch (e) {
        const err = e as Error & { stdout?: string; stderr?: string; code?: number };
        throw new Error(`rclone ${args.join(' ')} exited ${err.code}:\n${err.stdout}\n${err.stderr}`, {
          cause: e,
        });
      }
    };
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const bucket of BUCKETS) {
    describe(`bucket ${bucket}`, () => {
      const src = () => path.join(dir, `src-${bucket}`);
      const remote = (p = 'tree') => `jv:${bucket}/${p}`;
      const files = new Map<string, Buffer>();

      const lsjson = async (): Promise<LsEntry[]> =>
        (
          JSON.parse((await rclone('lsjson', '-R', '--hash', '--files-only', remote())).stdout) as LsEntry[]
        ).sort((a, b) => a.Path.localeCompare(b.Path));
      /** `rclone check` exits 0 and reports no differences. */
      const check = async (...flags: string[]) => {
        const { stderr } = await rclone('check', ...flags, src(), remote());
        assert.match(stderr, / 0 differences found/, stderr);
        assert.match(stderr, new RegExp(` ${files.size} matching files`), stderr);
      };

      before(async () => {
        for (const [name, size] of TREE) {
          const bytes = Buffer.concat([Buffer.from(name), randomBytes(size)]).subarray(0, size);
          await mkdir(path.dirname(path.join(src(), name)), { recursive: true });
          await writeFile(path.join(src(), name), bytes);
          files.set(name, bytes);
        }
      });

      test('mkdir, copy a tree; check finds no differences (sizes, MD5 ETags, and --download)', async () => {
        await rclone('mkdir', `jv:${bucket}`);
        assert.match((await rclone('lsd', 'jv:')).stdout, new RegExp(` ${bucket.replace(/\./g, '\\.')}\\n`));
        await rclone('copy', src(), remote());
        await check();
        await check('--download');
      });

      test('lsjson lists every file with its plaintext size and MD5', async () => {
        const listed = await lsjson();
        assert.deepEqual(
          listed.map((e) => e.Path),
          [...files.keys()].sort((a, b) => a.localeCompare(b)),
        );
        for (const e of listed) {
          const bytes = files.get(e.Path)!;
          assert.equal(e.Size, bytes.length, e.Path);
          assert.equal(e.Hashes?.md5, md5(bytes), e.Path);
        }
      });

      test('cat --offset/--count and --tail read ranges byte-exact', async () => {
        const cat = async (name: string, ...flags: string[]) =>
          (
            await execFileP('rclone', ['cat', ...flags, remote(`tree/${name}`)], {
              env,
              encoding: 'buffer',
              maxBuffer: 32 * 1024 * 1024,
            })
          ).stdout;
        for (const [name, size] of TREE) {
          const bytes = files.get(name)!;
          assert.ok((await cat(name)).equals(bytes), `${name}: cat`);
          if (size < 10) continue;
          const offset = Math.floor(size / 3);
          const count = Math.floor(size / 4);
          const part = await cat(name, '--offset', String(offset), '--count', String(count));
          assert.ok(part.equals(bytes.subarray(offset, offset + count)), `${name}: --offset/--count`);
          const tail = await cat(name, '--tail', '7');
          assert.ok(tail.equals(bytes.subarray(size - 7)), `${name}: --tail`);
          const rest = await cat(name, '--offset', String(size - 5));
          assert.ok(rest.equals(bytes.subarray(size - 5)), `${name}: --offset to the end`);
        }
      });

      test('sync after changing, adding and deleting files; copy back is byte-exact', async () => {
        const changed = 'dir/with space/three MiB.bin';
        const grown = Buffer.concat([files.get(changed)!, randomBytes(4096)]);
        await writeFile(path.join(src(), changed), grown);
        files.set(changed, grown);
        // Same size, other bytes: only the MD5 tells them apart.
        const same = 'a+b=c&d.txt';
        const sameSize = randomBytes(files.get(same)!.length);
        await writeFile(path.join(src(), same), sameSize);
        files.set(same, sameSize);
        const removed = 'ünïcødé/日本語 ファイル 🎉.bin';
        await unlink(path.join(src(), removed));
        files.delete(removed);
        const added = 'new/ñew + file %.txt';
        await mkdir(path.join(src(), 'new'), { recursive: true });
        await writeFile(path.join(src(), added), 'added after the first copy');
        files.set(added, Buffer.from('added after the first copy'));

        await rclone('sync', '--checksum', src(), remote());
        await check();
        const listed = await lsjson();
        assert.deepEqual(
          listed.map((e) => e.Path),
          [...files.keys()].sort((a, b) => a.localeCompare(b)),
        );
        for (const e of listed) assert.equal(e.Hashes?.md5, md5(files.get(e.Path)!), e.Path);

        const back = path.join(dir, `back-${bucket}`);
        await rclone('copy', remote(), back);
        for (const [name, bytes] of files) {
          assert.equal(sha256(await readFile(path.join(back, name))), sha256(bytes), name);
        }
      });

      test('delete removes the files, rmdirs and purge the rest; the bucket is gone', async () => {
        await rclone('delete', '--include', '*.bin', remote());
        const left = (await lsjson()).map((e) => e.Path);
        assert.deepEqual(
          left,
          [...files.keys()].filter((n) => !n.endsWith('.bin')).sort((a, b) => a.localeCompare(b)),
        );
        await rclone('delete', remote());
        assert.deepEqual(await lsjson(), []);
        await rclone('purge', `jv:${bucket}`);
        assert.doesNotMatch(
          (await rclone('lsd', 'jv:')).stdout,
          new RegExp(` ${bucket.replace(/\./g, '\\.')}\\n`),
        );
      });
    });
  }
});
