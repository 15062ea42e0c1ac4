// A request body as an async iterable with backpressure, fed by an engine that pushes chunks.
// The engine pauses the socket when more than `highWaterMark` bytes wait unread and resumes it once
// the reader has drained below half of that, so a slow NATS pauses the client's upload.

export interface BodyControl {
  pause(): void;
  resume(): void;
}

export class PushBody implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private failure: Error | undefined;
  private paused = false;
  private wake: (() => void) | undefined;
  private iterated = false;
  /** Bytes received from the client so far. */
  received = 0;

  constructor(
    private readonly control: BodyControl,
    private readonly highWaterMark = 4 * 1024 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.ended || this.failure) return;
    this.received += chunk.byteLength;
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    if (!this.paused && this.buffered >= this.highWaterMark) {
      this.paused = true;
      this.control.pause();
    }
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.failure ??= err;
    this.chunks.length = 0;
    this.buffered = 0;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterated) throw new Error('request body can be read only once');
    this.iterated = true;
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.chunks.shift();
      if (chunk) {
        this.buffered -= chunk.byteLength;
        if (this.paused && this.buffered <= this.highWaterMark / 2) {
          this.paused = false;
          this.control.resume();
        }
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** Thrown into a body whose client went away before sending all of it. */
export class ClientAbortedError extends Error {
  constructor() {
    super('client closed the connection before the request body was complete');
    this.name = 'ClientAbortedError';
  }
}
