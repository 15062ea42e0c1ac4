// The gateway as users run it: embedded nats-server, generated credentials, signals and restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client, startGateway } from '../helpers/gateway.js';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { sign } from '../helpers/signed-fetch.js';

/** nats-server processes whose command line names this data dir. */
function natsServersFor(dataDir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `nats-server.*${dataDir}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('embedded mode: generated credentials are printed once, kept 0600, and work', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jetvault-life-'));
  try {
    const gw = await startGateway({ dataDir, withCredentials: false });
    const access = /access key: (\S+)/.exec(gw.output())?.[1];
    const secret = /secret key: (\S+)/.exec(gw.output())?.[1];
    assert.ok(access && secret, gw.output());
    assert.equal((await stat(path.join(dataDir, 'credentials.json'))).mode & 0o777, 0o600);
    assert.equal(natsServersFor(dataDir).length, 1);
    const s3 = s3Client(gw.endpoint, { accessKey: access, secretKey: secret });
    await s3.send(new CreateBucketCommand({ Bucket: 'life' }));
    s3.destroy();
    assert.equal(await gw.stop(), 0);
    await until('the embedded nats-server to exit', () => natsServersFor(dataDir).length === 0);

    const again = await startGateway({ dataDir, withCredentials: false });
    assert.doesNotMatch(again.output(), /secret key:/);
    assert.match(again.output(), /credentials: .*credentials\.json/);
    await again.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM mid-upload: the request completes, nats-server exits, and a restart serves the object', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jetvault-life-'));
  try {
    const gw = await startGateway({ dataDir });
    const s3 = s3Client(gw.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'life' }));
    const earlier = randomBytes(100_000);
    await s3.send(new PutObjectCommand({ Bucket: 'life', Key: 'earlier', Body: earlier }));

    const size = 8 * 1024 * 1024;
    const body = randomBytes(size);
    const { headers } = await sign(gw.endpoint, 'PUT', '/life/slow', {
      headers: { 'content-length': String(size) },
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const status = new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: gw.port,
        method: 'PUT',
        path: '/life/slow',
        headers,
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      let sent = 0;
      const step = 512 * 1024;
      const pump = (): void => {
        if (sent >= size) return void req.end();
        req.write(body.subarray(sent, sent + step));
        sent += step;
        setTimeout(pump, 40);
      };
      pump();
    });
    await new Promise((r) => setTimeout(r, 150));
    gw.process.kill('SIGTERM');
    assert.equal(await status, 200);
    assert.equal(await gw.exited, 0);
    await until('the embedded nats-server to exit', () => natsServersFor(dataDir).length === 0);
    s3.destroy();

    const again = await startGateway({ dataDir });
    const s3b = s3Client(again.endpoint);
    for (const [key, bytes] of [
      ['earlier', earlier],
      ['slow', body],
    ] as const) {
      const got = await s3b.send(new GetObjectCommand({ Bucket: 'life', Key: key }));
      const data = Buffer.from(await got.Body!.transformToByteArray());
      assert.equal(
        createHash('sha256').update(data).digest('hex'),
        createHash('sha256').update(bytes).digest('hex'),
      );
    }
    s3b.destroy();
    await again.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a SIGKILLed gateway takes its embedded nats-server down with it', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jetvault-life-'));
  try {
    const gw = await startGateway({ dataDir });
    assert.equal(natsServersFor(dataDir).length, 1);
    await gw.stop('SIGKILL');
    await until('the orphaned nats-server to exit', () => natsServersFor(dataDir).length === 0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a missing nats-server binary is a clear start-up error', async () => {
  await assert.rejects(
    startGateway({ args: ['--nats-server-bin', '/nonexistent/nats-server'] }),
    (e: Error) => /nats-server-bin/.test(e.message) && /exited with [1-9]/.test(e.message),
  );
});

test('/readyz and the NATS gauge follow the NATS connection; /healthz stays up', async () => {
  const nats = await startTestNatsServer();
  const gw = await startGateway({ natsUrl: nats.url });
  try {
    assert.equal((await fetch(`${gw.endpoint}/readyz`)).status, 200);
    assert.match(await (await fetch(`${gw.endpoint}/metrics`)).text(), /^jetvault_nats_connected 1$/m);
    await nats.stop();
    let status = 0;
    for (let i = 0; i < 100 && status !== 503; i++) {
      status = (await fetch(`${gw.endpoint}/readyz`)).status;
      if (status !== 503) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 503);
    assert.match(await (await fetch(`${gw.endpoint}/metrics`)).text(), /^jetvault_nats_connected 0$/m);
    assert.equal((await fetch(`${gw.endpoint}/healthz`)).status, 200);
  } finally {
    await gw.cleanup();
    await nats.stop();
  }
});

test('with --nats-url a credentials file is required', async () => {
  await assert.rejects(
    startGateway({ natsUrl: 'nats://127.0.0.1:1', withCredentials: false }),
    (e: Error) => /--credentials/.test(e.message) && /exited with [1-9]/.test(e.message),
  );
});
