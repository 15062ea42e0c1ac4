// The engine-neutral request and response that src/http produces and consumes. src/s3 sees only these.

export interface S3Request {
  /** Upper-case HTTP method. */
  method: string;
  /** The path exactly as received, still percent-encoded, without the query. */
  rawPath: string;
  /** The query string exactly as received, without '?'; '' when absent. */
  rawQuery: string;
  /** Header names lower-case; repeated headers joined with ','. */
  headers: Readonly<Record<string, string>>;
  /** Request body with backpressure: pulling the next chunk is what lets the client send more. */
  body: AsyncIterable<Uint8Array>;
  remoteAddress: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  /** Bytes, a string (sent as UTF-8), or a stream written with backpressure. */
  body?: Uint8Array | string | AsyncIterable<Uint8Array>;
}

/** What the HTTP engine calls for every request. Never throws: errors become responses. */
export type RequestHandler = (req: S3Request) => Promise<S3Response>;
