// Raw bodies for tests that must see exactly what went over the wire: a streamed PUT (UNSIGNED-PAYLOAD, so
// a large body never has to be held or hashed up front) and a GET body read to its end or to the point
// where the server aborted the connection.
import http from 'node:http';
import { sign } from './signed-fetch.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** PUTs `size` bytes from `chunks` with a signed header block and an unsigned payload. */
export async function streamPut(
  endpoint: string,
  path: string,
  size: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const signed = await sign(endpoint, 'PUT', path, {
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': String(size), ...headers },
  });
  const url = new URL(path, endpoint);
  return new Promise<RawResponse>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: signed.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    void (async () => {
      try {
        for await (const c of chunks) {
          if (!req.write(c)) await new Promise<void>((r) => req.once('drain', () => r()));
        }
        req.end();
      } catch (e) {
        req.destroy(e as Error);
      }
    })();
  });
}

export interface ReadResult {
  bytes: Buffer;
  /** Set when reading the body failed (the server aborted the connection mid-body). */
  error: unknown;
}

/** Reads a fetch Response's body to its end; a mid-body failure is returned, with every byte before it. */
export async function readAll(res: Response): Promise<ReadResult> {
  const parts: Buffer[] = [];
  if (res.body === null) return { bytes: Buffer.alloc(0), error: undefined };
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(Buffer.from(value));
    }
    return { bytes: Buffer.concat(parts), error: undefined };
  } catch (e) {
    return { bytes: Buffer.concat(parts), error: e };
  }
}
