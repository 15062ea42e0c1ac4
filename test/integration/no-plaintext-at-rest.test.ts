// Nothing of an encrypted object's body reaches NATS in the clear. Objects carrying a random 24-byte
// marker (embedded at several offsets, across a frame boundary, or repeated so that zstd keeps it as a
// literal) are written to an encrypted bucket and to an encrypted bucket with compression on, by single
// PUTs, overwrites and an aws-chunked SDK upload. Then everything NATS stored is scanned: every message of
// every stream (subject, headers, data) and every file of the nats-server store, for the marker raw, in hex
// and in base64/base64url at every alignment. The same objects in a plaintext bucket are the positive
// control: the same scan must find the marker there, in the messages and in the files, and only there.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway, type Gateway } from '../helpers/gateway.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { readAll } from '../helpers/raw-body.js';
import { chunkSubject, metaSubject } from '../../src/storage/nats/names.js';

const F = 64 * 1024;
const MiB = 1024 * 1024;
const MARKER = randomBytes(24);
const ENCRYPTED = ['sealed', 'squeezed'];
const PLAIN = 'open';

/** The marker in every form a careless writer could leave it in. */
function needles(marker: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>([
    ['raw', marker],
    ['hex', Buffer.from(marker.toString('hex'))],
    ['HEX', Buffer.from(marker.toString('hex').toUpperCase())],
  ]);
  // Base64 of the marker inside a longer blob depends on its offset mod 3: the whole groups it fills.
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), marker]).toString('base64');
    const from = 4 * Math.ceil(k / 3);
    const to = 4 * Math.floor((k + marker.length) / 3);
    const part = b64.slice(from, to);
    out.set(`base64@${k}`, Buffer.from(part));
    out.set(`base64url@${k}`, Buffer.from(part.replaceAll('+', '-').replaceAll('/', '_')));
  }
  return out;
}
const NEEDLES = needles(MARKER);

/** Which forms of the marker `hay` holds. */
function found(hay: Buffer): string[] {
  return [...NEEDLES].filter(([, n]) => hay.includes(n)).map(([name]) => name);
}

/** Random bytes with the marker at the start, across the first frame boundary, in the middle and at the end. */
function withMarkers(size: number): Buffer {
  const b = randomBytes(size);
  for (const at of [0, F - 12, Math.floor(size / 2), size - MARKER.length]) {
    if (at >= 0 && at + MARKER.length <= size) MARKER.copy(b, at);
  }
  return b;
}

/** The marker over and over: zstd keeps one copy of it as a literal in every frame it compresses. */
function repeated(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let at = 0; at < size; at += MARKER.length) MARKER.copy(b, at, 0, Math.min(MARKER.length, size - at));
  return b;
}

interface Hit {
  where: string;
  forms: string[];
}

/** Every message of every stream, first..last sequence (deleted ones skipped): subject, headers, data. */
async function scanStreams(
  jsm: JetStreamManager,
): Promise<{ hits: Hit[]; messages: number; streams: string[] }> {
  const hits: Hit[] = [];
  const streams: string[] = [];
  let messages = 0;
  for await (const si of jsm.streams.list()) {
    const name = si.config.name;
    streams.push(name);
    for (let seq = si.state.first_seq; seq <= si.state.last_seq && si.state.messages > 0; seq++) {
      let m;
      try {
        m = await jsm.streams.getMessage(name, { seq });
      } catch {
        m = null; // deleted (purged by an overwrite)
      }
      if (m === null) continue;
      messages++;
      const hdrs: string[] = [];
      for (const [k, vs] of m.header ?? []) for (const v of vs) hdrs.push(`${k}: ${v}`);
      const hay = Buffer.concat([Buffer.from(`${m.subject}\n${hdrs.join('\n')}\n`), Buffer.from(m.data)]);
      const forms = found(hay);
      if (forms.length > 0) hits.push({ where: `${name}#${seq} ${m.subject}`, forms });
    }
  }
  return { hits, messages, streams };
}

