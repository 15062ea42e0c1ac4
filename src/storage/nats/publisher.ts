// Frames go to one chunk subject with a bounded window of un-acked publishes: a slow NATS pauses the
// writer (and through it the upload). Acks are observed in order, so the caller learns every frame's
// JetStream sequence, and after a failure nothing it published is still in flight when it purges.
import type { PubAck } from '@nats-io/jetstream';
import type { NatsContext } from './context.js';

export class FramePublisher {
  private readonly inFlight: Array<[Promise<PubAck>, Uint8Array]> = [];
  private lastSeq = 0;
  /** Frames published so far. */
  count = 0;
  /** Bytes published so far. */
  bytes = 0;

  constructor(
    private readonly ctx: NatsContext,
    private readonly subject: string,
    /** Called in publish order once a frame is stored, with its sequence and the buffer it came from. */
    private readonly onAck: (seq: number, owner: Uint8Array) => void,
  ) {}

  /**
   * Publishes `frame`; `owner` (default the frame) is handed to onAck once acknowledged, when the server
   * has the bytes and the buffer may be reused. Waits while the window is full.
   */
  async publish(frame: Uint8Array, owner: Uint8Array = frame): Promise<void> {
    const { maxInFlight, timeoutMs } = this.ctx.settings;
    const p = this.ctx.js.publish(this.subject, frame, { timeout: timeoutMs });
    p.catch(() => {}); // observed in order by settleOldest; this only marks it handled meanwhile
    this.inFlight.push([p, owner]);
    this.count++;
    this.bytes += frame.length;
    if (this.inFlight.length >= maxInFlight) await this.settleOldest();
  }

  /** Waits for every ack. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  /** After a failure: waits until no publish is in flight, so none lands after the caller's purge. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.inFlight.map(([p]) => p));
    this.inFlight.length = 0;
  }

  private async settleOldest(): Promise<void> {
    const [pending, owner] = this.inFlight.shift()!;
    const ack = await pending;
    if (ack.seq <= this.lastSeq) throw new Error(`publish acks out of order on ${this.subject}`);
    this.lastSeq = ack.seq;
    this.onAck(ack.seq, owner);
  }
}

/**
 * Where acknowledged frames landed, as the envelope records it (docs/format.md §5): the sequence of frame 0
 * and every jump in sequences (other writers' messages interleave). Feed it acks in publish order.
 */
export class FramePlacement {
  firstSeq = 0;
  readonly seqGaps: Array<{ frame: number; seq: bigint }> = [];
  /** Frames placed so far. */
  count = 0;
  private previous = 0;

  add(seq: number): void {
    if (this.count === 0) this.firstSeq = seq;
    else if (seq !== this.previous + 1) this.seqGaps.push({ frame: this.count, seq: BigInt(seq) });
    this.previous = seq;
    this.count++;
  }
}
