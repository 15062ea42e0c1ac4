import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CORS_VARY,
  corsPreflight,
  corsResponseHeaders,
  matchCors,
  parseCorsConfiguration,
} from '../../../src/s3/cors.js';
import { S3Error } from '../../../src/s3/errors.js';

const s3Error = (code: string, message?: RegExp) => (e: unknown) =>
  e instanceof S3Error && e.code === code && (message === undefined || message.test(e.message));

describe('parseCorsConfiguration', () => {
  test('takes an array of rules or {"CORSRules": […]}', () => {
    const rules = [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }];
    assert.deepEqual(parseCorsConfiguration(JSON.stringify(rules)).rules, rules);
    assert.deepEqual(parseCorsConfiguration(JSON.stringify({ CORSRules: rules })).rules, rules);
  });

  test('keeps every field S3 has', () => {
    const rule = {
      ID: 'web',
      AllowedOrigins: ['https://app.example.com', 'http://*.example.com'],
      AllowedMethods: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag', 'x-amz-request-id'],
      MaxAgeSeconds: 3000,
    };
    assert.deepEqual(parseCorsConfiguration(JSON.stringify([rule])).rules, [rule]);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '[{', /not valid JSON/],
    ['no rule', '[]', /at least one rule/],
    ['an object without CORSRules', '{"Rules": []}', /array of CORS rules/],
    ['a rule that is not an object', '[1]', /rule 1: must be an object/],
    ['no origins', '[{"AllowedMethods": ["GET"]}]', /rule 1, AllowedOrigins: must be an array/],
    ['empty origins', '[{"AllowedOrigins": [], "AllowedMethods": ["GET"]}]', /at least one origin/],
    [
      'two wildcards in an origin',
      '[{"AllowedOrigins": ["http://*.*.com"], "AllowedMethods": ["GET"]}]',
      /rule 1, AllowedOrigins\[0\]: may contain at most one "\*"/,
    ],
    [
      'a lower-case method',
      '[{"AllowedOrigins": ["*"], "AllowedMethods": ["get"]}]',
      /AllowedMethods\[0\]: must be one of GET, PUT, POST, DELETE, HEAD/,
    ],
    ['PATCH', '[{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]', /must be one of/],
    [
      'a header that is not a token',
      '[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["bad header"]}]',
      /AllowedHeaders\[0\]: must be a header name/,
    ],
    [
      'a wildcard in ExposeHeaders',
      '[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": ["x-*"]}]',
      /ExposeHeaders\[0\]: must not contain/,
    ],
    [
      'a negative MaxAgeSeconds',
      '[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": -1}]',
      /MaxAgeSeconds: must not be negative/,
    ],
    ['a misspelt field', '[{"AllowedOrigin": ["*"], "AllowedMethods": ["GET"]}]', /AllowedOrigin/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses ${what}`, () => assert.throws(() => parseCorsConfiguration(text), message));
  }

  test('refuses more than 100 rules', () => {
    const rule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };
    assert.throws(
      () => parseCorsConfiguration(JSON.stringify(Array.from({ length: 101 }, () => rule))),
      /at most 100 rules/,
    );
  });
});

describe('matchCors', () => {
  // The rules and expectations of ceph/s3-tests test_cors_origin_response, which were checked against S3.
  const policy = parseCorsConfiguration(
    JSON.stringify([
      { AllowedMethods: ['GET'], AllowedOrigins: ['*suffix'] },
      { AllowedMethods: ['GET'], AllowedOrigins: ['start*end'] },
      { AllowedMethods: ['GET'], AllowedOrigins: ['prefix*'] },
      { AllowedMethods: ['PUT'], AllowedOrigins: ['*.put'] },
    ]),
  );
  const cases: [string, 'GET' | 'PUT' | 'DELETE', boolean][] = [
    ['foo.suffix', 'GET', true],
    ['foo.bar', 'GET', false],
    ['foo.suffix.get', 'GET', false],
    ['start_end', 'GET', true],
    ['start1end', 'GET', true],
    ['start12end', 'GET', true],
    ['0start12end', 'GET', false],
    ['prefix', 'GET', true],
    ['prefix.suffix', 'GET', true],
    ['bla.prefix', 'GET', false],
    ['foo.put', 'GET', false],
    ['foo.put', 'PUT', true],
    ['foo.suffix', 'PUT', false],
    ['foo.suffix', 'DELETE', false],
  ];
  for (const [origin, method, allowed] of cases) {
    test(`${method} from ${origin}: ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(matchCors(policy, origin, method) !== undefined, allowed);
    });
  }

  test('every requested header must match an AllowedHeader, case-insensitively, with wildcards', () => {
    const p = parseCorsConfiguration(
      JSON.stringify([
        {
          AllowedOrigins: ['https://a.example'],
          AllowedMethods: ['PUT'],
          AllowedHeaders: ['Content-Type', 'X-Amz-*'],
        },
      ]),
    );
    const o = 'https://a.example';
    assert.ok(matchCors(p, o, 'PUT', ['content-type', 'x-amz-date', 'x-amz-content-sha256']));
    assert.ok(matchCors(p, o, 'PUT', []));
    assert.equal(matchCors(p, o, 'PUT', ['content-type', 'authorization']), undefined);
    const any = parseCorsConfiguration(
      '[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"]}]',
    );
    assert.ok(matchCors(any, o, 'GET', ['authorization', 'x-anything']));
    const none = parseCorsConfiguration('[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]');
    assert.equal(matchCors(none, o, 'GET', ['authorization']), undefined);
  });

  test('the first matching rule applies; `*` is reported only when it is what matched', () => {
    const p = parseCorsConfiguration(
      JSON.stringify([
        { ID: 'one', AllowedOrigins: ['https://a.example', '*'], AllowedMethods: ['GET'] },
        { ID: 'two', AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT'] },
      ]),
    );
    assert.deepEqual(
      [
        matchCors(p, 'https://a.example', 'GET')?.rule.ID,
        matchCors(p, 'https://a.example', 'GET')?.anyOrigin,
      ],
      ['one', false],
    );
    assert.equal(matchCors(p, 'https://b.example', 'GET')?.anyOrigin, true);
    assert.equal(matchCors(p, 'https://b.example', 'PUT')?.rule.ID, 'two');
  });
});

