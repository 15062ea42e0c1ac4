// Turns flags, JETVAULT_* variables and an optional JSON config file into a frozen Config.
// Precedence: flag > env > config file > default. Every problem is collected (not just the first) and
// names the option the way the user set it, so one run shows everything that needs fixing.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { NATS_AUTH_KEYS, OPTION_LIST, OPTIONS } from './schema.js';
import type { Config, OptionDescriptor, OptionKey } from './schema.js';
import { closest, deepFreeze, describeJsonError } from './util.js';

/** Values from the command line (only those the user typed) or any other caller; validated like env values. */
export type RawOptions = { readonly [K in OptionKey]?: unknown };

export interface LoadOptions {
  /** Base for relative paths given by flag, env var or default. Defaults to process.cwd(). */
  readonly cwd?: string;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

interface ConfigFile {
  /** As the user wrote it: that is how they will recognise it in a message. */
  readonly shownAs: string;
  readonly path: string;
  readonly dir: string;
  readonly values: Readonly<Record<string, unknown>>;
}

type Source = 'flag' | 'env' | 'file' | 'default';

class Labels {
  constructor(private readonly file: ConfigFile | undefined) {}

  /** The one name the user used, e.g. `JETVAULT_FRAME_SIZE` or `frameSize in ./jv.json`. */
  short(opt: OptionDescriptor, source: Source): string {
    if (source === 'env') return opt.env;
    if (source === 'file') return this.inFile(opt);
    return opt.flag;
  }

  /** The name used first, then the other ways to set the same option. */
  long(opt: OptionDescriptor, source: Source): string {
    const all = opt.key === 'config' ? [opt.flag, opt.env] : [opt.flag, opt.env, this.inFile(opt)];
    const first = this.short(opt, source);
    return `${first} (or ${all.filter((n) => n !== first).join(' / ')})`;
  }

  private inFile(opt: OptionDescriptor): string {
    return `${opt.key} in ${this.file?.shownAs ?? 'a config file'}`;
  }
}

export function loadConfig(flags: RawOptions, env: NodeJS.ProcessEnv, options: LoadOptions = {}): Config {
  const cwd = resolve(options.cwd ?? process.cwd());
  const problems: string[] = [];
  const file = readConfigFile(flags, env, cwd, problems);
  const labels = new Labels(file);
  const values: Record<string, unknown> = {};
  const sources = new Map<OptionKey, Source>();

  for (const opt of OPTION_LIST) {
    values[opt.key] = undefined;
    // readConfigFile has already validated and reported on the config option itself.
    if (opt.key === 'config') {
      values[opt.key] = file?.path;
      continue;
    }
    const picked = pick(opt, flags, env, file);
    if (!picked) continue;
    sources.set(opt.key as OptionKey, picked.source);
    const result = opt.schema.safeParse(picked.raw);
    if (!result.success) {
      const reasons = [...new Set(result.error.issues.map((i) => i.message))].join('; ');
      problems.push(`${labels.long(opt, picked.source)}: ${reasons}${shown(opt, picked.raw)}`);
      continue;
    }
    const base = picked.source === 'file' && file ? file.dir : cwd;
    values[opt.key] = opt.path
      ? checkPath(opt, base, result.data as string, (p) =>
          problems.push(`${labels.long(opt, picked.source)}: ${p}`),
        )
      : result.data;
  }

  problems.push(...natsProblems(sources, labels));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(values) as Config;
}

function pick(
  opt: OptionDescriptor,
  flags: RawOptions,
  env: NodeJS.ProcessEnv,
  file: ConfigFile | undefined,
): { source: Source; raw: unknown } | undefined {
  const flag = flags[opt.key as OptionKey];
  if (flag !== undefined) return { source: 'flag', raw: flag };
  // Empty variables count as unset: compose files and shells often export `VAR=` to mean "nothing".
  const fromEnv = env[opt.env];
  if (fromEnv !== undefined && fromEnv !== '') return { source: 'env', raw: fromEnv };
  if (file && Object.hasOwn(file.values, opt.key)) return { source: 'file', raw: file.values[opt.key] };
  if (opt.default !== undefined) return { source: 'default', raw: opt.default };
  return undefined;
}

function shown(opt: OptionDescriptor, raw: unknown): string {
  if (opt.secret) return '';
  let text: string;
  if (opt.show) text = opt.show(raw);
  else if (typeof raw === 'string' && raw !== '' && !/\s/.test(raw)) text = raw;
  else text = JSON.stringify(raw) ?? String(raw);
  return `, got ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

function checkPath(opt: OptionDescriptor, base: string, value: string, fail: (p: string) => void): string {
  if (opt.path === 'command' && !value.includes('/') && !value.includes(sep)) return value;
  const abs = resolve(base, value);
  if (opt.path === 'file') {
    const problem = fileProblem(abs);
    if (problem) fail(problem);
  } else if (opt.path === 'dir') {
    const stat = statSync(abs, { throwIfNoEntry: false });
    // A missing directory is fine: the server creates it.
    if (stat && !stat.isDirectory()) fail(`${abs} exists and is not a directory`);
  }
  return abs;
}

function fileProblem(abs: string): string | undefined {
  const stat = statSync(abs, { throwIfNoEntry: false });
  if (!stat) return `no such file: ${abs}`;
  if (!stat.isFile()) return `not a regular file: ${abs}`;
  try {
    accessSync(abs, constants.R_OK);
  } catch {
    return `not readable: ${abs}`;
  }
  return undefined;
}

function readConfigFile(
  flags: RawOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
  problems: string[],
): ConfigFile | undefined {
  const opt = OPTIONS.config;
  const picked = pick(opt, flags, env, undefined);
  if (!picked) return undefined;
  const labels = new Labels(undefined);
  const fail = (p: string): undefined => void problems.push(`${labels.long(opt, picked.source)}: ${p}`);
  const parsed = opt.schema.safeParse(picked.raw);
  if (!parsed.success) return fail(`must be a non-empty path${shown(opt, picked.raw)}`);
  const shownAs = parsed.data;
  const abs = resolve(cwd, shownAs);
  const problem = fileProblem(abs);
  if (problem) return fail(problem);

  let json: unknown;
  try {
    const text = readFileSync(abs, 'utf8');
    try {
      json = JSON.parse(text);
    } catch (err) {
      return fail(`${shownAs} is not valid JSON: ${describeJsonError(err, text)}`);
    }
  } catch (err) {
    return fail(`cannot read ${abs}: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(
      `${shownAs} must hold a JSON object whose keys are option names, e.g. {"listen": "0.0.0.0:9000"}`,
    );
  }

