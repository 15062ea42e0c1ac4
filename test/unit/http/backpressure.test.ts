// Both HTTP engines pass backpressure through: a handler that does not read pauses the client's upload,
// and a client that does not read pauses the handler's response stream.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHttpServer } from '../../../src/http/server.js';
import type { S3Request, S3Response } from '../../../src/s3/request.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of ['uws', 'node'] as const) {
  describe(`${engine} engine`, () => {
    test('an upload the handler does not read is paused, then completes byte-exact', async () => {
      const total = 128 * MiB;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let received = 0;
      const server = await startHttpServer(
        engine,
        {
          host: '127.0.0.1',
          port: 0,
          handler: async (req: S3Request): Promise<S3Response> => {
            await gate;
            for await (const chunk of req.body) received += chunk.byteLength;
            return { status: 200, headers: {}, body: String(received) };
          },
        },
        () => {},
      );
      const sock = net.connect(server.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write(`PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
      const block = Buffer.alloc(MiB, 7);
      let written = 0;
      let reply = '';
      sock.on('data', (d) => (reply += d.toString()));
      const pump = async (): Promise<void> => {
        while (written < total) {
          written += block.length;
          if (!sock.write(block)) await new Promise((r) => sock.once('drain', r));
        }
      };
      const pumping = pump();
      await sleep(700);
      // Kernel socket buffers on both sides plus the engine's high-water mark: far below 128 MiB.
      assert.ok(written < 48 * MiB, `client could write ${written / MiB} MiB into a paused upload`);
      release();
      await pumping;
      for (let i = 0; i < 100 && !reply.includes('\r\n\r\n'); i++) await sleep(50);
      await sleep(100);
      assert.match(reply, /^HTTP\/1\.1 200/);
      assert.ok(reply.endsWith(String(total)), reply);
      sock.destroy();
      server.stopListening();
      server.closeAll();
    });

    test('a response the client does not read stops pulling from the body stream', async () => {
      let pulled = 0;
      const size = 256 * MiB;
      const server = await startHttpServer(
        engine,
        {
          host: '127.0.0.1',
          port: 0,
          handler: async (): Promise<S3Response> => ({
            status: 200,
            headers: { 'content-length': String(size) },
            body: (async function* () {
              const chunk = Buffer.alloc(MiB, 1);
              while (pulled < size) {
                pulled += chunk.length;
                yield chunk;
              }
            })(),
          }),
        },
        () => {},
      );
      const sock = net.connect(server.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.pause();
      sock.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(700);
      assert.ok(pulled < 48 * MiB, `server pulled ${pulled / MiB} MiB for a client that reads nothing`);
      let got = 0;
      sock.on('data', (d: Buffer) => (got += d.length));
      sock.resume();
      for (let i = 0; i < 400 && got < size; i++) await sleep(50);
      assert.ok(got >= size, `client got ${got} of ${size} bytes`);
      assert.equal(pulled, size);
      sock.destroy();
      server.stopListening();
      server.closeAll();
    });
  });
}

for (const engine of ['uws', 'node'] as const) {
  test(`${engine}: HEAD with a Content-Length, then GET, on one keep-alive connection`, async () => {
    const server = await startHttpServer(
      engine,
      {
        host: '127.0.0.1',
        port: 0,
        handler: async (): Promise<S3Response> => ({
          status: 200,
          headers: { 'content-length': '5', etag: '"x"' },
          body: (async function* () {
            yield Buffer.from('hello');
          })(),
        }),
      },
      () => {},
    );
    const sock = net.connect(server.port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => (out += d.toString()));
    sock.write(
      'HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /a HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    for (let i = 0; i < 40 && (out.match(/HTTP\/1\.1 200/g) ?? []).length < 3; i++) await sleep(25);
    const responses = out.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 3, out);
    assert.match(responses[0]!, /content-length: 5\r\n/i);
    assert.ok(responses[0]!.endsWith('\r\n\r\n'), 'HEAD has no body');
    assert.ok(responses[1]!.endsWith('\r\n\r\nhello'), 'GET has the body');
    assert.equal((responses[0]!.match(/content-length/gi) ?? []).length, 1);
    sock.destroy();
    server.stopListening();
    server.closeAll();
  });
}

test('uws that cannot load falls back to node:http with one warning', async () => {
  const warnings: string[] = [];
  const server = await startHttpServer(
    'uws',
    { host: '127.0.0.1', port: 0, handler: async () => ({ status: 200, headers: {}, body: 'ok' }) },
    (m) => warnings.push(m),
    async () => {
      throw new Error(
        'This version of uWS.js supports only …\n\nError: libc.musl-x86_64.so.1: cannot open shared object file',
      );
    },
  );
  try {
    assert.equal(server.engine, 'node');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /uWebSockets\.js cannot load here \(Error: libc\.musl.*\); using the node:http engine/,
    );
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), 'ok');
  } finally {
    server.stopListening();
    server.closeAll();
  }
});
