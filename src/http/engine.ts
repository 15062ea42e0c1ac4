// The seam between jetvault and an HTTP engine: both engines turn their requests into S3Request,
// call one RequestHandler, and write its S3Response with backpressure.
import type { RequestHandler } from '../s3/request.js';

export type EngineName = 'uws' | 'node';

export interface HttpServerOptions {
  host: string;
  port: number;
  handler: RequestHandler;
  /** Called with a byte count as response body bytes reach the socket layer. */
  onBytesOut?: (n: number) => void;
}

export interface HttpServer {
  readonly engine: EngineName;
  readonly port: number;
  /** Stops accepting connections; in-flight requests go on. */
  stopListening(): void;
  /** Number of requests whose response has not finished. */
  inFlight(): number;
  /** Closes every connection at once. */
  closeAll(): void;
}

/** Tracks requests in flight so shutdown can wait for them. */
export class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];
  enter(): void {
    this.n++;
  }
  leave(): void {
    this.n--;
    if (this.n === 0) for (const w of this.waiters.splice(0)) w();
  }
  get count(): number {
    return this.n;
  }
}

/** Lets go of a response body that will not be sent (client gone, HEAD), so its source is released. */
export async function releaseBody(body: unknown): Promise<void> {
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    await (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().return?.();
  }
}