  const values = json as Record<string, unknown>;
  const known = OPTION_LIST.map((o) => o.key).filter((k) => k !== 'config');
  for (const key of Object.keys(values)) {
    if (key === 'config') {
      problems.push(`config in ${shownAs}: a config file cannot name another config file`);
    } else if (!known.includes(key)) {
      const hint = closest(key, known);
      problems.push(`unknown key "${key}" in ${shownAs}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }
  return { shownAs, path: abs, dir: dirname(abs), values };
}

function natsProblems(sources: ReadonlyMap<OptionKey, Source>, labels: Labels): string[] {
  const name = (key: OptionKey): string => labels.short(OPTIONS[key], sources.get(key) ?? 'flag');
  const given = (key: OptionKey): boolean => sources.has(key);
  const problems: string[] = [];

  if (!given('natsUrl')) {
    for (const key of NATS_AUTH_KEYS.filter(given)) {
      problems.push(
        `${name(key)}: only meaningful with --nats-url (or JETVAULT_NATS_URL / natsUrl in a config file); ` +
          'the embedded nats-server needs no auth or TLS settings',
      );
    }
    return problems;
  }

  const methods: OptionKey[][] = [
    ['natsCreds'],
    ['natsNkeySeed'],
    ['natsToken'],
    ['natsUser', 'natsPassword'],
  ];
  const used = methods.map((keys) => keys.filter(given)).filter((keys) => keys.length > 0);
  if (used.length > 1) {
    problems.push(
      `conflicting NATS auth: ${used.map((keys) => keys.map(name).join(' + ')).join(' and ')}; ` +
        'use only one of --nats-creds, --nats-nkey-seed, --nats-token or --nats-user with --nats-password',
    );
  }
  const pairs: [OptionKey, OptionKey][] = [
    ['natsUser', 'natsPassword'],
    ['natsPassword', 'natsUser'],
  ];
  for (const [have, need] of pairs) {
    if (given(have) && !given(need)) {
      problems.push(`${name(have)}: needs ${labels.long(OPTIONS[need], 'flag')}`);
    }
  }
  return problems;
}
