// Chooses the HTTP engine: uWebSockets.js unless asked otherwise or its binary cannot load here
// (another libc, another Node ABI), then node:http with a one-line warning.
import type { EngineName, HttpServer, HttpServerOptions } from './engine.js';

export type { EngineName, HttpServer, HttpServerOptions } from './engine.js';

type UwsModule = typeof import('./uws.js');

export async function startHttpServer(
  engine: EngineName,
  opts: HttpServerOptions,
  warn: (msg: string) => void,
  loadUws: () => Promise<UwsModule> = () => import('./uws.js'),
): Promise<HttpServer> {
  if (engine === 'uws') {
    let uws: UwsModule | undefined;
    try {
      uws = await loadUws();
    } catch (err) {
      warn(`uWebSockets.js cannot load here (${lastLine(err)}); using the node:http engine`);
    }
    if (uws) return uws.startUws(opts);
  }
  const { startNodeHttp } = await import('./node.js');
  return startNodeHttp(opts);
}

/** uWS's loader error starts with a generic sentence; the cause (dlopen, ABI) is on the last line. */
function lastLine(err: unknown): string {
  const lines = String(err instanceof Error ? err.message : err)
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.at(-1) ?? '';
}
