import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { problemsOf, scratch } from './helpers.js';

const { dir: cwd, write } = scratch();
const creds = write('nats.creds', 'jwt');

/** Asserts a single problem that matches every pattern. */
function onlyProblem(problems: string[], ...patterns: (string | RegExp)[]): void {
  assert.equal(problems.length, 1, problems.join('\n'));
  for (const p of patterns) {
    if (typeof p === 'string')
      assert.ok(problems[0]?.includes(p), `${JSON.stringify(problems[0])} lacks ${p}`);
    else assert.match(problems[0] ?? '', p);
  }
}

describe('validation errors name the option as the user set it', () => {
  it('frame size not a power of two, from a flag', () => {
    onlyProblem(
      problemsOf({ frameSize: '1000' }, {}, { cwd }),
      '--frame-size (or JETVAULT_FRAME_SIZE / frameSize in a config file): ' +
        'must be a power of two between 65536 and 524288, got 1000',
    );
  });

  it('frame size from env, out of range and with a suffix', () => {
    onlyProblem(
      problemsOf({}, { JETVAULT_FRAME_SIZE: '1048576' }, { cwd }),
      /^JETVAULT_FRAME_SIZE \(or --frame-size/,
    );
    onlyProblem(problemsOf({}, { JETVAULT_FRAME_SIZE: '256KiB' }, { cwd }), 'got 256KiB');
  });

  it('bad listen values', () => {
    for (const bad of [
      '9000',
      'localhost',
      ':9000',
      '::1:9000',
      '[nope]:1',
      'bad_host!:80',
      '300.1.1.1:80',
    ]) {
      onlyProblem(problemsOf({ listen: bad }, {}, { cwd }), /^--listen \(or JETVAULT_LISTEN/, `got ${bad}`);
    }
  });

  it('listen port out of range', () => {
    onlyProblem(
      problemsOf({ listen: '127.0.0.1:65536' }, {}, { cwd }),
      'port must be an integer from 0 to 65535',
    );
    onlyProblem(problemsOf({ listen: '[::1]:-1' }, {}, { cwd }), 'port must be an integer from 0 to 65535');
  });

  it('unknown http engine, from a config file', () => {
    const file = write('engine.json', JSON.stringify({ httpEngine: 'express' }));
    onlyProblem(
      problemsOf({ config: file }, {}, { cwd }),
      `httpEngine in ${file} (or --http-engine / JETVAULT_HTTP_ENGINE): must be one of: uws, node, got express`,
    );
  });

  it('wrong JSON types in a config file', () => {
    const file = write('types.json', JSON.stringify({ frameSize: '65536x', logLevel: 3, region: true }));
    const problems = problemsOf({ config: file }, {}, { cwd });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith(`logLevel in ${file}`) && p.endsWith('got 3')));
    assert.ok(problems.some((p) => p.startsWith(`region in ${file}`) && p.endsWith('got true')));
  });

  it('bad NATS URLs', () => {
    onlyProblem(problemsOf({ natsUrl: 'http://n:4222' }, {}, { cwd }), /^--nats-url .*nats:\/\/ or tls:\/\//);
    onlyProblem(problemsOf({ natsUrl: 'nats://a:4222,,nats://b' }, {}, { cwd }), 'no empty entries');
  });

  it('conflicting NATS auth methods', () => {
    const problems = problemsOf(
      { natsUrl: 'nats://n:4222', natsCreds: creds },
      { JETVAULT_NATS_TOKEN: 'tok' },
      { cwd },
    );
    onlyProblem(problems, 'conflicting NATS auth: --nats-creds and JETVAULT_NATS_TOKEN');
  });

  it('user without password and password without user', () => {
    onlyProblem(
      problemsOf({ natsUrl: 'nats://n', natsUser: 'u' }, {}, { cwd }),
      /^--nats-user: needs --nats-password/,
    );
    onlyProblem(
      problemsOf({ natsUrl: 'nats://n' }, { JETVAULT_NATS_PASSWORD: 'p' }, { cwd }),
      /^JETVAULT_NATS_PASSWORD: needs --nats-user/,
    );
  });

  it('NATS auth without --nats-url', () => {
    onlyProblem(
      problemsOf({ natsCreds: creds }, {}, { cwd }),
      /^--nats-creds: only meaningful with --nats-url/,
    );
    const file = write('tls.json', JSON.stringify({ natsTlsCa: 'nats.creds' }));
    onlyProblem(
      problemsOf({ config: file }, {}, { cwd }),
      `natsTlsCa in ${file}: only meaningful with --nats-url`,
    );
  });

  it('missing files', () => {
    onlyProblem(
      problemsOf({ credentials: 'nope.json' }, {}, { cwd }),
      /^--credentials .*: no such file: \/.*nope\.json$/,
    );
    onlyProblem(problemsOf({ dataDir: 'nats.creds' }, {}, { cwd }), 'is not a directory');
  });

  it('unknown config-file key, naming the key and the file', () => {
    const file = write('typo.json', JSON.stringify({ frameSise: 65536, colour: 'blue' }));
    const problems = problemsOf({ config: file }, {}, { cwd });
    assert.deepEqual(problems, [
      `unknown key "frameSise" in ${file} (did you mean "frameSize"?)`,
      `unknown key "colour" in ${file}`,
    ]);
  });

  it('malformed or non-object JSON config files', () => {
    const bad = write('bad.json', '{\n  "listen": "0.0.0.0:9000",\n}\n');
    onlyProblem(
      problemsOf({ config: bad }, {}, { cwd }),
      /^--config \(or JETVAULT_CONFIG\): .*bad\.json is not valid JSON: .*line 3, column 1$/,
    );
    const list = write('list.json', '[]');
    onlyProblem(
      problemsOf({}, { JETVAULT_CONFIG: list }, { cwd }),
      /^JETVAULT_CONFIG \(or --config\): .*must hold a JSON object/,
    );
    onlyProblem(problemsOf({ config: 'absent.json' }, {}, { cwd }), 'no such file');
  });

  it('collects problems from every source at once', () => {
    const problems = problemsOf({ listen: 'x' }, { JETVAULT_LOG_LEVEL: 'loud' }, { cwd });
    assert.equal(problems.length, 2);
  });
});

describe('secrets never appear in messages', () => {
  it('omits secret values but still names the option', () => {
    const problems = problemsOf({ natsToken: '  ' }, { JETVAULT_NATS_PASSWORD: 'hunter2-secret' }, { cwd });
    assert.ok(problems.some((p) => p.startsWith('--nats-token (or')));
    assert.ok(problems.some((p) => p.startsWith('JETVAULT_NATS_PASSWORD:')));
    for (const p of problems) assert.ok(!p.includes('hunter2'), p);
  });

  it('hides credentials embedded in NATS URLs', () => {
    onlyProblem(problemsOf({ natsUrl: 'nats://me:hunter2@:4222' }, {}, { cwd }), 'got nats://***@:4222');
  });

  it('does not quote config-file text around a JSON syntax error', () => {
    const file = write('leak.json', '{"natsPassword": "hunter2" x}');
    const [problem] = problemsOf({ config: file }, {}, { cwd });
    assert.ok(problem && !problem.includes('hunter2'), problem);
  });
});
