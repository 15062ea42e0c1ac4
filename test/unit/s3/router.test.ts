import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../../../src/s3/router.js';
import { S3Error } from '../../../src/s3/errors.js';

const cases: [string, string, string, Record<string, string>, string | RegExp][] = [
  ['GET', '/', '', {}, 'ListBuckets'],
  ['HEAD', '/', '', {}, 'ListBuckets'],
  ['PUT', '/bkt', '', {}, 'CreateBucket'],
  ['PUT', '/bkt/', '', {}, 'CreateBucket'],
  ['HEAD', '/bkt', '', {}, 'HeadBucket'],
  ['DELETE', '/bkt', '', {}, 'DeleteBucket'],
  ['GET', '/bkt', 'location', {}, 'GetBucketLocation'],
  ['GET', '/bkt', '', {}, 'ListObjects'],
  ['GET', '/bkt', 'list-type=2&prefix=a', {}, 'ListObjectsV2'],
  ['PUT', '/bkt/key', '', {}, 'PutObject'],
  ['PUT', '/bkt/key', 'x-id=PutObject', {}, 'PutObject'],
  ['GET', '/bkt/key', '', {}, 'GetObject'],
  ['HEAD', '/bkt/key', '', {}, 'HeadObject'],
  ['DELETE', '/bkt/key', '', {}, 'DeleteObject'],
  ['GET', '/bkt', 'versioning', {}, 'GetBucketVersioning'],
  ['PUT', '/bkt', 'versioning', {}, /NotImplemented/],
  ['GET', '/bkt', 'versions', {}, 'ListObjectVersions'],
  ['GET', '/bkt', 'acl', {}, 'GetBucketAcl'],
  ['PUT', '/bkt', 'acl', {}, 'PutBucketAcl'],
  ['GET', '/bkt/key', 'acl', {}, 'GetObjectAcl'],
  ['PUT', '/bkt/key', 'acl', {}, 'PutObjectAcl'],
  ['GET', '/bkt/key', 'versionId=null', {}, 'GetObject'],
  ['GET', '/bkt/key', 'versionId=3HL4kqtJlcpXroDTDmJ', {}, /NotImplemented/],
  ['GET', '/bkt/key', 'location', {}, /NotImplemented/],
  ['GET', '/bkt/key', 'tagging', {}, 'GetObjectTagging'],
  ['PUT', '/bkt/key', 'tagging', {}, 'PutObjectTagging'],
  ['DELETE', '/bkt/key', 'tagging', {}, 'DeleteObjectTagging'],
  ['GET', '/bkt', 'tagging', {}, /NotImplemented/],
  ['POST', '/bkt/key', 'tagging', {}, /NotImplemented/],
  ['PUT', '/bkt/key', 'partNumber=1&uploadId=x', {}, /NotImplemented/],
  ['POST', '/bkt/key', 'uploads', {}, /NotImplemented/],
  ['POST', '/bkt', 'delete', {}, 'DeleteObjects'],
  ['PUT', '/bkt/key', '', { 'x-amz-copy-source': '/a/b' }, 'CopyObject'],
  ['PUT', '/bkt/key', 'partNumber=1&uploadId=x', { 'x-amz-copy-source': '/a/b' }, /NotImplemented/],
  ['PATCH', '/bkt/key', '', {}, /MethodNotAllowed/],
  ['POST', '/', '', {}, /MethodNotAllowed/],
  ['GET', '/bkt', 'list-type=1', {}, /InvalidArgument/],
  ['GET', '/Bad_Name', '', {}, /InvalidBucketName/],
  ['GET', '/bkt/%ZZ', '', {}, /InvalidArgument/],
];

for (const [method, path, query, headers, expected] of cases) {
  test(`${method} ${path}?${query} → ${String(expected)}`, () => {
    if (typeof expected === 'string') {
      assert.equal(route(method, path, query, headers).op, expected);
    } else {
      assert.throws(
        () => route(method, path, query, headers),
        (e: unknown) => e instanceof S3Error && expected.test(e.code),
      );
    }
  });
}

test('keys are percent-decoded, + stays a plus, slashes and dots are kept', () => {
  const ep = route('GET', '/my.bucket/a%20b+c/%E2%82%AC/../x//y', '', {});
  assert.equal(ep.op, 'GetObject');
  assert.ok(ep.op === 'GetObject');
  assert.equal(ep.bucket, 'my.bucket');
  assert.equal(ep.key, 'a b+c/€/../x//y');
});

test('keys over 1024 UTF-8 bytes are KeyTooLongError', () => {
  assert.throws(() => route('PUT', `/bkt/${'é'.repeat(513)}`, '', {}), /too long/);
  assert.equal(route('PUT', `/bkt/${'é'.repeat(512)}`, '', {}).op, 'PutObject');
});

test('query values are decoded and the first of repeated names wins', () => {
  const ep = route('GET', '/bkt', 'list-type=2&prefix=a%2Fb%20c&prefix=zzz&delimiter=%2F', {});
  assert.ok(ep.op === 'ListObjectsV2');
  assert.equal(ep.query.get('prefix'), 'a/b c');
  assert.equal(ep.query.get('delimiter'), '/');
});

test("a query signed with '+' as a space is read that way", () => {
  const plus = route('GET', '/bkt', 'list-type=2&prefix=a+b', {});
  const space = route('GET', '/bkt', 'list-type=2&prefix=a+b', {}, true);
  assert.ok(plus.op === 'ListObjectsV2' && space.op === 'ListObjectsV2');
  assert.equal(plus.query.get('prefix'), 'a+b');
  assert.equal(space.query.get('prefix'), 'a b');
});
