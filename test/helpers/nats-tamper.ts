// Reaching into an Object Store stream under a running gateway, to damage what it stored the way someone
// with access to NATS could: delete, republish or move frame messages, rewrite or swap metas, or rebuild
// the stream so a forged message sits at exactly the sequence the envelope recorded.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { chunkSubject, metaSubject, storeForBucket, streamForStore } from '../../src/storage/nats/names.js';

export interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  header: MsgHdrs | undefined;
}

/** Where one object lives in its bucket's stream. */
export interface Layout {
  stream: string;
  chunkSubject: string;
  metaSubject: string;
  metaSeq: number;
  /** The meta message's JSON, parsed. */
  meta: MetaJson;
  metaBytes: Uint8Array;
  /** Sequences of the object's frame messages, in stream order (= frame order for one PUT). */
  frameSeqs: number[];
}

export type MetaJson = Record<string, unknown> & {
  name: string;
  nuid: string;
  metadata?: Record<string, string>;
};

export class StreamTamper {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(url: string): Promise<StreamTamper> {
    const nc = await connect({ servers: url });
    return new StreamTamper(nc, jetstream(nc), await jetstreamManager(nc));
  }

  close(): Promise<void> {
    return this.nc.close();
  }

  async layout(bucket: string, key: string): Promise<Layout> {
    const store = storeForBucket(bucket);
    const stream = streamForStore(store);
    const mSubject = metaSubject(store, key);
    const m = await this.jsm.streams.getMessage(stream, { last_by_subj: mSubject });
    if (m === null) throw new Error(`no meta for ${bucket}/${key}`);
    const meta = JSON.parse(Buffer.from(m.data).toString('utf8')) as MetaJson;
    const cSubject = chunkSubject(store, meta.nuid);
    const frameSeqs: number[] = [];
    for (let seq = 1; ;) {
      const f = await this.jsm.direct.getMessage(stream, { seq, next_by_subj: cSubject });
      if (f === null) break;
      frameSeqs.push(f.seq);
      seq = f.seq + 1;
    }
    return {
      stream,
      chunkSubject: cSubject,
      metaSubject: mSubject,
      metaSeq: m.seq,
      meta,
      metaBytes: m.data,
      frameSeqs,
    };
  }

  async message(stream: string, seq: number): Promise<StoredMessage> {
    const m = await this.jsm.streams.getMessage(stream, { seq });
    if (m === null) throw new Error(`no message ${seq} in ${stream}`);
    return { seq: m.seq, subject: m.subject, data: m.data, header: m.header };
  }

  async deleteSeq(stream: string, seq: number): Promise<void> {
    if (!(await this.jsm.streams.deleteMessage(stream, seq)))
      throw new Error(`delete ${stream} ${seq} failed`);
  }

  /** Publishes `data` on `subject` (a new sequence at the end of the stream). */
  async publish(subject: string, data: Uint8Array): Promise<number> {
    return (await this.js.publish(subject, data)).seq;
  }

  /** Replaces a meta: publishes `meta` on `subject` with `Nats-Rollup: sub`, as the gateway writes metas. */
  async replaceMeta(subject: string, meta: Uint8Array | MetaJson): Promise<number> {
    const h = headers();
    h.set('Nats-Rollup', 'sub');
    const data = meta instanceof Uint8Array ? meta : Buffer.from(JSON.stringify(meta));
    return (await this.js.publish(subject, data, { headers: h })).seq;
  }

  /** Every message of the stream, 1..last; the stream must have no gaps (a fresh bucket, no overwrite). */
  async snapshot(stream: string): Promise<StoredMessage[]> {
    const si = await this.jsm.streams.info(stream);
    if (si.state.first_seq !== 1 || si.state.num_deleted || si.state.messages !== si.state.last_seq) {
      throw new Error(`${stream} has gaps: ${JSON.stringify(si.state)}`);
    }
    const out: StoredMessage[] = [];
    for (let seq = 1; seq <= si.state.last_seq; seq++) out.push(await this.message(stream, seq));
    return out;
  }

  /**
   * Deletes the stream and creates it again with the same configuration, then republishes `messages` in
   * order, so message k gets sequence k again: a forged message takes exactly the place of the original.
   */
  async rebuild(stream: string, messages: StoredMessage[]): Promise<void> {
    const { config } = await this.jsm.streams.info(stream);
    await this.jsm.streams.delete(stream);
    await this.jsm.streams.add(config);
    for (const [i, m] of messages.entries()) {
      const h = headers();
      for (const [k, v] of m.header ?? []) {
        // The gateway's conditional meta publish: not a property of the message, and would not hold here.
        if (!k.toLowerCase().startsWith('nats-expected-')) for (const x of v) h.append(k, x);
      }
      const ack = await this.js.publish(m.subject, m.data, { headers: h });
      if (ack.seq !== i + 1) throw new Error(`rebuild: message ${i + 1} landed at ${ack.seq}`);
    }
  }
}

/** A copy of `data` with byte `at` flipped. */
export function flipped(data: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(data);
  out[at] = out[at]! ^ 0x01;
  return out;
}
