// Chooses the HTTP engine: uWebSockets.js unless asked otherwise or its binary cannot load here
// (another libc, another Node ABI), then node:http with a one-line warning.
import type { EngineName, HttpServer, HttpServerOptions } from './engine.js';

export type { EngineName, HttpServer, HttpServerOptions } from './engine.js';

export async function startHttpServer(
  engine: EngineName,
  opts: HttpServerOptions,
  warn: (msg: string) => void,
): Promise<HttpServer> {
  if (engine === 'uws') {
    let uws: typeof import('./uws.js') | undefined;
    try {
      uws = await import('./uws.js');
    } catch (err) {
      warn(`uWebSockets.js cannot load here (${firstLine(err)}); using the node:http engine`);
    }
    if (uws) return uws.startUws(opts);
  }
  const { startNodeHttp } = await import('./node.js');
  return startNodeHttp(opts);
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
}
