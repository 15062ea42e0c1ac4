import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, pageFromSorted } from '../../../src/storage/listing.js';

const keys = ['a', 'a/b', 'a/c/d', 'a/c/e', 'b', 'b/x', 'c', '\u{1F600}', '\uFF61'].sort(compareKeys);
const entries = keys.map((key) => ({ key, size: 1, etag: '"x"', lastModified: new Date(0) }));
const page = (o: Partial<{ prefix: string; delimiter: string; startAfter: string; maxKeys: number }>) =>
  pageFromSorted(entries, { prefix: '', delimiter: '', startAfter: '', maxKeys: 1000, ...o });

test('UTF-8 binary order: U+FF61 sorts before U+1F600 (UTF-16 order would swap them)', () => {
  assert.deepEqual(keys.slice(-2), ['\uFF61', '\u{1F600}']);
});

test('prefix and delimiter group common prefixes', async () => {
  const p = await page({ delimiter: '/' });
  assert.deepEqual(
    p.objects.map((o) => o.key),
    ['a', 'b', 'c', '\uFF61', '\u{1F600}'],
  );
  assert.deepEqual(p.commonPrefixes, ['a/', 'b/']);
  const q = await page({ prefix: 'a/', delimiter: '/' });
  assert.deepEqual(
    q.objects.map((o) => o.key),
    ['a/b'],
  );
  assert.deepEqual(q.commonPrefixes, ['a/c/']);
});

test('a multi-character delimiter works', async () => {
  const p = await page({ delimiter: 'c/' });
  assert.deepEqual(p.commonPrefixes, ['a/c/']);
});

test('pages of 2 with a delimiter visit everything exactly once', async () => {
  const seen: string[] = [];
  let startAfter = '';
  for (let i = 0; i < 10; i++) {
    const p = await page({ delimiter: '/', maxKeys: 2, startAfter });
    seen.push(...p.objects.map((o) => o.key), ...p.commonPrefixes);
    assert.ok(p.objects.length + p.commonPrefixes.length <= 2);
    if (!p.isTruncated) break;
    assert.ok(p.nextStartAfter);
    startAfter = p.nextStartAfter;
  }
  assert.deepEqual(
    seen.sort(compareKeys),
    ['a', 'a/', 'b', 'b/', 'c', '\uFF61', '\u{1F600}'].sort(compareKeys),
  );
});

test('exactly maxKeys items is not truncated; maxKeys 0 is an empty untruncated page', async () => {
  const all = await page({});
  const exact = await page({ maxKeys: all.objects.length });
  assert.equal(exact.isTruncated, false);
  const zero = await page({ maxKeys: 0 });
  assert.equal(zero.isTruncated, false);
  assert.equal(zero.objects.length, 0);
});
