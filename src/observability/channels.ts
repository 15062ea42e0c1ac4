// Named diagnostics channels (DESIGN §6.12): the S3 layer publishes, metrics and logs subscribe.
import diagnostics from 'node:diagnostics_channel';

export interface RequestEndEvent {
  requestId: string;
  /** S3 operation name, or 'unknown' when the request never routed. */
  operation: string;
  bucket: string | undefined;
  method: string;
  status: number;
  errorCode: string | undefined;
  /** Seconds from the request's arrival to the end of its response body. */
  durationSeconds: number;
  bytesIn: number;
  bytesOut: number;
  /** Set when the response body failed after the status line was sent (the connection was closed). */
  streamError: Error | undefined;
  /** Set for errors that are jetvault's fault (500s), for the log. */
  internalError: unknown;
}

export const requestEnd = diagnostics.channel('jetvault:s3:request-end');

export function publishRequestEnd(event: RequestEndEvent): void {
  if (requestEnd.hasSubscribers) requestEnd.publish(event);
}

/** One object stored by the backend: how many plaintext bytes became how many stored bytes. */
export interface ObjectStoredEvent {
  bucket: string;
  encrypted: boolean;
  compress: boolean;
  plaintextBytes: number;
  /** Bytes of the stored frames (frame headers and tags included when encrypted). */
  storedBytes: number;
  frames: number;
  /** Frames kept zstd-compressed. */
  compressedFrames: number;
}

export const objectStored = diagnostics.channel('jetvault:storage:object-stored');

export function publishStored(event: ObjectStoredEvent): void {
  if (objectStored.hasSubscribers) objectStored.publish(event);
}

/** Per-bucket totals of objectStored events since start-up, for /stats. */
export function storedTotals(): {
  totals: Map<string, { objects: number; plaintextBytes: number; storedBytes: number }>;
  close(): void;
} {
  const totals = new Map<string, { objects: number; plaintextBytes: number; storedBytes: number }>();
  const on = (message: unknown): void => {
    const e = message as ObjectStoredEvent;
    const t = totals.get(e.bucket) ?? { objects: 0, plaintextBytes: 0, storedBytes: 0 };
    t.objects++;
    t.plaintextBytes += e.plaintextBytes;
    t.storedBytes += e.storedBytes;
    totals.set(e.bucket, t);
  };
  objectStored.subscribe(on);
  return { totals, close: () => objectStored.unsubscribe(on) };
}
