import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../../../src/cli.js';
import type { CliDeps } from '../../../src/cli.js';
import { packageRoot } from '../../../src/config/package-root.js';
import { OPTION_LIST } from '../../../src/config/schema.js';
import type { Config } from '../../../src/config/schema.js';
import { scratch } from './helpers.js';

const { dir: cwd, write } = scratch();

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const served: Config[] = [];
  const deps: CliDeps = {
    serve: async (config) => void served.push(config),
    env,
    cwd,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  const code = await runCli(['node', 'jetvault', ...args], deps);
  return { code, stdout, stderr, served };
}

describe('runCli', () => {
  it('serve --help lists every flag and env var', async () => {
    const { code, stdout, served } = await run(['serve', '--help']);
    assert.equal(code, 0);
    assert.equal(served.length, 0);
    for (const opt of OPTION_LIST) {
      assert.ok(stdout.includes(`${opt.flag} <${opt.arg}>`), opt.flag);
      assert.ok(stdout.replace(/\s+/g, ' ').includes(`env: ${opt.env}`), opt.env);
    }
    // commander wraps descriptions to the width left by the longest flag.
    assert.match(stdout.replace(/\s+/g, ' '), /default: "127\.0\.0\.1:9000"/);
  });

  it('passes the loaded config to serve, applying flag > env > file > default', async () => {
    const file = write(
      'cli.json',
      JSON.stringify({ region: 'from-file', logLevel: 'warn', listen: '0.0.0.0:1' }),
    );
    const env = { JETVAULT_CONFIG: file, JETVAULT_LOG_LEVEL: 'debug', JETVAULT_LISTEN: '0.0.0.0:2' };
    const { code, served, stderr } = await run(['serve', '--listen', '[::1]:3', '--frame-size=131072'], env);
    assert.equal(code, 0, stderr);
    const [config] = served;
    assert.ok(config);
    assert.deepEqual(config.listen, { host: '::1', port: 3 });
    assert.equal(config.frameSize, 131072);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.region, 'from-file');
    assert.equal(config.httpEngine, 'node');
    assert.equal(config.dataDir, join(cwd, 'data'));
  });

  it('key generate creates a 0600 keyring, key rotate adds a version; neither prints key bytes', async () => {
    const file = join(cwd, 'cli-keyring.json');
    const gen = await run(['key', 'generate', file]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(gen.stdout, /Back it up/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = await run(['key', 'generate', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^jetvault: exists/);
    const rot = await run(['key', 'rotate', file]);
    assert.equal(rot.code, 0, rot.stderr);
    assert.match(rot.stdout, /version 2 is now current/);
    const ring = JSON.parse(readFileSync(file, 'utf8')) as { current: number; keys: Record<string, string> };
    assert.equal(ring.current, 2);
    for (const k of Object.values(ring.keys)) assert.ok(!(gen.stdout + rot.stdout).includes(k));
  });

  it('prints config errors as jetvault: lines and exits 2', async () => {
    const { code, stderr, served } = await run(['serve', '--frame-size', '1000', '--nats-token', 'hunter2']);
    assert.equal(code, 2);
    assert.equal(served.length, 0);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, stderr);
    for (const line of lines) assert.match(line, /^jetvault: /);
    assert.ok(!stderr.includes('hunter2'));
    assert.ok(!stderr.includes('    at '), 'no stack trace');
  });

  it('exits 2 on unknown options', async () => {
    const { code, stderr } = await run(['serve', '--frame-sise', '65536']);
    assert.equal(code, 2);
    assert.match(stderr, /^jetvault: unknown option '--frame-sise'/);
  });

  it('lets errors from serve itself propagate', async () => {
    const deps: CliDeps = { serve: () => Promise.reject(new Error('boom')), env: {}, cwd, stderr: () => {} };
    await assert.rejects(runCli(['node', 'jetvault', 'serve'], deps), /boom/);
  });
});

describe('bin/jetvault.js', () => {
  const exec = promisify(execFile);
  const bin = join(packageRoot(), 'bin', 'jetvault.js');

  it('prints help and the version from package.json', async () => {
    const help = await exec(process.execPath, [bin, 'serve', '--help']);
    for (const opt of OPTION_LIST) assert.ok(help.stdout.includes(opt.flag), opt.flag);
    const version = await exec(process.execPath, [bin, '--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a one-line message and no stack trace on a bad option value', async () => {
    const result = await exec(process.execPath, [bin, 'serve', '--http-engine', 'nginx'], { cwd }).then(
      () => assert.fail('expected a non-zero exit'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^jetvault: --http-engine \(or JETVAULT_HTTP_ENGINE .*got nginx\n$/);
  });
});
