// Prometheus metrics (prom-client), fed from the request-end channel. Labels: operation, bucket-free
// status class — never object keys (DESIGN §6.12); bucket names are left out too, their number is unbounded.
import client from 'prom-client';
import { objectStored, requestEnd } from './channels.js';
import type { ObjectStoredEvent, RequestEndEvent } from './channels.js';

export interface Metrics {
  registry: client.Registry;
  /** Stops listening to the channel. */
  close(): void;
}

export function createMetrics(sources: { natsConnected: () => boolean }): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'jetvault_' });
  const requests = new client.Counter({
    name: 'jetvault_s3_requests_total',
    help: 'S3 requests by operation and status class',
    labelNames: ['operation', 'status_class'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'jetvault_s3_request_duration_seconds',
    help: 'Time from request arrival to the end of the response body',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const bytesIn = new client.Counter({
    name: 'jetvault_s3_bytes_in_total',
    help: 'Request body bytes received',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const bytesOut = new client.Counter({
    name: 'jetvault_s3_bytes_out_total',
    help: 'Response body bytes sent',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const aborted = new client.Counter({
    name: 'jetvault_s3_responses_aborted_total',
    help: 'Responses cut off after the status line because the body failed',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'jetvault_nats_connected',
    help: '1 while the NATS connection is up',
    registers: [registry],
    collect() {
      this.set(sources.natsConnected() ? 1 : 0);
    },
  });
  const onEnd = (message: unknown): void => {
    const e = message as RequestEndEvent;
    const op = e.operation;
    requests.inc({ operation: op, status_class: `${Math.floor(e.status / 100)}xx` });
    duration.observe({ operation: op }, e.durationSeconds);
    if (e.bytesIn > 0) bytesIn.inc({ operation: op }, e.bytesIn);
    if (e.bytesOut > 0) bytesOut.inc({ operation: op }, e.bytesOut);
    if (e.streamError) aborted.inc({ operation: op });
  };
  requestEnd.subscribe(onEnd);
  // What compression saves: plaintext bytes written vs bytes stored, by bucket policy (not bucket name).
  const storedLabels = ['encrypted', 'compression'] as const;
  const plaintextBytes = new client.Counter({
    name: 'jetvault_storage_plaintext_bytes_total',
    help: 'Plaintext bytes of objects stored',
    labelNames: storedLabels,
    registers: [registry],
  });
  const storedBytes = new client.Counter({
    name: 'jetvault_storage_stored_bytes_total',
    help: 'Bytes written to NATS for those objects (frame headers, tags and compression included)',
    labelNames: storedLabels,
    registers: [registry],
  });
  const compressedFrames = new client.Counter({
    name: 'jetvault_storage_compressed_frames_total',
    help: 'Frames stored zstd-compressed (kept only where compression saved at least 3%)',
    registers: [registry],
  });
  const onStored = (message: unknown): void => {
    const e = message as ObjectStoredEvent;
    const labels = { encrypted: String(e.encrypted), compression: e.compress ? 'auto' : 'off' };
    plaintextBytes.inc(labels, e.plaintextBytes);
    storedBytes.inc(labels, e.storedBytes);
    if (e.compressedFrames > 0) compressedFrames.inc(e.compressedFrames);
  };
  objectStored.subscribe(onStored);
  return {
    registry,
    close: () => {
      requestEnd.unsubscribe(onEnd);
      objectStored.unsubscribe(onStored);
    },
  };
}
