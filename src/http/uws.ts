// uWebSockets.js engine (npm uws-pack, pinned). uWS hands out request data only inside its callbacks:
// headers are read at once, body chunks are copied (uWS neuters them on return), and every write from an
// async context is corked.
import { App, us_listen_socket_close, us_socket_local_port } from 'uws-pack';
import type { HttpResponse, HttpRequest, us_listen_socket } from 'uws-pack';
import { PushBody, ClientAbortedError } from './body.js';
import type { HttpServer, HttpServerOptions } from './engine.js';
import { InFlight, releaseBody } from './engine.js';
import type { S3Request, S3Response } from '../s3/request.js';
import { STATUS_CODES } from 'node:http';

const STATUS_TEXT: Record<number, string> = {};
for (const [code, text] of Object.entries(STATUS_CODES)) STATUS_TEXT[Number(code)] = `${code} ${text}`;

export async function startUws(opts: HttpServerOptions): Promise<HttpServer> {
  const inFlight = new InFlight();
  const open = new Set<HttpResponse>();
  const app = App();
  app.any('/*', (res, req) => {
    onRequest(res, req, opts, inFlight, open);
  });
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(opts.host, opts.port, (s) =>
      s ? resolve(s) : reject(new Error(`uWS could not listen on ${opts.host}:${opts.port}`)),
    );
  });
  let listening = true;
  return {
    engine: 'uws',
    port: us_socket_local_port(listenSocket),
    stopListening() {
      if (listening) us_listen_socket_close(listenSocket);
      listening = false;
    },
    inFlight: () => inFlight.count,
    closeAll() {
      for (const res of open) res.close();
      app.close();
    },
  };
}

function onRequest(
  res: HttpResponse,
  req: HttpRequest,
  opts: HttpServerOptions,
  inFlight: InFlight,
  open: Set<HttpResponse>,
): void {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = k in headers ? `${headers[k]},${v}` : v;
  });
  const method = req.getCaseSensitiveMethod().toUpperCase();
  const rawPath = req.getUrl();
  const rawQuery = req.getQuery() ?? '';
  const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
  const abort = new AbortController();
  const state: ResponseState = {
    aborted: false,
    ended: false,
    // A response that has ended (or was aborted) must never be touched again: uWS throws on any access.
    markEnded: () => {
      state.ended = true;
      open.delete(res);
    },
  };
  let done = false;
  inFlight.enter();
  open.add(res);
  const finish = (): void => {
    if (done) return;
    done = true;
    open.delete(res);
    inFlight.leave();
  };
  const live = (): boolean => !state.aborted && !state.ended;
  const body = new PushBody({
    pause: () => live() && res.pause(),
    resume: () => live() && res.resume(),
  });
  res.onAborted(() => {
    state.aborted = true;
    body.fail(new ClientAbortedError());
    abort.abort(new ClientAbortedError());
    finish();
  });
  const expectsBody = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  if (expectsBody) {
    res.onData((chunk, isLast) => {
      if (chunk.byteLength > 0) body.push(new Uint8Array(chunk.slice(0)));
      if (isLast) body.end();
    });
  } else {
    body.end();
  }
  const s3req: S3Request = { method, rawPath, rawQuery, headers, body, remoteAddress, signal: abort.signal };
  void opts
    .handler(s3req)
    .then((r) => writeResponse(res, r, state, opts, method === 'HEAD'))
    .catch(() => {
      if (live()) {
        state.markEnded();
        res.close();
      }
    })
    .finally(finish);
}

interface ResponseState {
  aborted: boolean;
  ended: boolean;
  markEnded: () => void;
}

async function writeResponse(
  res: HttpResponse,
  r: S3Response,
  state: ResponseState,
  opts: HttpServerOptions,
  isHead: boolean,
): Promise<void> {
  if (state.aborted) return releaseBody(r.body);
  const writeHead = (): void => {
    res.writeStatus(STATUS_TEXT[r.status] ?? String(r.status));
    for (const [k, v] of Object.entries(r.headers)) {
      if (k !== 'content-length') res.writeHeader(k, v);
    }
  };
  const declared = r.headers['content-length'];
  if (isHead || r.body === undefined) {
    await releaseBody(r.body);
    res.cork(() => {
      writeHead();
      // endWithoutBody(n) leaves a keep-alive connection expecting n body bytes (the next request on it
      // hangs up), so a HEAD's length goes out as a plain header.
      if (declared !== undefined) {
        res.writeHeader('content-length', declared);
        res.endWithoutBody();
      } else if (r.status === 204 || r.status === 304) res.endWithoutBody();
      else res.end();
    });
    state.markEnded();
    return;
  }
  if (typeof r.body === 'string' || r.body instanceof Uint8Array) {
    const bytes = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.cork(() => {
      writeHead();
      res.end(bytes);
    });
    state.markEnded();
    opts.onBytesOut?.(bytes.byteLength);
    return;
  }
  await streamBody(
    res,
    r.body,
    declared === undefined ? undefined : Number(declared),
    writeHead,
    state,
    opts,
  );
}

/**
 * Streams with backpressure: with a declared length, tryEnd writes what the socket takes and the
 * writable event resumes from the offset it reports; otherwise chunked encoding with write().
 * One onWritable handler serves the whole response: uWS may call an earlier registration again, so
 * the handler dispatches to whatever write is pending now.
 */
async function streamBody(
  res: HttpResponse,
  body: AsyncIterable<Uint8Array>,
  total: number | undefined,
  writeHead: () => void,
  state: ResponseState,
  opts: HttpServerOptions,
): Promise<void> {
  let headWritten = false;
  let pending: ((offset: number) => boolean) | undefined;
  res.onWritable((offset) => (pending ? pending(offset) : true));
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (state.aborted) return;
      if (next.done) break;
      const chunk = next.value;
      let ok = true;
      let responded = false;
      const start = res.getWriteOffset();
      res.cork(() => {
        if (!headWritten) writeHead();
        headWritten = true;
        if (total !== undefined) [ok, responded] = res.tryEnd(chunk, total);
        else ok = res.write(chunk);
      });
      opts.onBytesOut?.(chunk.byteLength);
      if (responded) return state.markEnded();
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            pending = undefined;
            clearInterval(poll);
            resolve();
          };
          // onAborted does not wake a pending write, so a dead client is noticed here.
          const poll = setInterval(() => state.aborted && done(), 1000);
          pending = (offset) => {
            if (state.aborted) {
              done();
              return true;
            }
            // write() buffered the whole chunk already; tryEnd left the rest for us to retry.
            const written = total === undefined ? true : res.tryEnd(chunk.subarray(offset - start), total)[0];
            if (written) done();
            return written;
          };
        });
      }
      if (state.aborted) return;
    }
    res.cork(() => {
      if (!headWritten) writeHead();
      if (total === undefined || total === 0) res.end();
      // The body ended short of its declared length: never leave the client waiting for bytes.
      else res.close();
    });
    state.markEnded();
  } catch (err) {
    // The bytes after a 200 has started cannot be taken back: closing is the only honest signal.
    if (!state.aborted && !state.ended) {
      state.markEnded();
      res.close();
    }
    throw err;
  } finally {
    await iterator.return?.();
  }
}
