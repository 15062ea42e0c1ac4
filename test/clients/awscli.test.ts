// The aws cli against the real gateway on a real nats-server, through both HTTP engines:
// mb, put-object, get-object, ls, rm, rb, with byte-exact (sha256) comparison.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { hashFile } from '../helpers/hash-file.js';
import { CREDENTIALS, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';

const run = promisify(execFile);
/** Size of the big object; `JETVAULT_TEST_BIG_MIB=1024` makes it the 1 GiB of the foundation issue. */
const BIG = Number(process.env['JETVAULT_TEST_BIG_MIB'] ?? 48) * 1024 * 1024;

for (const engine of ['uws', 'node'] as const) {
  describe(`aws cli through the ${engine} engine`, () => {
    let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
    let gw: Gateway;
    let dir: string;
    let aws: (...args: string[]) => Promise<string>;

    before(async () => {
      nats = await startTestNatsServer();
      gw = await startGateway({ engine, natsUrl: nats.url });
      dir = await mkdtemp(path.join(tmpdir(), 'jetvault-awscli-'));
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKey,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: path.join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
        AWS_PAGER: '',
      };
      aws = async (...args) =>
        (await run('aws', ['--endpoint-url', gw.endpoint, ...args], { env, maxBuffer: 16 * 1024 * 1024 }))
          .stdout;
    });
    after(async () => {
      await gw?.cleanup();
      await nats?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('mb, put-object, get-object, ls, rm, rb round-trip a big file byte-exact', async () => {
      const src = path.join(dir, 'big.bin');
      const block = randomBytes(1024 * 1024);
      // Distinct blocks, so a frame served twice or out of order changes the hash.
      const parts: Buffer[] = [];
      for (let i = 0; i < BIG / block.length; i++)
        parts.push(Buffer.concat([Buffer.from(`${i}:`), block]).subarray(0, block.length));
      await writeFile(src, Buffer.concat(parts));
      await aws('s3', 'mb', 's3://cli.bucket');
      assert.match(await aws('s3', 'ls'), /cli\.bucket/);

      const put = JSON.parse(
        await aws(
          's3api',
          'put-object',
          '--bucket',
          'cli.bucket',
          '--key',
          'dir/big file+1.bin',
          '--body',
          src,
        ),
      ) as {
        ETag: string;
      };
      assert.equal(put.ETag, `"${await hashFile('md5', src)}"`);

      const out = path.join(dir, 'out.bin');
      const got = JSON.parse(
        await aws('s3api', 'get-object', '--bucket', 'cli.bucket', '--key', 'dir/big file+1.bin', out),
      ) as { ContentLength: number; ETag: string };
      assert.equal(got.ContentLength, BIG);
      assert.equal(got.ETag, put.ETag);
      assert.equal(await hashFile('sha256', out), await hashFile('sha256', src));

      const listing = await aws('s3', 'ls', '--recursive', 's3://cli.bucket');
      assert.match(listing, new RegExp(`\\s${BIG}\\s+dir/big file\\+1\\.bin`));

      await aws('s3', 'rm', 's3://cli.bucket/dir/big file+1.bin');
      assert.equal((await aws('s3', 'ls', '--recursive', 's3://cli.bucket')).trim(), '');
      await aws('s3', 'rb', 's3://cli.bucket');
      assert.doesNotMatch(await aws('s3', 'ls'), /cli\.bucket/);
    });

    test('errors come back as S3 errors the cli understands', async () => {
      await assert.rejects(aws('s3api', 'head-bucket', '--bucket', 'does-not-exist'), /404|Not Found/);
      await aws('s3', 'mb', 's3://cli-errors');
      await assert.rejects(
        aws('s3api', 'get-object', '--bucket', 'cli-errors', '--key', 'missing', path.join(dir, 'x')),
        /NoSuchKey/,
      );
      await writeFile(path.join(dir, 'small'), 'x');
      await aws('s3', 'cp', path.join(dir, 'small'), 's3://cli-errors/small');
      await assert.rejects(aws('s3', 'rb', 's3://cli-errors'), /BucketNotEmpty/);
    });
  });
}
