// The embedded nats-server launcher: start/stop, a stale server from a crashed run is stopped, clear errors,
// and the server dies with a SIGKILLed gateway (setpriv --pdeathsig).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { PID_FILE, startEmbeddedNatsServer } from '../../src/storage/nats/embedded.js';

const BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

/** Alive and not a zombie (a container's init may never reap what the kernel killed). */
function alive(pid: number): boolean {
  try {
    return !/\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-embedded-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('starts with JetStream on 127.0.0.1, keeps a pid file, stops cleanly', () =>
  withDir(async (dir) => {
    const lines: string[] = [];
    const s = await startEmbeddedNatsServer({ bin: BIN, storeDir: dir, log: (l) => lines.push(l) });
    assert.match(s.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(Number((await readFile(path.join(dir, PID_FILE), 'utf8')).trim()), s.pid);
    assert.ok(lines.some((l) => l.includes('Server is ready')));
    const nc = await connect({ servers: s.url });
    await (await jetstreamManager(nc)).getAccountInfo();
    await nc.close();
    await s.stop();
    await s.stop();
    assert.equal(alive(s.pid), false);
    assert.equal(existsSync(path.join(dir, PID_FILE)), false);
    assert.ok(
      lines.some((l) => l.includes('Server Exiting')),
      'graceful shutdown on SIGTERM',
    );
  }));

test('a stale server left by a crashed run is stopped at the next start; strangers are not', () =>
  withDir(async (dir) => {
    const stale = spawn(BIN, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', '-1'], { stdio: 'ignore' });
    await until('stale server up', () => existsSync(path.join(dir, 'jetstream')));
    await writeFile(path.join(dir, PID_FILE), `${stale.pid}\n`);
    const s = await startEmbeddedNatsServer({ bin: BIN, storeDir: dir });
    try {
      assert.equal(alive(stale.pid!), false);
      assert.notEqual(s.pid, stale.pid);
    } finally {
      await s.stop();
    }
    // A pid file naming some other live process (pid reuse) must not get it killed.
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    await writeFile(path.join(dir, PID_FILE), `${stranger.pid}\n`);
    const s2 = await startEmbeddedNatsServer({ bin: BIN, storeDir: dir });
    await s2.stop();
    assert.equal(alive(stranger.pid!), true);
    stranger.kill();
  }));

test('a missing binary fails with a message naming --nats-server-bin', () =>
  withDir(async (dir) => {
    await assert.rejects(
      startEmbeddedNatsServer({ bin: path.join(dir, 'no-such-nats-server'), storeDir: dir }),
      /not found.*--nats-server-bin/,
    );
    await assert.rejects(
      startEmbeddedNatsServer({ bin: 'no-such-nats-server-xyz', storeDir: dir }),
      /--nats-server-bin/,
    );
  }));

test('a server that dies at start-up fails with the tail of its output', () =>
  withDir(async (dir) => {
    const fake = path.join(dir, 'fake-nats-server');
    await writeFile(fake, '#!/bin/sh\necho "line one"\necho "nats: bad configuration" >&2\nexit 3\n');
    await chmod(fake, 0o755);
    await assert.rejects(
      startEmbeddedNatsServer({ bin: fake, storeDir: path.join(dir, 'store') }),
      (e: Error) => {
        assert.match(e.message, /exited \(code 3\)/);
        assert.match(e.message, /nats: bad configuration/);
        return true;
      },
    );
    assert.equal(existsSync(path.join(dir, 'store', PID_FILE)), false);
  }));

test(
  'the server dies with a SIGKILLed gateway process',
  { skip: !existsSync('/usr/bin/setpriv') && 'no setpriv' },
  () =>
    withDir(async (dir) => {
      const mod = pathToFileURL(path.resolve('dist/src/storage/nats/embedded.js')).href;
      const script = `
      const { startEmbeddedNatsServer } = await import(${JSON.stringify(mod)});
      const s = await startEmbeddedNatsServer({ bin: ${JSON.stringify(BIN)}, storeDir: ${JSON.stringify(dir)} });
      console.log('PID ' + s.pid);
      setInterval(() => {}, 1000);`;
      const gw = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      gw.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await until('child started nats-server', () => /PID \d+/.test(out));
      const pid = Number(/PID (\d+)/.exec(out)![1]);
      assert.equal(alive(pid), true);
      gw.kill('SIGKILL');
      await until('nats-server gone', () => !alive(pid), 5000);
    }),
);
