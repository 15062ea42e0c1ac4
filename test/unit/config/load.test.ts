import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { OPTION_LIST } from '../../../src/config/schema.js';
import { scratch } from './helpers.js';

const { dir, write } = scratch();
const cwd = dir;
const creds = write('nats.creds', '-----BEGIN NATS USER JWT-----\n');
const seed = write('seed.nk', 'SUAM...\n');

describe('loadConfig defaults', () => {
  it('fills every default and leaves optional options undefined', () => {
    const config = loadConfig({}, {}, { cwd });
    assert.deepEqual(config, {
      config: undefined,
      listen: { host: '127.0.0.1', port: 9000 },
      dataDir: join(dir, 'data'),
      credentials: undefined,
      region: 'us-east-1',
      domain: undefined,
      httpEngine: 'node',
      frameSize: 262144,
      logLevel: 'info',
      shutdownTimeout: 30,
      keyFile: undefined,
      passphraseFile: undefined,
      plaintextBuckets: undefined,
      compressBuckets: undefined,
      publicReadBuckets: undefined,
      corsFile: undefined,
      cryptoThreads: 'auto',
      natsUrl: undefined,
      natsServerBin: 'nats-server',
      natsCreds: undefined,
      natsNkeySeed: undefined,
      natsToken: undefined,
      natsUser: undefined,
      natsPassword: undefined,
      natsTlsCa: undefined,
    });
  });

  it('parses bucket lists (string or JSON array) and crypto threads', () => {
    const c = loadConfig({ plaintextBuckets: 'a, logs-*', cryptoThreads: '3' }, {}, { cwd });
    assert.deepEqual(c.plaintextBuckets, ['a', 'logs-*']);
    assert.equal(c.cryptoThreads, 3);
    const file = write('lists.json', JSON.stringify({ compressBuckets: ['x', 'y.*'] }));
    assert.deepEqual(loadConfig({ config: file }, {}, { cwd }).compressBuckets, ['x', 'y.*']);
    assert.throws(() => loadConfig({ plaintextBuckets: 'Bad_Name' }, {}, { cwd }), ConfigError);
    assert.deepEqual(loadConfig({ publicReadBuckets: 'www, pub-*' }, {}, { cwd }).publicReadBuckets, [
      'www',
      'pub-*',
    ]);
    assert.throws(() => loadConfig({ publicReadBuckets: 'a,,b' }, {}, { cwd }), ConfigError);
    assert.throws(() => loadConfig({ cryptoThreads: '0' }, {}, { cwd }), ConfigError);
  });

  it('parses domains: lower-case, without a trailing dot, no duplicates; names only', () => {
    assert.deepEqual(
      loadConfig({ domain: 'S3.Example.com, localhost,s3.example.com.' }, {}, { cwd }).domain,
      ['s3.example.com', 'localhost'],
    );
    const file = write('domains.json', JSON.stringify({ domain: ['s3.local', 'localhost'] }));
    assert.deepEqual(loadConfig({ config: file }, {}, { cwd }).domain, ['s3.local', 'localhost']);
    assert.deepEqual(loadConfig({}, { JETVAULT_DOMAIN: 's3.local' }, { cwd }).domain, ['s3.local']);
    for (const bad of ['127.0.0.1', 's3.local:9000', 'a,,b', 'http://s3.local', '*.s3.local']) {
      assert.throws(() => loadConfig({ domain: bad }, {}, { cwd }), /--domain .*DNS host name/);
    }
  });

  it('takes a CORS file path that must exist', () => {
    const cors = write('cors.json', '[]');
    assert.equal(loadConfig({ corsFile: cors }, {}, { cwd }).corsFile, cors);
    assert.throws(() => loadConfig({ corsFile: join(dir, 'missing.json') }, {}, { cwd }), /--cors-file/);
  });

  it('derives every flag and env var from the key', () => {
    for (const opt of OPTION_LIST) {
      assert.match(opt.flag, /^--[a-z]+(-[a-z]+)*$/);
      assert.match(opt.env, /^JETVAULT_[A-Z]+(_[A-Z]+)*$/);
    }
    const frame = OPTION_LIST.find((o) => o.key === 'frameSize');
    assert.equal(frame?.flag, '--frame-size');
    assert.equal(frame?.env, 'JETVAULT_FRAME_SIZE');
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ natsUrl: 'nats://a:4222,nats://b:4222' }, {}, { cwd });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.listen));
    assert.ok(Object.isFrozen(config.natsUrl));
    assert.throws(() => {
      (config as { frameSize: number }).frameSize = 1;
    }, TypeError);
    assert.throws(() => {
      (config.listen as { port: number }).port = 1;
    }, TypeError);
  });
});

