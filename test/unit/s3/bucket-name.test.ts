import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketNameProblem } from '../../../src/s3/bucket-name.js';

test('valid S3 bucket names', () => {
  for (const name of ['abc', 'my-bucket', 'my.dotted.bucket', 'a1b', '0bucket', 'x'.repeat(63), 'a-b.c-d']) {
    assert.equal(bucketNameProblem(name), undefined, name);
  }
});

test('invalid S3 bucket names', () => {
  for (const name of [
    'ab',
    'x'.repeat(64),
    'Upper',
    'under_score',
    '-start',
    'end-',
    '.start',
    'end.',
    'a..b',
    'a.-b',
    'a-.b',
    '192.168.1.1',
    'xn--punycode',
    'sthree-x',
    'bucket-s3alias',
    'bucket--ol-s3',
    'has space',
    'ünï',
    '',
  ]) {
    assert.notEqual(bucketNameProblem(name), undefined, name);
  }
});
