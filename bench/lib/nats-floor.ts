// The NATS-only floor: the same bytes through a bare JetStream client, no HTTP, no gateway. A publish
// loop with a bounded window of un-acked publishes, then an ordered consumer reading them back.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

let streamNo = 0;

export interface FloorResult {
  bytes: number;
  putMs: number;
  getMs: number;
}

export async function natsFloor(
  nc: NatsConnection,
  opts: { size: number; payload: number; window: number; readAhead: number; source: Uint8Array },
): Promise<FloorResult> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const n = ++streamNo;
  const stream = `BARE_${process.pid}_${n}`;
  const subject = `bare.${process.pid}.${n}.data`;
  await jsm.streams.add({ name: stream, subjects: [subject], storage: 'file', discard: 'new' });
  const msg = opts.source.subarray(0, opts.payload);
  const count = Math.ceil(opts.size / opts.payload);
  let t = performance.now();
  const q: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) {
    q.push(js.publish(subject, msg));
    if (q.length >= opts.window) await q.shift();
  }
  await Promise.all(q);
  const putMs = performance.now() - t;
  t = performance.now();
  const c = await js.consumers.get(stream, { filter_subjects: subject });
  const msgs = await c.consume({ max_messages: Math.max(1, Math.floor(opts.readAhead / opts.payload)) });
  let got = 0;
  for await (const m of msgs) {
    got += m.data.length;
    if (m.info.pending === 0) break;
  }
  const getMs = performance.now() - t;
  if (got !== count * opts.payload) throw new Error(`floor read ${got} of ${count * opts.payload} bytes`);
  await c.delete().catch(() => {});
  await jsm.streams.delete(stream);
  return { bytes: count * opts.payload, putMs, getMs };
}
