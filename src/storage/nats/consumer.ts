// A finite read through an ordered pull consumer (nats.js recreates it on gaps). nats.js only sends the next
// pull request once the iterator has consumed past the point where it was queued, so at most about
// `maxMessages` messages are requested but not yet consumed: a slow reader pauses NATS reads.
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsContext } from './context.js';
import { isStreamNotFound } from './context.js';
import { S3Error } from '../../s3/errors.js';

const STALLED = Symbol('stalled');

export interface OpenOptions {
  stream: string;
  filter: string;
  startSeq?: number;
  lastPerSubject?: boolean;
  maxMessages: number;
}

export class ConsumerReader {
  private messages: ConsumerMessages | undefined;
  private it: AsyncIterator<JsMsg> | undefined;
  private pendingNext: Promise<IteratorResult<JsMsg>> | undefined;
  private released = false;
  private stalls = 0;

  private constructor(
    private readonly ctx: NatsContext,
    private readonly consumer: Consumer,
    private readonly maxMessages: number,
    /** Messages on the filter from the start position when the consumer was created. */
    readonly initialPending: number,
  ) {}

  static async open(ctx: NatsContext, o: OpenOptions): Promise<ConsumerReader> {
    let consumer: Consumer;
    try {
      consumer = await ctx.js.consumers.get(o.stream, {
        filter_subjects: o.filter,
        ...(o.lastPerSubject ? { deliver_policy: 'last_per_subject' as const } : {}),
        ...(o.startSeq !== undefined && !o.lastPerSubject ? { opt_start_seq: o.startSeq } : {}),
      });
    } catch (e) {
      if (isStreamNotFound(e)) throw new S3Error('NoSuchBucket', undefined, { cause: e });
      throw e;
    }
    const info = await consumer.info(true);
    return new ConsumerReader(ctx, consumer, Math.max(1, o.maxMessages), info.num_pending);
  }

  /**
   * The next message. Messages that never come (purged by an overwrite or delete while we read) would
   * otherwise wait forever: after two checks a stall apart that find nothing left to deliver, it throws.
   */
  async next(): Promise<JsMsg> {
    if (this.released) throw new Error('read already released');
    // Subscribing only now means a body nobody reads holds nothing on this side; the server-side consumer
    // expires by itself (inactive threshold) if release() is never called either.
    if (this.it === undefined) {
      this.messages = await this.consumer.consume({ max_messages: this.maxMessages });
      this.it = this.messages[Symbol.asyncIterator]();
      if (this.released) this.messages.stop(); // released while we subscribed
    }
    this.pendingNext ??= this.it.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<typeof STALLED>((resolve) => {
        timer = setTimeout(() => resolve(STALLED), this.ctx.settings.stallCheckMs);
      });
      const r = await Promise.race([this.pendingNext, stalled]).finally(() => clearTimeout(timer));
      if (r === STALLED) {
        const ci = await this.consumer.info();
        this.stalls = ci.num_pending === 0 ? this.stalls + 1 : 0;
        if (this.stalls >= 2)
          throw new Error('frames vanished during the read (object overwritten or deleted)');
        continue;
      }
      this.pendingNext = undefined;
      this.stalls = 0;
      if (r.done) throw new Error('consumer closed before the read completed');
      return r.value;
    }
  }

  /** Stops the subscription and deletes the server-side consumer; safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.messages?.stop();
    this.consumer.delete().catch((e: unknown) => {
      this.ctx.log('debug', 'consumer delete failed (it expires by itself)', { err: String(e) });
    });
  }
}
