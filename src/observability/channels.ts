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
