// NatsBackend.connect with each kind of credentials the gateway accepts, against servers that demand them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { NatsBackend, type NatsBackendOptions } from '../../src/storage/nats/backend.js';
import { startTestNatsServer } from '../helpers/nats-server.js';

async function connects(opts: NatsBackendOptions): Promise<void> {
  const be = await NatsBackend.connect({ ...opts, log: () => {} });
  try {
    assert.equal(await be.ready(), true);
    assert.equal(be.isConnected(), true);
  } finally {
    await be.close();
  }
  assert.equal(be.isConnected(), false);
}

/** Rejected with an authorization error rather than left reconnecting forever. */
async function refused(opts: NatsBackendOptions): Promise<void> {
  await assert.rejects(NatsBackend.connect(opts), /authoriz/i);
}

test('token auth', async () => {
  const s = await startTestNatsServer({ extraArgs: ['--auth', 's3cr3t-token'] });
  try {
    await connects({ servers: s.url, token: 's3cr3t-token' });
    await refused({ servers: s.url, token: 'wrong' });
  } finally {
    await s.stop();
  }
});

test('user and password', async () => {
  const s = await startTestNatsServer({ extraArgs: ['--user', 'jv', '--pass', 'pw-123'] });
  try {
    await connects({ servers: s.url, user: 'jv', pass: 'pw-123' });
    await refused({ servers: s.url, user: 'jv', pass: 'nope' });
  } finally {
    await s.stop();
  }
});

test('nkey seed', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jetvault-nkey-'));
  const user = nkeys.createUser();
  const conf = path.join(dir, 'nats.conf');
  await writeFile(conf, `authorization { users = [ { nkey: ${user.getPublicKey()} } ] }\n`);
  const s = await startTestNatsServer({ extraArgs: ['-c', conf] });
  try {
    await connects({ servers: s.url, nkeySeed: new TextDecoder().decode(user.getSeed()) });
    const other = nkeys.createUser();
    await refused({ servers: s.url, nkeySeed: new TextDecoder().decode(other.getSeed()) });
  } finally {
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a frame size that is not a power of two or does not fit max_payload is refused', async () => {
  const s = await startTestNatsServer();
  try {
    await assert.rejects(NatsBackend.connect({ servers: s.url, frameSize: 300_000 }), /frameSize/);
    await assert.rejects(NatsBackend.connect({ servers: s.url, frameSize: 1_048_576 }), /max_payload/);
    await assert.rejects(NatsBackend.connect({ servers: s.url, frameSize: 32_768 }), /frameSize/);
    await connects({ servers: s.url, frameSize: 524_288 });
  } finally {
    await s.stop();
  }
});