describe('corsPreflight', () => {
  const policy = parseCorsConfiguration(
    JSON.stringify([
      {
        AllowedOrigins: ['https://app.example.com'],
        AllowedMethods: ['GET', 'PUT'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag', 'x-amz-request-id'],
        MaxAgeSeconds: 600,
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
    ]),
  );
  const object = { bucket: 'bkt', key: 'k' };

  test('a named origin: its own origin back, credentials, the requested headers lower-case', () => {
    const res = corsPreflight(policy, object, {
      origin: 'https://app.example.com',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, X-Amz-Date,x-amz-content-sha256',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, undefined);
    assert.deepEqual(res.headers, {
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'content-type, x-amz-date, x-amz-content-sha256',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '600',
      vary: CORS_VARY,
    });
  });

  test('a `*` rule: `*`, no credentials, no max age unless the rule has one', () => {
    const res = corsPreflight(policy, object, {
      origin: 'https://other.example',
      'access-control-request-method': 'GET',
    });
    assert.deepEqual(res.headers, {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD',
      vary: CORS_VARY,
    });
  });

  test('no Origin: 400 BadRequest', () => {
    assert.throws(
      () => corsPreflight(policy, object, { 'access-control-request-method': 'GET' }),
      s3Error('BadRequest', /^Insufficient information\. Origin request header needed\.$/),
    );
    assert.throws(() => corsPreflight(undefined, object, {}), s3Error('BadRequest'));
  });

  test('a method CORS cannot allow, or a bad header name: 400 BadRequest', () => {
    const headers = { origin: 'https://app.example.com' };
    assert.throws(
      () => corsPreflight(policy, object, { ...headers, 'access-control-request-method': 'PATCH' }),
      s3Error('BadRequest', /^Invalid Access-Control-Request-Method: PATCH$/),
    );
    assert.throws(
      () =>
        corsPreflight(policy, object, {
          ...headers,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'a b',
        }),
      s3Error('BadRequest', /Access-Control-Request-Headers/),
    );
  });

  test('nothing allows it: 403 AccessForbidden with S3 message, Method and ResourceType', () => {
    const refused = (target: { bucket?: string; key: string }, headers: Record<string, string>) => {
      try {
        corsPreflight(policy, target, headers);
      } catch (e) {
        assert.ok(e instanceof S3Error);
        return e;
      }
      assert.fail('expected a refusal');
    };
    const e = refused(object, { origin: 'https://other.example', 'access-control-request-method': 'PUT' });
    assert.equal(e.code, 'AccessForbidden');
    assert.equal(e.status, 403);
    assert.match(e.message, /^CORSResponse: This CORS request is not allowed\. This is usually because/);
    assert.deepEqual(e.extra, { Method: 'PUT', ResourceType: 'OBJECT' });
    const bucket = refused(
      { bucket: 'bkt', key: '' },
      { origin: 'https://other.example', 'access-control-request-method': 'DELETE' },
    );
    assert.equal(bucket.extra['ResourceType'], 'BUCKET');
    // No Access-Control-Request-Method: nothing to allow.
    assert.equal(refused(object, { origin: 'https://app.example.com' }).code, 'AccessForbidden');
    // A header the matching origin's rule does not allow, and the `*` rule allows no headers.
    assert.equal(
      refused(object, {
        origin: 'https://other.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-amz-meta-a',
      }).code,
      'AccessForbidden',
    );
  });

  test('no policy configured: 403 AccessForbidden, CORS is not enabled', () => {
    assert.throws(
      () =>
        corsPreflight(undefined, object, {
          origin: 'https://app.example.com',
          'access-control-request-method': 'GET',
        }),
      s3Error('AccessForbidden', /^CORSResponse: CORS is not enabled for this bucket\.$/),
    );
  });
});

describe('corsResponseHeaders', () => {
  const policy = parseCorsConfiguration(
    JSON.stringify([
      {
        AllowedOrigins: ['https://app.example.com'],
        AllowedMethods: ['GET', 'PUT'],
        ExposeHeaders: ['ETag'],
      },
    ]),
  );
  const origin = 'https://app.example.com';

  test('a matching origin and method get the CORS headers', () => {
    assert.deepEqual(corsResponseHeaders(policy, 'PUT', { origin }), {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'ETag',
      vary: CORS_VARY,
    });
  });

  test('no Origin, another origin, another method: none', () => {
    assert.equal(corsResponseHeaders(policy, 'GET', {}), undefined);
    assert.equal(corsResponseHeaders(policy, 'GET', { origin: 'https://evil.example' }), undefined);
    assert.equal(corsResponseHeaders(policy, 'DELETE', { origin }), undefined);
    assert.equal(corsResponseHeaders(policy, 'OPTIONS', { origin }), undefined);
  });

  test('Access-Control-Request-Method, when sent, is the method matched (as S3 does)', () => {
    assert.ok(corsResponseHeaders(policy, 'DELETE', { origin, 'access-control-request-method': 'GET' }));
    assert.equal(
      corsResponseHeaders(policy, 'GET', { origin, 'access-control-request-method': 'DELETE' }),
      undefined,
    );
  });
});
