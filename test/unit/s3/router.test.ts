import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route, virtualHostBucket } from '../../../src/s3/router.js';
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
  ['PUT', '/bkt', 'cors', {}, /NotImplemented/],
  ['GET', '/bkt', 'cors', {}, /NotImplemented/],
  ['DELETE', '/bkt', 'cors', {}, /NotImplemented/],
  ['OPTIONS', '/bkt/key', '', {}, 'CorsPreflight'],
  ['OPTIONS', '/bkt', 'cors', {}, 'CorsPreflight'],
  ['OPTIONS', '/', '', {}, 'CorsPreflight'],
  ['OPTIONS', '/Bad_Name/key', '', {}, /InvalidBucketName/],
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
  const space = route('GET', '/bkt', 'list-type=2&prefix=a+b', {}, { queryPlusIsSpace: true });
  assert.ok(plus.op === 'ListObjectsV2' && space.op === 'ListObjectsV2');
  assert.equal(plus.query.get('prefix'), 'a+b');
  assert.equal(space.query.get('prefix'), 'a b');
});

// Virtual-hosted style: [host, method, path, query, expected op or error, bucket, key].
const DOMAINS = ['s3.local', 'localhost'];
const hosted: [string | undefined, string, string, string, string | RegExp, string?, string?][] = [
  ['bkt.s3.local', 'GET', '/', '', 'ListObjects', 'bkt', ''],
  ['bkt.s3.local:9000', 'GET', '/', 'list-type=2', 'ListObjectsV2', 'bkt', ''],
  ['bkt.s3.local', 'GET', '', '', 'ListObjects', 'bkt', ''],
  ['bkt.s3.local', 'PUT', '/', '', 'CreateBucket', 'bkt', ''],
  ['bkt.s3.local', 'HEAD', '/', '', 'HeadBucket', 'bkt', ''],
  ['bkt.s3.local', 'DELETE', '/', '', 'DeleteBucket', 'bkt', ''],
  ['bkt.s3.local', 'GET', '/', 'location', 'GetBucketLocation', 'bkt', ''],
  ['bkt.s3.local', 'POST', '/', 'delete', 'DeleteObjects', 'bkt', ''],
  ['bkt.s3.local', 'PUT', '/key', '', 'PutObject', 'bkt', 'key'],
  ['bkt.s3.local', 'GET', '/a/b/c.txt', '', 'GetObject', 'bkt', 'a/b/c.txt'],
  ['bkt.s3.local', 'GET', '/bkt/key', '', 'GetObject', 'bkt', 'bkt/key'],
  ['bkt.s3.local', 'GET', '//lead', '', 'GetObject', 'bkt', '/lead'],
  ['bkt.s3.local', 'GET', '/a%20b+c/%E2%82%AC', '', 'GetObject', 'bkt', 'a b+c/€'],
  ['bkt.s3.local', 'DELETE', '/k', '', 'DeleteObject', 'bkt', 'k'],
  ['bkt.s3.local', 'GET', '/k', 'acl', 'GetObjectAcl', 'bkt', 'k'],
  ['bkt.s3.local', 'PUT', '/k', 'tagging', 'PutObjectTagging', 'bkt', 'k'],
  ['my.dotted.bucket.s3.local', 'GET', '/k', '', 'GetObject', 'my.dotted.bucket', 'k'],
  ['BKT.S3.Local:80', 'GET', '/k', '', 'GetObject', 'bkt', 'k'],
  ['bkt.s3.local.', 'GET', '/k', '', 'GetObject', 'bkt', 'k'],
  ['bkt.localhost:9000', 'GET', '/k', '', 'GetObject', 'bkt', 'k'],
  // `s3.localhost` is under the domain localhost: it names the bucket `s3`, which is too short.
  ['s3.localhost', 'GET', '/k', '', /InvalidBucketName/],
  ['photos.s3.localhost', 'GET', '/k', '', 'GetObject', 'photos.s3', 'k'],
  // The domain itself, other names and addresses are path style.
  ['s3.local', 'GET', '/', '', 'ListBuckets'],
  ['s3.local:9000', 'GET', '/bkt/k', '', 'GetObject', 'bkt', 'k'],
  ['localhost:9000', 'PUT', '/bkt', '', 'CreateBucket', 'bkt'],
  ['127.0.0.1:9000', 'GET', '/bkt/k', '', 'GetObject', 'bkt', 'k'],
  ['[::1]:9000', 'GET', '/bkt/k', '', 'GetObject', 'bkt', 'k'],
  ['example.com', 'GET', '/bkt/k', '', 'GetObject', 'bkt', 'k'],
  ['nots3.local', 'GET', '/bkt/k', '', 'GetObject', 'bkt', 'k'],
  [undefined, 'GET', '/', '', 'ListBuckets'],
  // Bucket names from the host follow the same rules as from the path.
  ['bad_name.s3.local', 'GET', '/k', '', /InvalidBucketName/],
  ['ab.s3.local', 'GET', '/', '', /InvalidBucketName/],
  ['a..b.s3.local', 'GET', '/', '', /InvalidBucketName/],
  ['192.168.1.1.s3.local', 'GET', '/', '', /InvalidBucketName/],
  ['.s3.local', 'GET', '/', '', 'ListBuckets'],
  ['bkt.s3.local', 'GET', `/${'é'.repeat(513)}`, '', /KeyTooLongError/],
  // OPTIONS is always the preflight, in either style.
  ['bkt.s3.local', 'OPTIONS', '/k', '', 'CorsPreflight', 'bkt', 'k'],
  ['bkt.s3.local', 'OPTIONS', '/', 'delete', 'CorsPreflight', 'bkt', ''],
  ['s3.local', 'OPTIONS', '/', '', 'CorsPreflight', undefined, ''],
  ['bad_name.s3.local', 'OPTIONS', '/k', '', /InvalidBucketName/],
];

