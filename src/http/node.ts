// node:http engine: the fallback when the uWS binary cannot load, and the reference for the seam.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { PushBody, ClientAbortedError } from './body.js';
import type { HttpServer, HttpServerOptions } from './engine.js';
import { InFlight, releaseBody } from './engine.js';
import type { S3Request, S3Response } from '../s3/request.js';

export async function startNodeHttp(opts: HttpServerOptions): Promise<HttpServer> {
  const inFlight = new InFlight();
  // No limit on a whole request (a 5 GiB transfer may take long); a connection idle for 2 minutes — no byte
  // in either direction, e.g. a client that stopped sending mid-upload — is closed, which aborts the request.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 });
  server.timeout = 120_000;
  // S3 clients send large bodies after `Expect: 100-continue`; answer at once, auth comes with the request.
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.enter();
    res.once('close', () => inFlight.leave());
    void handle(req, res, opts);
  });
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  return {
    engine: 'node',
    port: (server.address() as AddressInfo).port,
    stopListening: () => server.close(),
    inFlight: () => inFlight.count,
    closeAll: () => server.closeAllConnections(),
  };
}

/** Resolves on 'drain' or 'close', whichever comes first, leaving no listener behind. */
function writable(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: HttpServerOptions,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!.toLowerCase();
    const v = req.rawHeaders[i + 1]!;
    headers[k] = k in headers ? `${headers[k]},${v}` : v;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const abort = new AbortController();
  const body = new PushBody({ pause: () => req.pause(), resume: () => req.resume() });
  let complete = false;
  req.on('data', (chunk: Buffer) => body.push(chunk));
  req.on('end', () => {
    complete = true;
    body.end();
  });
  res.on('close', () => {
    if (!res.writableFinished || !complete) {
      body.fail(new ClientAbortedError());
      abort.abort(new ClientAbortedError());
    }
  });
  const s3req: S3Request = {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    headers,
    body,
    remoteAddress: req.socket.remoteAddress ?? '',
    signal: abort.signal,
  };
  try {
    const r = await opts.handler(s3req);
    await writeResponse(res, r, s3req.method === 'HEAD', opts);
  } catch {
    res.destroy();
  }
}

async function writeResponse(
  res: http.ServerResponse,
  r: S3Response,
  isHead: boolean,
  opts: HttpServerOptions,
): Promise<void> {
  if (res.destroyed) return releaseBody(r.body);
  res.statusCode = r.status;
  for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
  if (isHead || r.body === undefined) {
    await releaseBody(r.body);
    res.end();
    return;
  }
  if (typeof r.body === 'string' || r.body instanceof Uint8Array) {
    const bytes = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    if (!res.hasHeader('content-length')) res.setHeader('content-length', bytes.byteLength);
    res.end(bytes);
    opts.onBytesOut?.(bytes.byteLength);
    return;
  }
  const iterator = r.body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (res.destroyed) return;
      if (next.done) break;
      opts.onBytesOut?.(next.value.byteLength);
      if (!res.write(next.value)) await writable(res);
    }
    res.end();
  } catch (err) {
    // After the status line has gone out, closing is the only way to tell the client the body is bad.
    res.destroy();
    throw err;
  } finally {
    await iterator.return?.();
  }
}
