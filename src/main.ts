// Composition root: config → NATS (embedded or given) → backend → S3 handler → HTTP engine, plus
// signals and an orderly shutdown. The only file that names concrete classes.
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Config } from './config/schema.js';
import { packageVersion } from './config/package-root.js';
import { startHttpServer } from './http/server.js';
import type { HttpServer } from './http/server.js';
import { createS3Handler } from './s3/dispatch.js';
import { parseCorsConfiguration } from './s3/cors.js';
import type { CorsPolicy } from './s3/cors.js';
import { virtualHostBucket } from './s3/router.js';
import { createCredentialStore, loadCredentialsFile, loadOrGenerate } from './s3/sigv4/credentials.js';
import type { LoadedCredentialStore } from './s3/sigv4/credentials.js';
import { CredentialsReloader } from './s3/auth/reload.js';
import { bucketMatcher } from './config/bucket-patterns.js';
import { NatsBackend } from './storage/nats/backend.js';
import { bucketPolicy } from './storage/policy.js';
import { createCryptoPool, type CryptoPool } from './pool/pool.js';
import { DekCache } from './keys/dek-cache.js';
import { ObjectKeys } from './keys/envelope.js';
import { loadKek } from './keys/load.js';
import type { NatsBackendOptions } from './storage/nats/backend.js';
import { startEmbeddedNatsServer } from './storage/nats/embedded.js';
import { createLogger, subscribeAccessLog } from './observability/log.js';
import type { Logger } from './observability/log.js';
import { createMetrics } from './observability/metrics.js';
import { storedTotals } from './observability/channels.js';
import { withMonitoring } from './observability/endpoints.js';

type Embedded = Awaited<ReturnType<typeof startEmbeddedNatsServer>>;

