import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from '../../../src/s3/range.js';
import { S3Error } from '../../../src/s3/errors.js';

const size = 1000;
const ok: [string, number, { start: number; end: number } | undefined][] = [
  ['bytes=0-0', size, { start: 0, end: 0 }],
  ['bytes=0-', size, { start: 0, end: 999 }],
  ['bytes=-1', size, { start: 999, end: 999 }],
  ['bytes=-2000', size, { start: 0, end: 999 }],
  ['bytes=999-999', size, { start: 999, end: 999 }],
  ['bytes=500-5000', size, { start: 500, end: 999 }],
  ['bytes=0-0', 1, { start: 0, end: 0 }],
  ['bytes=5-4', size, undefined],
  ['bytes=0-1,5-6', size, undefined],
  ['items=0-1', size, undefined],
  ['bytes=-', size, undefined],
  ['garbage', size, undefined],
];
for (const [header, n, expected] of ok) {
  test(`${header} on ${n} bytes`, () => assert.deepEqual(parseRange(header, n), expected));
}

test('no header means the whole object', () => assert.equal(parseRange(undefined, size), undefined));

for (const [header, n] of [
  ['bytes=1000-', 1000],
  ['bytes=1000-2000', 1000],
  ['bytes=-0', 1000],
  ['bytes=0-0', 0],
  ['bytes=-5', 0],
] as const) {
  test(`${header} on ${n} bytes is unsatisfiable with Content-Range */${n}`, () => {
    assert.throws(
      () => parseRange(header, n),
      (e: unknown) =>
        e instanceof S3Error &&
        e.code === 'InvalidRange' &&
        e.status === 416 &&
        e.headers['content-range'] === `bytes */${n}`,
    );
  });
}
