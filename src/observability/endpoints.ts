// /healthz, /readyz, /metrics and /stats. They answer unsigned GET/HEAD requests on exactly those paths;
// a signed request for the same path is S3's (a bucket may well be named "metrics"), so neither side
// ever shadows the other.
import type { RequestHandler, S3Request, S3Response } from '../s3/request.js';
import type { Metrics } from './metrics.js';

export interface MonitoringDeps {
  metrics: Metrics;
  /** NATS connected and JetStream answering. */
  ready: () => Promise<boolean>;
  stats: () => Promise<Record<string, unknown>>;
  /** Requests that are S3's whatever their path, such as virtual-hosted ones (`<bucket>.<domain>`). */
  isS3?: (req: S3Request) => boolean;
}

const PATHS = new Set(['/healthz', '/readyz', '/metrics', '/stats']);

export function isMonitoringRequest(req: S3Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (!PATHS.has(req.rawPath)) return false;
  if (req.headers['authorization'] !== undefined) return false;
  return !/(^|&)X-Amz-(Signature|Credential)=/i.test(req.rawQuery);
}

export function withMonitoring(deps: MonitoringDeps, s3: RequestHandler): RequestHandler {
  return async (req) =>
    isMonitoringRequest(req) && !(deps.isS3?.(req) ?? false) ? monitor(deps, req) : s3(req);
}

async function monitor(deps: MonitoringDeps, req: S3Request): Promise<S3Response> {
  const text = (status: number, body: string): S3Response => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body,
  });
  switch (req.rawPath) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/readyz': {
      const ok = await deps.ready().catch(() => false);
      return ok ? text(200, 'ready\n') : text(503, 'not ready: NATS JetStream is not answering\n');
    }
    case '/metrics':
      return {
        status: 200,
        headers: { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' },
        body: await deps.metrics.registry.metrics(),
      };
    default:
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify(await deps.stats(), null, 2) + '\n',
      };
  }
}