for (const [host, method, path, query, expected, bucket, key] of hosted) {
  test(`Host ${String(host)}: ${method} ${path.slice(0, 40)}?${query} → ${String(expected)}`, () => {
    const headers: Record<string, string> = host === undefined ? {} : { host };
    if (typeof expected !== 'string') {
      assert.throws(
        () => route(method, path, query, headers, { domains: DOMAINS }),
        (e: unknown) => e instanceof S3Error && expected.test(e.code),
      );
      return;
    }
    const ep = route(method, path, query, headers, { domains: DOMAINS });
    assert.equal(ep.op, expected);
    assert.equal('bucket' in ep ? ep.bucket : undefined, bucket);
    if (key !== undefined) assert.equal('key' in ep ? ep.key : '', key);
  });
}

test('an invalid bucket name from the host is named in the error', () => {
  assert.throws(
    () => route('GET', '/k', '', { host: 'Bad_Name.s3.local' }, { domains: DOMAINS }),
    (e: unknown) => e instanceof S3Error && e.status === 400 && e.extra['BucketName'] === 'bad_name',
  );
});

test('without domains every request is path style', () => {
  const ep = route('GET', '/kkk', '', { host: 'bkt.s3.local' });
  assert.ok(ep.op === 'ListObjects');
  assert.equal(ep.bucket, 'kkk');
});

test('virtualHostBucket: the longest matching domain wins; a domain itself is never a bucket', () => {
  const domains = ['localhost', 's3.localhost'];
  assert.equal(virtualHostBucket('photos.s3.localhost', domains), 'photos');
  assert.equal(virtualHostBucket('s3.localhost:9000', domains), undefined);
  assert.equal(virtualHostBucket('photos.localhost', domains), 'photos');
  assert.equal(virtualHostBucket('localhost', domains), undefined);
  assert.equal(virtualHostBucket(undefined, domains), undefined);
});

test('OPTIONS routes to the preflight whatever the query, path style too', () => {
  for (const [path, query] of [
    ['/', ''],
    ['/bkt', 'cors'],
    ['/bkt/k', 'uploads'],
    ['/bkt/k', 'X-Amz-Signature=x'],
  ] as const) {
    assert.equal(route('OPTIONS', path, query, {}).op, 'CorsPreflight');
  }
});