describe('loadConfig precedence: flag > env > file > default', () => {
  const file = write(
    'conf/jv.json',
    JSON.stringify({ listen: '0.0.0.0:7000', frameSize: 131072, region: 'file-region', logLevel: 'warn' }),
  );
  const env = { JETVAULT_CONFIG: file, JETVAULT_FRAME_SIZE: '65536', JETVAULT_LOG_LEVEL: 'debug' };

  it('takes the flag over everything', () => {
    const config = loadConfig({ frameSize: '524288', logLevel: 'error' }, env, { cwd });
    assert.equal(config.frameSize, 524288);
    assert.equal(config.logLevel, 'error');
  });

  it('takes env over the file, and the file over defaults', () => {
    const config = loadConfig({}, env, { cwd });
    assert.equal(config.frameSize, 65536);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.region, 'file-region');
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 7000 });
    assert.equal(config.httpEngine, 'node');
    assert.equal(config.config, file);
  });

  it('treats empty env vars as unset', () => {
    const config = loadConfig({}, { ...env, JETVAULT_FRAME_SIZE: '', JETVAULT_REGION: '' }, { cwd });
    assert.equal(config.frameSize, 131072);
    assert.equal(config.region, 'file-region');
  });

  it('takes --config over JETVAULT_CONFIG', () => {
    const other = write('other.json', JSON.stringify({ region: 'other' }));
    assert.equal(loadConfig({ config: other }, env, { cwd }).region, 'other');
  });

  it('resolves file paths against the config file directory and others against cwd', () => {
    write('conf/sub/ca.pem', 'pem');
    const conf = write('conf/paths.json', JSON.stringify({ dataDir: 'state', natsTlsCa: 'sub/ca.pem' }));
    const config = loadConfig({ natsUrl: 'tls://nats:4222' }, { JETVAULT_CONFIG: conf }, { cwd });
    assert.equal(config.dataDir, join(dir, 'conf', 'state'));
    assert.equal(config.natsTlsCa, join(dir, 'conf', 'sub', 'ca.pem'));
    assert.equal(loadConfig({ dataDir: 'flagdir' }, {}, { cwd }).dataDir, join(dir, 'flagdir'));
  });

  it('keeps a bare nats-server name for PATH lookup but makes paths absolute', () => {
    assert.equal(loadConfig({ natsServerBin: 'nats-server' }, {}, { cwd }).natsServerBin, 'nats-server');
    assert.equal(
      loadConfig({ natsServerBin: './bin/ns' }, {}, { cwd }).natsServerBin,
      join(dir, 'bin', 'ns'),
    );
  });
});

describe('loadConfig parsing', () => {
  const listen = (value: string) => loadConfig({ listen: value }, {}, { cwd }).listen;

  it('parses IPv4, bracketed IPv6 and hostnames', () => {
    assert.deepEqual(listen('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
    assert.deepEqual(listen('[::1]:9000'), { host: '::1', port: 9000 });
    assert.deepEqual(listen('[::]:65535'), { host: '::', port: 65535 });
    assert.deepEqual(listen('s3.example.com:443'), { host: 's3.example.com', port: 443 });
  });

  it('splits a comma-separated list of NATS servers', () => {
    const config = loadConfig({ natsUrl: 'nats://a:4222, tls://b:4223' }, {}, { cwd });
    assert.deepEqual(config.natsUrl, ['nats://a:4222', 'tls://b:4223']);
  });

  it('accepts numbers from JSON and strings from env', () => {
    const file = write('numbers.json', JSON.stringify({ shutdownTimeout: 2.5 }));
    assert.equal(loadConfig({ config: file }, {}, { cwd }).shutdownTimeout, 2.5);
    assert.equal(loadConfig({}, { JETVAULT_SHUTDOWN_TIMEOUT: '0' }, { cwd }).shutdownTimeout, 0);
  });

  it('accepts exactly one NATS auth method with --nats-url', () => {
    const natsUrl = 'nats://n:4222';
    assert.equal(loadConfig({ natsUrl, natsCreds: creds }, {}, { cwd }).natsCreds, creds);
    assert.equal(loadConfig({ natsUrl, natsNkeySeed: 'seed.nk' }, {}, { cwd }).natsNkeySeed, seed);
    const userPass = loadConfig({ natsUrl, natsUser: 'u' }, { JETVAULT_NATS_PASSWORD: 'p' }, { cwd });
    assert.equal(userPass.natsPassword, 'p');
  });

  it('throws a ConfigError listing every problem', () => {
    assert.throws(
      () => loadConfig({ frameSize: '1', httpEngine: 'x' }, {}, { cwd }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 2,
    );
  });
});

describe('Config type', () => {
  it('is fully typed and readonly', () => {
    const config = loadConfig({}, {}, { cwd });
    const port: number = config.listen.port;
    const engine: 'uws' | 'node' = config.httpEngine;
    const servers: readonly string[] | undefined = config.natsUrl;
    const token: string | undefined = config.natsToken;
    const level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = config.logLevel;
    assert.deepEqual([port, engine, servers, token, level], [9000, 'node', undefined, undefined, 'info']);
    // @ts-expect-error Config is readonly
    assert.throws(() => (config.region = 'x'), TypeError);
  });
});
