// The `jetvault` command line. Commander only collects what the user typed: precedence, coercion and
// validation belong to src/config, because the config file sits between env vars and defaults and
// commander cannot express that.
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from './config/load.js';
import type { RawOptions } from './config/load.js';
import { packageVersion } from './config/package-root.js';
import { OPTION_LIST } from './config/schema.js';
import type { Config } from './config/schema.js';
import { generateKeyring, rotateKeyring } from './keys/local.js';
import { KeyError } from './keys/provider.js';

export interface CliDeps {
  /** Runs the gateway until shutdown. Injected so this module stays light and testable. */
  readonly serve: (config: Config) => Promise<void>;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** Usage and configuration errors: the conventional exit status for "you called me wrong". */
export const EXIT_USAGE = 2;

/** Parses `argv` (as in process.argv: node, script, args...) and resolves to the process exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  const program = buildProgram(deps, stderr);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Help and --version also arrive here, with exit code 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    if (err instanceof ConfigError) {
      for (const problem of err.problems) stderr(`jetvault: ${problem}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof KeyError) {
      stderr(`jetvault: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function buildProgram(deps: CliDeps, stderr: (text: string) => void): Command {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  // Set before adding commands: subcommands inherit output and exit handling from here.
  const program = new Command('jetvault')
    .description('S3 gateway for NATS JetStream Object Store')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: stdout,
      writeErr: stderr,
      outputError: (text, write) => write(text.replace(/^error: /, 'jetvault: ')),
    });

  const serve = program
    .command('serve')
    .description('Run the S3 gateway. Options: flag > JETVAULT_* env var > config file > default.');
  for (const opt of OPTION_LIST) {
    // .env() only documents the variable in --help; loadConfig reads the env itself.
    const option = new Option(`${opt.flag} <${opt.arg}>`, opt.description).env(opt.env);
    if (opt.default !== undefined && !opt.secret) option.default(opt.default);
    serve.addOption(option);
  }
  serve.action(async (_options: unknown, command: Command) => {
    const flags: Record<string, unknown> = {};
    for (const opt of OPTION_LIST) {
      if (command.getOptionValueSource(opt.key) === 'cli') flags[opt.key] = command.getOptionValue(opt.key);
    }
    const config = loadConfig(flags as RawOptions, deps.env ?? process.env, {
      cwd: deps.cwd ?? process.cwd(),
    });
    await deps.serve(config);
  });

  // Key files (docs/keys.md). Neither command prints key bytes.
  const key = program.command('key').description('Create or rotate a local key-encryption key file');
  key
    .command('generate <file>')
    .description('Create a keyring file with one random KEK (mode 0600); never overwrites a file')
    .action(async (file: string) => {
      stdout(`${await generateKeyring(file)}\n`);
    });
  key
    .command('rotate <file>')
    .description(
      'Add a random KEK as the new current version; older versions stay so existing objects still open. Restart the gateways afterwards.',
    )
    .action(async (file: string) => {
      const version = await rotateKeyring(file);
      stdout(
        `${file}: version ${version} is now current. Restart every gateway using it, then back it up.\n`,
      );
    });
  return program;
}
