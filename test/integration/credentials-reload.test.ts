// Live reload of the credentials file through the real gateway: SIGHUP and file changes add keys without a
// restart, a malformed file keeps the old keys (and is logged without its secrets), a removed key stops
// working while a request it already started completes on its open connection, and a rotated secret
// works alongside the new one until it expires, then gets InvalidAccessKeyId.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { sign, signedFetch } from '../helpers/signed-fetch.js';

interface Key {
  accessKey: string;
  secretKey: string;
}
const key = (name: string): Key => ({
  accessKey: `AKIA${name.toUpperCase().padEnd(16, '0')}`,
  secretKey: `secret-of-${name}-0123456789abcdefghijklmnop`,
});
const ADMIN = key('admin');
const HUP = key('hup');
const WATCHED = key('watched');
const OLD = key('rotateold');
const NEW = key('rotatenew');
const LEAK = 'this-secret-must-not-reach-the-log';
const BUCKET = 'reload';

interface LogLine {
  msg?: string;
  reason?: string;
  keys?: number;
  error?: string;
  file?: string;
}

describe('credentials reload, through the real gateway', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let dir: string;
  let file: string;
  const clients: S3Client[] = [];

  const client = (k: Key): S3Client => {
    const c = s3Client(gw.endpoint, k);
    clients.push(c);
    return c;
  };
  const logLines = (): LogLine[] =>
    gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const waitForLog = async (what: string, match: (l: LogLine) => boolean, seen: number): Promise<LogLine> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = logLines().filter(match);
      if (found.length > seen) return found[found.length - 1]!;
      if (Date.now() > deadline) throw new Error(`no log line for ${what}:\n${gw.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const reloads = (reason: string) => (l: LogLine) => l.msg === 'credentials reloaded' && l.reason === reason;
  const refusals = (l: LogLine) => l.msg === 'credentials not reloaded; the previous credentials stay in use';
  /** Writes the file the way an editor or config tool does: a new file renamed over the old one. */
  const writeCredentials = async (doc: unknown): Promise<void> => {
    const tmp = `${file}.tmp`;
    await writeFile(tmp, typeof doc === 'string' ? doc : JSON.stringify(doc), { mode: 0o600 });
    await rename(tmp, file);
  };
  const works = async (k: Key): Promise<boolean> => {
    const res = await signedFetch(gw.endpoint, 'GET', '/', { credentials: k });
    await res.arrayBuffer();
    return res.status === 200;
  };
  const codeOf = async (res: Response) => /<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1];
  const exists = async (k: string): Promise<boolean> => {
    try {
      await client(ADMIN).send(new HeadObjectCommand({ Bucket: BUCKET, Key: k }));
      return true;
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return false;
      throw e;
    }
  };

  before(async () => {
    nats = await startTestNatsServer();
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-reload-it-'));
    file = path.join(dir, 'credentials.json');
    await writeCredentials({ credentials: [ADMIN] });
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      withCredentials: false,
      args: ['--credentials', file, '--log-level', 'info'],
    });
    await client(ADMIN).send(new ListBucketsCommand({}));
    await signedFetch(gw.endpoint, 'PUT', `/${BUCKET}`, { credentials: ADMIN });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await gw?.cleanup();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('SIGHUP: a key added to the file works without a restart', async () => {
    assert.equal(await works(HUP), false);
    const seen = logLines().filter(reloads('SIGHUP')).length;
    await writeCredentials({ credentials: [ADMIN, HUP] });
    gw.process.kill('SIGHUP');
    const line = await waitForLog('the SIGHUP reload', reloads('SIGHUP'), seen);
    assert.equal(line.keys, 2);
    assert.equal(line.file, file);
    assert.equal(await works(HUP), true);
    assert.equal(gw.process.exitCode, null, 'SIGHUP does not end the gateway');
  });

  test('file change: a key added to the file works without a signal', async () => {
    assert.equal(await works(WATCHED), false);
    const seen = logLines().filter(reloads('file changed')).length;
    await writeCredentials({ credentials: [ADMIN, HUP, WATCHED] });
    const line = await waitForLog('the file-change reload', reloads('file changed'), seen);
    assert.equal(line.keys, 3);
    assert.equal(await works(WATCHED), true);
  });

  test('a malformed file keeps the old keys and logs the error, without secrets', async () => {
    const seen = logLines().filter(refusals).length;
    await writeCredentials(`{"credentials": [{"accessKey": "AKIANEW", "secretKey": "${LEAK}"`);
    const line = await waitForLog('the refused reload', refusals, seen);
    assert.match(line.error ?? '', /not valid JSON/);
    assert.equal(line.file, file);
    for (const k of [ADMIN, HUP, WATCHED]) assert.equal(await works(k), true, k.accessKey);
    // A file that parses but would change access silently (a misspelt field) is refused the same way.
    await writeCredentials({ credentials: [ADMIN, { ...HUP, polcy: {} }] });
    const typo = await waitForLog('the second refused reload', refusals, seen + 1);
    assert.match(typo.error ?? '', /credentials\[1\]: Unrecognized key: "polcy"/);
    gw.process.kill('SIGHUP');
    await waitForLog('the refused SIGHUP reload', refusals, seen + 2);
    for (const k of [ADMIN, HUP, WATCHED]) assert.equal(await works(k), true, k.accessKey);
    assert.ok(!gw.output().includes(LEAK), 'the secret reached the log');
    for (const k of [ADMIN, HUP, WATCHED])
      assert.ok(!gw.output().includes(k.secretKey), 'a secret reached the log');
  });

  test('a removed key stops working; its request in flight completes on its open connection', async () => {
    await writeCredentials({ credentials: [ADMIN, HUP, WATCHED] });
    await waitForLog(
      'the restored file',
      reloads('file changed'),
      logLines().filter(reloads('file changed')).length,
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(gw.endpoint);
    type Reply = { status: number; body: string; reused: boolean };
    const request = (
      method: string,
      p: string,
      headers: Record<string, string>,
      body?: (req: http.ClientRequest) => Promise<void>,
    ): Promise<Reply> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method, path: p, headers, agent },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }),
            );
          },
        );
        req.on('error', reject);
        if (body === undefined) req.end();
        else body(req).then(() => req.end(), reject);
      });
    try {
      const first = await request(
        'GET',
        '/',
        (await sign(gw.endpoint, 'GET', '/', { credentials: WATCHED })).headers,
      );
      assert.equal(first.status, 200);

      const half = Buffer.alloc(64 * 1024, 0x61);
      const put = await sign(gw.endpoint, 'PUT', `/${BUCKET}/in-flight`, {
        credentials: WATCHED,
        payloadHash: 'UNSIGNED-PAYLOAD',
        headers: { 'content-length': String(2 * half.length) },
      });
      const seen = logLines().filter(reloads('SIGHUP')).length;
      const upload = await request('PUT', `/${BUCKET}/in-flight`, put.headers, async (req) => {
        req.write(half);
        // The key goes away while the upload is half sent.
        await writeCredentials({ credentials: [ADMIN, HUP] });
        gw.process.kill('SIGHUP');
        await waitForLog('the reload removing the key', reloads('SIGHUP'), seen);
        req.write(half);
      });
      assert.equal(upload.status, 200, upload.body);
      assert.equal(upload.reused, true, 'the upload ran on the connection opened before the reload');
      const head = await client(ADMIN).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'in-flight' }));
      assert.equal(head.ContentLength, 2 * half.length);

      const after = await request(
        'GET',
        '/',
        (await sign(gw.endpoint, 'GET', '/', { credentials: WATCHED })).headers,
      );
      assert.equal(after.status, 403);
      assert.match(after.body, /<Code>InvalidAccessKeyId<\/Code>/);
      assert.equal(after.reused, true, 'the connection stayed open through the reload');
      assert.equal(await works(HUP), true);
    } finally {
      agent.destroy();
    }
  });

  test('rotation with overlap: old and new secret both work until the old one expires', async () => {
    const expires = new Date(Date.now() + 4000);
    const seen = logLines().filter(reloads('SIGHUP')).length;
    await writeCredentials({
      users: {
        app: { policy: { allow: [{ buckets: [BUCKET], actions: ['read', 'write', 'list'] }] } },
        admin: {},
      },
      credentials: [
        { ...ADMIN, user: 'admin' },
        { ...OLD, user: 'app', expires: expires.toISOString() },
        { ...NEW, user: 'app' },
      ],
    });
    gw.process.kill('SIGHUP');
    await waitForLog('the rotation reload', reloads('SIGHUP'), seen);
    const oldClient = client(OLD);
    const newClient = client(NEW);
    await oldClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'by-old', Body: 'old' }));
    await newClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'by-new', Body: 'new' }));
    assert.ok(Date.now() < expires.getTime(), 'the overlap was checked before the expiry');
    assert.equal(await exists('by-old'), true);
    assert.equal(await exists('by-new'), true);

    await new Promise((r) => setTimeout(r, expires.getTime() - Date.now() + 100));
    const res = await signedFetch(gw.endpoint, 'PUT', `/${BUCKET}/by-old-late`, {
      body: Buffer.from('late'),
      credentials: OLD,
    });
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'InvalidAccessKeyId');
    assert.equal(await exists('by-old-late'), false);
    try {
      await oldClient.send(new ListBucketsCommand({}));
      assert.fail('the expired key still works');
    } catch (e) {
      assert.ok(e instanceof S3ServiceException);
      assert.equal(e.name, 'InvalidAccessKeyId');
      assert.equal(e.$metadata.httpStatusCode, 403);
    }
    await newClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'by-new-late', Body: 'new' }));
    assert.equal(await exists('by-new-late'), true);
  });
});