/** Every file under `dir`, read whole. */
async function scanFiles(dir: string): Promise<{ hits: Hit[]; files: string[] }> {
  const hits: Hit[] = [];
  const files: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    files.push(path.relative(dir, file));
    const forms = found(await readFile(file));
    if (forms.length > 0) hits.push({ where: path.relative(dir, file), forms });
  }
  return { hits, files };
}

describe('no plaintext of an encrypted object at rest in NATS', () => {
  let nats: TestNatsServer;
  let gw: Gateway;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  /** What each bucket must read back. */
  const written = new Map<string, Buffer>();

  const put = async (bucket: string, key: string, body: Buffer): Promise<void> => {
    const r = await signedFetch(gw.endpoint, 'PUT', `/${bucket}/${key}`, { body });
    assert.equal(r.status, 200, `PUT ${bucket}/${key}: ${await r.text()}`);
    written.set(`${bucket}/${key}`, body);
  };

  /** Single PUTs, overwrites (with different bodies) and an aws-chunked stream upload, all marked. */
  const writeAll = async (bucket: string): Promise<void> => {
    await put(bucket, 'tiny', Buffer.from(MARKER));
    await put(bucket, 'small', withMarkers(100));
    await put(bucket, 'f-minus-1', withMarkers(F - 1));
    await put(bucket, 'f-plus-1', withMarkers(F + 1));
    await put(bucket, 'several-mib', withMarkers(5 * MiB + 7));
    await put(bucket, 'repeated', repeated(3 * MiB + 5));
    for (const [key, size] of [
      ['tiny', MARKER.length],
      ['f-plus-1', F + 1],
      ['several-mib', 5 * MiB + 7],
    ] as const) {
      await put(bucket, key, withMarkers(size)); // overwrite
    }
    await put(bucket, 'repeated', repeated(2 * MiB + 3)); // overwrite
    const body = withMarkers(3 * F + 7);
    const sdk = s3Client(gw.endpoint);
    try {
      await sdk.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'sdk-stream',
          Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
          ContentLength: body.length,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
    } finally {
      sdk.destroy();
    }
    written.set(`${bucket}/sdk-stream`, body);
  };

  const readBack = async (bucket: string): Promise<void> => {
    for (const [name, body] of written) {
      if (!name.startsWith(`${bucket}/`)) continue;
      const r = await signedFetch(gw.endpoint, 'GET', `/${name}`);
      assert.equal(r.status, 200, name);
      const { bytes, error } = await readAll(r);
      assert.equal(error, undefined, name);
      assert.ok(bytes.equals(body), `${name} reads back different bytes`);
    }
  };

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: ['--frame-size', String(F), '--plaintext-buckets', PLAIN, '--compress-buckets', 'squeezed'],
    });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    for (const b of [...ENCRYPTED, PLAIN]) {
      assert.equal((await signedFetch(gw.endpoint, 'PUT', `/${b}`)).status, 200);
    }
  });
  after(async () => {
    await nc?.close();
    await gw?.cleanup();
    await nats?.stop();
  });

  test('the scan finds every encoding of the marker at any offset, and nothing in random bytes', () => {
    assert.deepEqual(found(randomBytes(4 * MiB)), []);
    assert.deepEqual(found(withMarkers(100)), ['raw']);
    for (let pre = 30; pre < 36; pre++) {
      const blob = Buffer.concat([randomBytes(pre), MARKER, randomBytes(10)]);
      const at = `at offset ${pre}`;
      assert.ok(found(Buffer.from(blob.toString('hex'))).includes('hex'), at);
      assert.ok(found(Buffer.from(blob.toString('hex').toUpperCase())).includes('HEX'), at);
      assert.ok(
        found(Buffer.from(blob.toString('base64'))).some((f) => f.startsWith('base64@')),
        at,
      );
      assert.ok(
        found(Buffer.from(blob.toString('base64url'))).some((f) => f.startsWith('base64url@')),
        at,
      );
    }
  });

  test('encrypted buckets (one compressed): the marked objects are written, overwritten and read back', async () => {
    for (const b of ENCRYPTED) {
      await writeAll(b);
      await readBack(b);
    }
    const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as {
      encryption: {
        buckets: Record<
          string,
          { encrypted: boolean; compression: string; written?: { savedBytes: number } }
        >;
      };
    };
    const { sealed, squeezed } = stats.encryption.buckets;
    assert.deepEqual([sealed?.encrypted, sealed?.compression], [true, 'off']);
    assert.deepEqual([squeezed?.encrypted, squeezed?.compression], [true, 'auto']);
    // Compression really happened in the compressed bucket (the repeated marker).
    assert.ok((squeezed?.written?.savedBytes ?? 0) > 4 * MiB, JSON.stringify(squeezed));
  });

  test('no message of any stream holds the marker in any form', async (t) => {
    const { hits, messages, streams } = await scanStreams(jsm);
    t.diagnostic(`${messages} messages scanned in ${streams.join(', ')}`);
    // The plaintext bucket exists but is still empty.
    assert.deepEqual(streams.sort(), ['OBJ_open', 'OBJ_sealed', 'OBJ_squeezed']);
    assert.ok(messages > 200, `only ${messages} messages scanned`);
    assert.deepEqual(hits, []);
  });

  test('positive control: the same objects in a plaintext bucket are found by the same scan', async (t) => {
    await writeAll(PLAIN);
    await readBack(PLAIN);
    const { hits, streams, messages } = await scanStreams(jsm);
    t.diagnostic(`${messages} messages scanned, ${hits.length} hold the marker`);
    assert.deepEqual(streams.sort(), ['OBJ_open', 'OBJ_sealed', 'OBJ_squeezed']);
    assert.ok(hits.length > 0, 'the scan found nothing in the plaintext bucket');
    assert.deepEqual(
      hits.filter((h) => !h.where.startsWith('OBJ_open#')),
      [],
      'the marker shows outside the plaintext bucket',
    );
    // Every live marked object of the plaintext bucket shows up, raw, in its own frames.
    for (const key of ['tiny', 'small', 'f-minus-1', 'f-plus-1', 'several-mib', 'repeated', 'sdk-stream']) {
      const m = await jsm.streams.getMessage('OBJ_open', { last_by_subj: metaSubject(PLAIN, key) });
      const { nuid } = JSON.parse(Buffer.from(m!.data).toString()) as { nuid: string };
      const frames = chunkSubject(PLAIN, nuid);
      assert.ok(
        hits.some((h) => h.where.endsWith(` ${frames}`) && h.forms.includes('raw')),
        `${key}: no raw marker found in its frames ${frames}`,
      );
    }
  });

  test('no file of the nats-server store holds the marker outside the plaintext bucket; its files do', async (t) => {
    await gw.stop();
    await nc.close();
    await nats.halt(); // flushed and closed: the files are final
    const { hits, files } = await scanFiles(nats.storeDir);
    t.diagnostic(`${files.length} files scanned; the marker is in ${hits.map((h) => h.where).join(', ')}`);
    for (const stream of ['OBJ_sealed', 'OBJ_squeezed', 'OBJ_open']) {
      assert.ok(
        files.some((f) => f.includes(`${path.sep}${stream}${path.sep}`) && f.endsWith('.blk')),
        `no message block of ${stream} in ${files.join(', ')}`,
      );
    }
    const outside = hits.filter((h) => !h.where.includes(`${path.sep}OBJ_open${path.sep}`));
    assert.deepEqual(outside, [], 'the marker is in a file outside the plaintext bucket');
    assert.ok(
      hits.some((h) => h.forms.includes('raw') && h.where.endsWith('.blk')),
      `the plaintext bucket's message blocks do not show the marker: ${JSON.stringify(hits)}`,
    );
  });
});
