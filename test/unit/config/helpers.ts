// Shared fixtures: a scratch directory per test file, so relative paths and config files are real.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import type { LoadOptions, RawOptions } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';

export function scratch(): { dir: string; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'jetvault-config-'));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
  };
}

/** The problems loadConfig reports, or fails the test if it accepts the input. */
export function problemsOf(
  flags: RawOptions,
  env: NodeJS.ProcessEnv = {},
  options: LoadOptions = {},
): string[] {
  let config: Config;
  try {
    config = loadConfig(flags, env, options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error(`expected a ConfigError, got ${JSON.stringify(config)}`);
}
