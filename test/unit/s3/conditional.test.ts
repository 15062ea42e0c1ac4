import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateConditions } from '../../../src/s3/conditional.js';
import { S3Error } from '../../../src/s3/errors.js';

const v = { etag: '"abc"', lastModified: new Date('2026-01-01T00:00:10.600Z') };
const at = (s: string) => new Date(s).toUTCString();
const fails = (h: Record<string, string>) =>
  assert.throws(
    () => evaluateConditions(h, v),
    (e: unknown) => e instanceof S3Error && e.code === 'PreconditionFailed' && e.status === 412,
  );

test('no conditions proceed', () => assert.equal(evaluateConditions({}, v), 'proceed'));

test('If-Match: quoted, bare, weak, lists and * match; others are 412', () => {
  for (const h of ['"abc"', 'abc', 'W/"abc"', '"x", "abc"', '*']) {
    assert.equal(evaluateConditions({ 'if-match': h }, v), 'proceed', h);
  }
  fails({ 'if-match': '"other"' });
});

test('If-None-Match matching is 304, else proceed', () => {
  assert.equal(evaluateConditions({ 'if-none-match': '"abc"' }, v), 'not-modified');
  assert.equal(evaluateConditions({ 'if-none-match': '*' }, v), 'not-modified');
  assert.equal(evaluateConditions({ 'if-none-match': '"zzz"' }, v), 'proceed');
});

test('dates compare at whole seconds', () => {
  assert.equal(evaluateConditions({ 'if-modified-since': at('2026-01-01T00:00:10Z') }, v), 'not-modified');
  assert.equal(evaluateConditions({ 'if-modified-since': at('2026-01-01T00:00:09Z') }, v), 'proceed');
  assert.equal(evaluateConditions({ 'if-unmodified-since': at('2026-01-01T00:00:10Z') }, v), 'proceed');
  fails({ 'if-unmodified-since': at('2026-01-01T00:00:09Z') });
});

test('If-Match true overrides a failing If-Unmodified-Since; If-None-Match overrides If-Modified-Since', () => {
  assert.equal(
    evaluateConditions({ 'if-match': '"abc"', 'if-unmodified-since': at('2000-01-01T00:00:00Z') }, v),
    'proceed',
  );
  assert.equal(
    evaluateConditions({ 'if-none-match': '"zzz"', 'if-modified-since': at('2030-01-01T00:00:00Z') }, v),
    'proceed',
  );
});

test('unparsable dates are ignored', () => {
  assert.equal(evaluateConditions({ 'if-modified-since': 'yesterday' }, v), 'proceed');
  assert.equal(evaluateConditions({ 'if-unmodified-since': 'nonsense' }, v), 'proceed');
});
