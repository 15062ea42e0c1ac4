#!/usr/bin/env node
// Runs the compiled CLI (build first: npm run build). main.js is imported only when `serve` runs,
// so --help and config errors stay fast and need nothing beyond the CLI itself.
import { runCli } from '../dist/src/cli.js';

const code = await runCli(process.argv, {
  serve: async (config) => (await import('../dist/src/main.js')).serve(config),
});
// serve() sets a non-zero exit code itself when it failed to start or stopped on an error.
process.exitCode = process.exitCode || code;
