// Logging with pino; the access log subscribes to the request-end channel.
import { pino } from 'pino';
import type { Logger } from 'pino';
import { requestEnd } from './channels.js';
import type { RequestEndEvent } from './channels.js';

export type { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'jetvault' } });
}

/** Access log at debug; internal errors and cut-off responses at error. Returns an unsubscribe. */
export function subscribeAccessLog(log: Logger): () => void {
  const onEnd = (message: unknown): void => {
    const e = message as RequestEndEvent;
    const fields = {
      requestId: e.requestId,
      operation: e.operation,
      bucket: e.bucket,
      method: e.method,
      status: e.status,
      errorCode: e.errorCode,
      ms: Math.round(e.durationSeconds * 1000),
      bytesIn: e.bytesIn,
      bytesOut: e.bytesOut,
    };
    if (e.internalError !== undefined) log.error({ ...fields, err: e.internalError }, 'request failed');
    else if (e.streamError)
      log.error({ ...fields, err: e.streamError }, 'response body failed; connection closed');
    else log.debug(fields, 'request');
  };
  requestEnd.subscribe(onEnd);
  return () => requestEnd.unsubscribe(onEnd);
}