export async function serve(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const started = Date.now();
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  let embedded: Embedded | undefined;
  let backend: NatsBackend | undefined;
  let pool: CryptoPool | undefined;
  let keys: ObjectKeys | undefined;
  let http: HttpServer | undefined;
  let reloader: CredentialsReloader | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string, code: number): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      reloader?.close();
      try {
        if (http) await drainHttp(http, config.shutdownTimeout * 1000, log);
        await backend?.close().catch((err: unknown) => log.warn({ err }, 'closing NATS failed'));
        await pool?.close().catch((err: unknown) => log.warn({ err }, 'closing the crypto pool failed'));
        keys?.clear();
      } finally {
        await embedded?.stop().catch((err: unknown) => log.warn({ err }, 'stopping nats-server failed'));
        process.exitCode = code;
        log.flush();
        // Timers of the NATS client or the engine must not keep a stopped gateway alive.
        setTimeout(() => process.exit(code), 200).unref();
      }
    })();
    return stopping;
  };
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  // Without a listener SIGHUP would end the process; with one it reloads the credentials file.
  process.on('SIGHUP', () => {
    if (reloader !== undefined) void reloader.reload('SIGHUP');
    else log.warn('SIGHUP before start-up finished: credentials not reloaded');
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void shutdown('uncaught exception', 1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    void shutdown('unhandled rejection', 1);
  });

  try {
    const creds = await credentialsFor(config);
    const cors = config.corsFile === undefined ? undefined : await loadCors(config.corsFile);
    const domains = config.domain ?? [];
    reloader = new CredentialsReloader({ file: creds.file, store: creds.store, log });
    await reloader.watch();
    const credentials = reloader;
    const policy = bucketPolicy({
      plaintextBuckets: config.plaintextBuckets ?? [],
      compressBuckets: config.compressBuckets ?? [],
    });
    const kek = await loadKek({
      keyFile: config.keyFile,
      passphraseFile: config.passphraseFile,
      dataDir: config.dataDir,
      embedded: config.natsUrl === undefined,
    });
    if (kek === undefined && !(config.plaintextBuckets ?? []).includes('*')) {
      throw new Error(
        '--key-file or --passphrase-file is required with --nats-url (or --plaintext-buckets "*" to store everything unencrypted)',
      );
    }
    const threads =
      config.cryptoThreads === 'auto' ? Math.max(1, availableParallelism() - 1) : config.cryptoThreads;
    if (kek !== undefined) {
      // The workers are needed only when something is encrypted.
      pool = createCryptoPool({ threads });
      keys = new ObjectKeys({ writer: kek.provider, cache: new DekCache() });
      if (kek.warning !== undefined) log.warn(kek.warning);
    }
    let servers: string[];
    if (config.natsUrl === undefined) {
      embedded = await startEmbeddedNatsServer({
        bin: config.natsServerBin,
        storeDir: path.join(config.dataDir, 'nats'),
        log: (line: string) => log.debug({ nats: line }, 'nats-server'),
      });
      servers = [embedded.url];
    } else {
      servers = [...config.natsUrl];
    }
    backend = await NatsBackend.connect({
      servers,
      ...(await natsAuth(config)),
      frameSize: config.frameSize,
      ...(keys !== undefined && pool !== undefined ? { crypto: { pool, keys, policy } } : {}),
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
    const nats = backend;
    const metrics = createMetrics({ natsConnected: () => nats.isConnected() });
    subscribeAccessLog(log);
    const stored = storedTotals();
    const s3 = createS3Handler({
      backend,
      credentials: () => credentials.store,
      region: config.region,
      ...(config.publicReadBuckets !== undefined
        ? { publicRead: bucketMatcher(config.publicReadBuckets) }
        : {}),
      domains,
      ...(cors !== undefined ? { cors } : {}),
    });
    const handler = withMonitoring(
      {
        metrics,
        ready: () => nats.ready(),
        stats: async () => ({
          version: packageVersion(),
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
          engine: http?.engine,
          nats: { embedded: embedded !== undefined, connected: nats.isConnected(), servers: servers.length },
          frameSize: config.frameSize,
          encryption: {
            kek: kek === undefined ? null : { source: kek.source, ...keys!.current },
            cryptoThreads: pool?.threads ?? 0,
            buckets: await bucketSettings(nats, policy, stored.totals),
          },
          inFlightRequests: http?.inFlight() ?? 0,
          memory: process.memoryUsage(),
        }),
        // `<bucket>.<domain>/metrics` names an object, never the monitoring endpoint.
        isS3: (req) => virtualHostBucket(req.headers['host'], domains) !== undefined,
      },
      s3,
    );
    http = await startHttpServer(
      config.httpEngine,
      { host: config.listen.host, port: config.listen.port, handler },
      (msg) => log.warn(msg),
    );
    if (stopping) return;
    printBanner(config, http, embedded, creds, kek?.source);
  } catch (err) {
    // A start-up failure is the user's to fix (a missing binary, a bad file, NATS unreachable): one line.
    process.stderr.write(`jetvault: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    log.debug({ err }, 'start-up failed');
    await shutdown('start-up failed', 1);
  }
}

/** Every bucket's storage policy, for /stats. */
async function bucketSettings(
  backend: NatsBackend,
  policy: (bucket: string) => { encrypt: boolean; compress: boolean },
  totals: ReturnType<typeof storedTotals>['totals'],
): Promise<Record<string, object>> {
  const out: Record<string, object> = {};
  for (const b of await backend.listBuckets()) {
    const p = policy(b.name);
    const t = totals.get(b.name);
    out[b.name] = {
      encrypted: p.encrypt,
      compression: p.compress ? 'auto' : 'off',
      // Since this process started: what its PUTs wrote, and what that cost or saved in NATS.
      ...(t ? { written: { ...t, savedBytes: t.plaintextBytes - t.storedBytes } } : {}),
    };
  }
  return out;
}

async function loadCors(file: string): Promise<CorsPolicy> {
  try {
    return parseCorsConfiguration(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`--cors-file ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

async function credentialsFor(config: Config): Promise<{
  store: LoadedCredentialStore;
  file: string;
  generated: { accessKey: string; secretKey: string } | undefined;
}> {
  if (config.credentials !== undefined) {
    const store = createCredentialStore(await loadCredentialsFile(config.credentials));
    return { store, file: config.credentials, generated: undefined };
  }
  if (config.natsUrl !== undefined) {
    throw new Error('--credentials (or JETVAULT_CREDENTIALS) is required with --nats-url');
  }
  const file = path.join(config.dataDir, 'credentials.json');
  const r = await loadOrGenerate(file);
  return { store: r.store, file, generated: r.generated ? r.credentials[0] : undefined };
}

async function natsAuth(config: Config): Promise<Partial<NatsBackendOptions>> {
  const read = (f: string) => readFile(f, 'utf8');
  return {
    ...(config.natsCreds !== undefined ? { credsFile: config.natsCreds } : {}),
    ...(config.natsNkeySeed !== undefined ? { nkeySeed: (await read(config.natsNkeySeed)).trim() } : {}),
    ...(config.natsToken !== undefined ? { token: config.natsToken } : {}),
    ...(config.natsUser !== undefined ? { user: config.natsUser, pass: config.natsPassword } : {}),
    ...(config.natsTlsCa !== undefined ? { tlsCaFile: config.natsTlsCa } : {}),
  };
}

/** Stops accepting, lets in-flight requests finish within the timeout, then closes what is left. */
async function drainHttp(http: HttpServer, timeoutMs: number, log: Logger): Promise<void> {
  http.stopListening();
  const deadline = Date.now() + timeoutMs;
  while (http.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (http.inFlight() > 0) log.warn({ inFlight: http.inFlight() }, 'shutdown timeout: closing connections');
  http.closeAll();
}

function printBanner(
  config: Config,
  http: HttpServer,
  embedded: Embedded | undefined,
  creds: Awaited<ReturnType<typeof credentialsFor>>,
  kekSource: string | undefined,
): void {
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const lines = [
    `jetvault ${packageVersion()} is ready`,
    `  endpoint:   http://${host}:${http.port}   (engine ${http.engine})`,
    embedded
      ? `  nats:       embedded nats-server at ${embedded.url}, store ${path.join(config.dataDir, 'nats')}`
      : `  nats:       ${config.natsUrl?.length ?? 0} server(s) given with --nats-url`,
    `  region:     ${config.region}`,
    kekSource === undefined
      ? '  encryption: off (every bucket is plaintext)'
      : `  encryption: on, KEK from ${kekSource}` +
        (config.plaintextBuckets ? `; plaintext buckets: ${config.plaintextBuckets.join(',')}` : ''),
  ];
  if (config.domain) {
    lines.push(`  domains:    ${config.domain.join(',')}   (virtual-hosted style: <bucket>.<domain>)`);
  }
  if (config.corsFile) lines.push(`  cors:       ${config.corsFile}`);
  if (config.publicReadBuckets) {
    lines.push(`  public-read: ${config.publicReadBuckets.join(',')}   (unsigned GET/HEAD of objects)`);
  }
  if (creds.generated) {
    lines.push(
      `  access key: ${creds.generated.accessKey}`,
      `  secret key: ${creds.generated.secretKey}`,
      `  (a new key pair, printed this once; it is kept in ${creds.file}, mode 0600)`,
    );
  } else {
    lines.push(`  credentials: ${creds.file}   (reloaded on change and on SIGHUP)`);
  }
  process.stderr.write(lines.join('\n') + '\n');
}
