#!/usr/bin/env node
// Runs the compiled CLI (build first: npm run build). main.js is imported only when `serve` runs,
// so --help and config errors stay fast and need nothing beyond the CLI itself.
import { runCli } from '../dist/src/cli.js';

process.exitCode = await runCli(process.argv, {
  serve: async (config) => (await import('../dist/src/main.js')).serve(config),
});
