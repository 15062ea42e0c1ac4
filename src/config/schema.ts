// The single description of every `jetvault serve` option. CLI flags, JETVAULT_* variables, config-file
// keys, validation and docs/config.md are all derived from OPTIONS, so they cannot drift apart.
// Schemas accept `unknown` because values arrive as strings (flags, env) or JSON values (config file).
// Their messages never contain the input: load.ts appends it, except for secrets.
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

/** How load.ts treats a string value: files must exist, dirs are made absolute, commands may be on PATH. */
export type PathKind = 'file' | 'dir' | 'command';

export interface OptionSpec {
  /** Placeholder shown after the flag in --help, e.g. `host:port`. */
  readonly arg: string;
  readonly schema: z.ZodType;
  /** Raw value fed through `schema` like any user input, so defaults are validated too. */
  readonly default?: string | number;
  readonly description: string;
  /** Type or allowed values, for docs/config.md. */
  readonly typeLabel: string;
  /** Secret values are never echoed in errors, help or docs. */
  readonly secret?: boolean;
  readonly path?: PathKind;
  /** Renders a rejected value for an error message (e.g. to hide URL credentials). */
  readonly show?: (raw: unknown) => string;
}

export interface OptionDescriptor extends OptionSpec {
  /** camelCase; also the config-file key and the commander attribute name. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
}

export const kebabCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (key: string): string => `JETVAULT_${kebabCase(key).replace(/-/g, '_').toUpperCase()}`;

function defineOptions<T extends Record<string, OptionSpec>>(
  specs: T,
): { readonly [K in keyof T]: T[K] & { readonly key: K; readonly flag: string; readonly env: string } } {
  const out: Record<string, OptionDescriptor> = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = Object.freeze({ ...spec, key, flag: `--${kebabCase(key)}`, env: envName(key) });
  }
  return Object.freeze(out) as never;
}

const text = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: `must be a non-empty ${what}` });

// Flags and env vars are strings; JSON numbers pass through untouched.
const numeric = (pattern: RegExp) => (v: unknown) =>
  typeof v === 'string' && pattern.test(v.trim()) ? Number(v.trim()) : v;

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

function parseListen(value: string): ListenAddress | string {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(value);
  let host: string;
  let port: string;
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2] ?? '';
    if (!isIPv6(host)) return 'the address in brackets must be an IPv6 address';
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return 'must be HOST:PORT, e.g. 127.0.0.1:9000';
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':')) return 'an IPv6 host must be written in brackets, e.g. [::1]:9000';
    if (host === '') return 'the host is missing (use 0.0.0.0 or [::] to listen on every interface)';
    // All-numeric dotted names are never hostnames: 300.1.1.1 is a mistyped IPv4, not a DNS name.
    if (/^[\d.]+$/.test(host) ? !isIPv4(host) : !HOSTNAME.test(host)) {
      return 'the host must be an IPv4 address, [IPv6] address or hostname';
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return 'the port must be an integer from 0 to 65535';
  return { host, port: Number(port) };
}

function parseNatsUrls(value: string): readonly string[] | string {
  const servers = value.split(',').map((s) => s.trim());
  for (const server of servers) {
    if (server === '')
      return 'must be a comma-separated list of nats:// or tls:// URLs, with no empty entries';
    if (!/^(nats|tls):\/\//i.test(server)) return 'each server must be a nats:// or tls:// URL';
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      return 'each server must be a valid nats:// or tls:// URL';
    }
    if (url.hostname === '') return 'each server URL needs a host';
  }
  return servers;
}

// Config files may give a list as a JSON array.
const joinList = (v: unknown) => (Array.isArray(v) ? v.join(',') : v);

const BUCKET_PATTERN = /^[a-z0-9.*-]{1,63}$/;

function parseBucketPatterns(value: string, ctx: z.RefinementCtx): readonly string[] {
  const list = value.split(',').map((s) => s.trim());
  for (const entry of list) {
    if (!BUCKET_PATTERN.test(entry)) {
      ctx.addIssue({
        code: 'custom',
        message: 'each entry must be a bucket name (a-z, 0-9, ".", "-"), "*" matching any characters',
      });
      return z.NEVER;
    }
  }
  return list;
}

function parseDomains(value: string, ctx: z.RefinementCtx): readonly string[] {
  const list = value.split(',').map((s) => s.trim().toLowerCase().replace(/\.$/, ''));
  for (const entry of list) {
    // A bucket lives in front of the name, so it must be a DNS name, not an address.
    if (!HOSTNAME.test(entry) || /^[\d.]+$/.test(entry)) {
      ctx.addIssue({
        code: 'custom',
        message: 'each entry must be a DNS host name such as s3.example.com (no port, no IP address)',
      });
      return z.NEVER;
    }
  }
  return [...new Set(list)];
}

// A nats:// URL may carry a user, password or token: never echo them.
const hideUserinfo = (raw: unknown): string => String(raw).replace(/\/\/[^/@,]*@/g, '//***@');

const FRAME_MIN = 65536;
// 512 KiB is the largest power of two whose frame plus headers fits NATS's default 1 MiB max_payload.
const FRAME_MAX = 524288;
const FRAME_ERROR = `must be a power of two between ${FRAME_MIN} and ${FRAME_MAX}`;
const TIMEOUT_ERROR = 'must be a number of seconds from 0 to 86400';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NATS_ONLY = 'Only used with --nats-url.';

export const OPTIONS = defineOptions({
  config: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description:
      'JSON config file; its keys are the camelCase option names, e.g. frameSize. Relative paths in it are resolved against its directory.',
  },
  listen: {
    arg: 'host:port',
    schema: text('HOST:PORT').transform((v, ctx) => {
      const parsed = parseListen(v);
      if (typeof parsed !== 'string') return parsed;
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }),
    default: '127.0.0.1:9000',
    typeLabel: '`host:port`; host is IPv4, `[IPv6]` or a hostname; port 0–65535',
    description: 'Address the S3 endpoint listens on. Port 0 picks a free port.',
  },
  dataDir: {
    arg: 'dir',
    schema: text('path'),
    path: 'dir',
    default: './data',
    typeLabel: 'path',
    description: 'Directory for local state, including the embedded nats-server storage.',
  },
  credentials: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description: 'File holding the S3 access keys clients sign requests with.',
  },
  region: {
    arg: 'region',
    schema: text('region name').regex(/^[a-z0-9][a-z0-9_-]*$/i, {
      error: 'must contain only letters, digits, "-" and "_"',
    }),
    default: 'us-east-1',
    typeLabel: 'string',
    description: 'Region clients sign SigV4 requests for.',
  },
  domain: {
    arg: 'names',
    schema: z.preprocess(joinList, text('domain list').transform(parseDomains)),
    typeLabel: 'comma-separated host names',
    description:
      'Serves virtual-hosted–style requests too: a Host of `<bucket>.<name>` (any port) addresses that bucket and the path is the key, e.g. `s3.example.com,localhost`. A Host equal to a name, or anything else (an IP address), is path style, which always works.',
  },
  httpEngine: {
    arg: 'engine',
    schema: z.enum(['uws', 'node'], { error: 'must be one of: uws, node' }),
    default: 'node',
    typeLabel: '`uws` | `node`',
    description:
      'HTTP engine. `node` (node:http) is the default: the pinned uWebSockets.js keeps reading an upload after pause(), so its memory per upload is not bounded (docs/adr/0002). `uws` is chosen explicitly; it falls back to `node` when it cannot load.',
  },
  frameSize: {
    arg: 'bytes',
    schema: z.preprocess(
      numeric(/^\d+$/),
      z
        .number({ error: FRAME_ERROR })
        .refine((n) => Number.isInteger(n) && n >= FRAME_MIN && n <= FRAME_MAX && (n & (n - 1)) === 0, {
          error: FRAME_ERROR,
        }),
    ),
    default: 262144,
    typeLabel: `integer bytes; power of two, ${FRAME_MIN}–${FRAME_MAX}`,
    description: 'Plaintext bytes per stored frame for new objects (existing objects keep theirs).',
  },
  logLevel: {
    arg: 'level',
    schema: z.enum(LOG_LEVELS, { error: `must be one of: ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    typeLabel: LOG_LEVELS.map((l) => `\`${l}\``).join(' | '),
    description: 'Minimum level of log lines written to stdout.',
  },
  shutdownTimeout: {
    arg: 'seconds',
    schema: z.preprocess(
      numeric(/^\d+(\.\d+)?$/),
      z.number({ error: TIMEOUT_ERROR }).refine((n) => n >= 0 && n <= 86400, { error: TIMEOUT_ERROR }),
    ),
    default: 30,
    typeLabel: 'seconds, 0–86400',
    description: 'On SIGTERM/SIGINT, how long in-flight requests may run before they are cut off.',
  },
  keyFile: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description:
      'Key-encryption key: a keyring JSON file (docs/keys.md) or a file of exactly 32 random bytes, mode 0600. Without it and without --passphrase-file, embedded mode creates data-dir/keyring.json (back it up).',
  },
  passphraseFile: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description:
      'Derive the key-encryption key from the passphrase in this file (scrypt, once at start-up; its salt is kept in data-dir/passphrase.salt). Alternative to --key-file.',
  },
  plaintextBuckets: {
    arg: 'buckets',
    schema: z.preprocess(joinList, text('bucket list').transform(parseBucketPatterns)),
    typeLabel: 'comma-separated bucket names; `*` matches any characters',
    description:
      'Buckets whose new objects are stored unencrypted, readable by stock NATS clients. Every other bucket is encrypted, and an object without an envelope there is refused.',
  },
  compressBuckets: {
    arg: 'buckets',
    schema: z.preprocess(joinList, text('bucket list').transform(parseBucketPatterns)),
    typeLabel: 'comma-separated bucket names; `*` matches any characters',
    description:
      'Encrypted buckets whose frames are zstd-compressed where that saves ≥ 3% (policy `auto`; the default is `off`, because compressed sizes leak information about the plaintext).',
  },
  publicReadBuckets: {
    arg: 'buckets',
    schema: z.preprocess(joinList, text('bucket list').transform(parseBucketPatterns)),
    typeLabel: 'comma-separated bucket names; `*` matches any characters',
    description:
      'Buckets whose objects anyone may read without signing (unsigned GET and HEAD of an object only; listing, writes and deletes stay signed). Off by default: every other unsigned request is refused with AccessDenied.',
  },
  corsFile: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description:
      'JSON file of S3 CORS rules for every bucket: `[{"AllowedOrigins": […], "AllowedMethods": […], "AllowedHeaders": […], "ExposeHeaders": […], "MaxAgeSeconds": n}]` (or `aws s3api get-bucket-cors` output). OPTIONS preflights are answered from it without a signature; responses to a matching Origin carry the CORS headers. Without it every preflight is refused.',
  },
  cryptoThreads: {
    arg: 'n',
    schema: z.preprocess(
      numeric(/^\d+$/),
      z.union([z.literal('auto'), z.number().int().min(1).max(64)], { error: 'must be auto or 1–64' }),
    ),
    default: 'auto',
    typeLabel: '`auto` | integer 1–64',
    description: 'Worker threads that encrypt and decrypt. `auto`: one less than the CPU count, at least 1.',
  },
  natsUrl: {
    arg: 'url',
    schema: text('URL').transform((v, ctx) => {
      const parsed = parseNatsUrls(v);
      if (typeof parsed !== 'string') return parsed;
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }),
    show: hideUserinfo,
    typeLabel: 'comma-separated `nats://` / `tls://` URLs',
    description: 'NATS server(s) to use. When absent, jetvault starts an embedded nats-server.',
  },
  natsServerBin: {
    arg: 'path',
    schema: text('path'),
    path: 'command',
    default: 'nats-server',
    typeLabel: 'command or path',
    description: 'nats-server binary for the embedded server; a bare name is looked up on PATH.',
  },
  natsCreds: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description: `NATS credentials (.creds) file. ${NATS_ONLY}`,
  },
  natsNkeySeed: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description: `File holding a NATS nkey seed. ${NATS_ONLY}`,
  },
  natsToken: {
    arg: 'token',
    schema: text('token'),
    secret: true,
    typeLabel: 'string (secret)',
    description: `NATS auth token; prefer the env var, flags are visible in ps. ${NATS_ONLY}`,
  },
  natsUser: {
    arg: 'user',
    schema: text('user name'),
    typeLabel: 'string',
    description: `NATS user; needs --nats-password. ${NATS_ONLY}`,
  },
  natsPassword: {
    arg: 'password',
    schema: text('password'),
    secret: true,
    typeLabel: 'string (secret)',
    description: `NATS password; needs --nats-user. Prefer the env var, flags are visible in ps. ${NATS_ONLY}`,
  },
  natsTlsCa: {
    arg: 'file',
    schema: text('path'),
    path: 'file',
    typeLabel: 'path',
    description: `CA certificate (PEM) to verify the NATS server's TLS certificate. ${NATS_ONLY}`,
  },
});

export type Options = typeof OPTIONS;
export type OptionKey = keyof Options;
export const OPTION_LIST: readonly OptionDescriptor[] = Object.values(OPTIONS);

/** Options that only make sense against an external NATS server. */
export const NATS_AUTH_KEYS = [
  'natsCreds',
  'natsNkeySeed',
  'natsToken',
  'natsUser',
  'natsPassword',
  'natsTlsCa',
] as const satisfies readonly OptionKey[];

type Value<K extends OptionKey> = z.output<Options[K]['schema']>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The validated configuration: frozen, with absolute paths and `listen` parsed. */
export type Config = Flatten<{
  readonly [K in OptionKey]: Options[K] extends { default: unknown } ? Value<K> : Value<K> | undefined;
}>;
