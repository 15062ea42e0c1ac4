// Authorization of routed endpoints: a copy needs read on its source, public-read grants exactly
// s3:GetObject, anonymous requests get nothing else, ListBuckets is filtered, missing keys are hidden
// from whoever may not list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowed,
  authorize,
  hidesMissingKeys,
  listBucketsFilter,
  requiredAccess,
} from '../../../../src/s3/auth/access.js';
import { ANONYMOUS, compilePolicy, type UserPrincipal } from '../../../../src/s3/auth/policy.js';
import { bucketMatcher } from '../../../../src/config/bucket-patterns.js';
import { route } from '../../../../src/s3/router.js';
import { assertS3Error } from '../sigv4/helpers.js';

const user = (doc?: unknown): UserPrincipal => ({
  kind: 'user',
  user: 'u',
  accessKey: 'AK',
  policy: doc === undefined ? undefined : compilePolicy(doc),
});
const ep = (method: string, path: string, query = '', headers: Record<string, string> = {}) => ({
  ep: route(method, path, query, headers),
  headers,
});
const copyHeaders = { 'x-amz-copy-source': '/src-bucket/some%20key' };

const full = user();
const reader = user({ allow: [{ buckets: ['photos'], actions: ['read', 'list'] }] });
const writer = user({ allow: [{ buckets: ['dest'], actions: ['write'] }] });
const copier = user({
  allow: [
    { buckets: ['dest'], actions: ['write'] },
    { buckets: ['src-*'], actions: ['read'] },
  ],
});
const denier = user({
  allow: [{ buckets: ['*'], actions: ['*'] }],
  deny: [{ buckets: ['www'], actions: ['s3:GetObject'] }],
});
const publicRead = bucketMatcher(['www', 'pub-*']);

describe('requiredAccess', () => {
  it('maps each endpoint to its action on its bucket', () => {
    const r = (m: string, p: string, q = '', h: Record<string, string> = {}) =>
      requiredAccess(route(m, p, q, h), h);
    assert.deepEqual(r('GET', '/bkt/k'), [{ action: 's3:GetObject', bucket: 'bkt' }]);
    assert.deepEqual(r('HEAD', '/bkt'), [{ action: 's3:ListBucket', bucket: 'bkt' }]);
    assert.deepEqual(r('POST', '/bkt', 'delete'), [{ action: 's3:DeleteObject', bucket: 'bkt' }]);
    assert.deepEqual(r('PUT', '/bkt'), [{ action: 's3:CreateBucket', bucket: 'bkt' }]);
    assert.deepEqual(r('GET', '/'), []);
  });

  it('a copy also needs s3:GetObject on the source bucket', () => {
    const { ep: copy, headers } = ep('PUT', '/dest/k', '', copyHeaders);
    assert.deepEqual(requiredAccess(copy, headers), [
      { action: 's3:PutObject', bucket: 'dest' },
      { action: 's3:GetObject', bucket: 'src-bucket' },
    ]);
  });
});

describe('authorize', () => {
  const ok = (p: UserPrincipal | typeof ANONYMOUS, m: string, path: string, q = '', h = {}) =>
    authorize(p, route(m, path, q, h), h, publicRead);
  const denied = (p: UserPrincipal | typeof ANONYMOUS, m: string, path: string, q = '', h = {}) =>
    assertS3Error(
      () => ok(p, m, path, q, h),
      'AccessDenied',
      p.kind === 'anonymous' ? /Anonymous/ : /^Access Denied$/,
    );

  it('no policy is full access', () => {
    ok(full, 'PUT', '/xyz');
    ok(full, 'DELETE', '/xyz');
    ok(full, 'PUT', '/xyz', 'acl');
    ok(full, 'PUT', '/xyz/k');
    ok(full, 'DELETE', '/xyz/k');
    ok(full, 'PUT', '/xyz/k', '', copyHeaders);
  });

  it('a read-only user reads and lists its bucket and nothing else', () => {
    ok(reader, 'GET', '/photos/cat.jpg');
    ok(reader, 'HEAD', '/photos/cat.jpg');
    ok(reader, 'GET', '/photos', 'list-type=2');
    ok(reader, 'GET', '/photos', 'location');
    ok(reader, 'GET', '/');
    denied(reader, 'PUT', '/photos/cat.jpg');
    denied(reader, 'DELETE', '/photos/cat.jpg');
    denied(reader, 'POST', '/photos', 'delete');
    denied(reader, 'PUT', '/photos/cat.jpg', 'acl');
    denied(reader, 'DELETE', '/photos');
    denied(reader, 'GET', '/other/cat.jpg');
  });

  it('a copy is denied without read on the source, allowed with it', () => {
    denied(writer, 'PUT', '/dest/k', '', copyHeaders);
    ok(copier, 'PUT', '/dest/k', '', copyHeaders);
    ok(writer, 'PUT', '/dest/k');
  });

  it('anonymous requests may GET and HEAD objects of public-read buckets, nothing more', () => {
    ok(ANONYMOUS, 'GET', '/www/index.html');
    ok(ANONYMOUS, 'HEAD', '/pub-1/a');
    denied(ANONYMOUS, 'GET', '/private/a');
    denied(ANONYMOUS, 'GET', '/www', 'list-type=2');
    denied(ANONYMOUS, 'HEAD', '/www');
    denied(ANONYMOUS, 'GET', '/');
    denied(ANONYMOUS, 'PUT', '/www/a');
    denied(ANONYMOUS, 'DELETE', '/www/a');
    denied(ANONYMOUS, 'POST', '/www', 'delete');
    denied(ANONYMOUS, 'GET', '/www/a', 'acl');
    denied(ANONYMOUS, 'PUT', '/www/a', '', { 'x-amz-copy-source': '/www/b' });
    // Without public-read buckets, nothing.
    assertS3Error(
      () => authorize(ANONYMOUS, route('GET', '/www/a', '', {}), {}),
      'AccessDenied',
      /Anonymous/,
    );
  });

  it('public-read also lets signed users read, unless their policy denies it', () => {
    ok(writer, 'GET', '/www/a');
    ok(writer, 'PUT', '/dest/k', '', { 'x-amz-copy-source': '/www/b' });
    denied(writer, 'GET', '/www', 'list-type=2');
    denied(denier, 'GET', '/www/a');
    ok(denier, 'GET', '/pub-2/a');
  });

  it('allowed() gives the same answers', () => {
    assert.equal(
      allowed(ANONYMOUS, { action: 's3:GetObject', bucket: 'www' }),
      false,
      'no public-read given',
    );
    assert.equal(allowed(ANONYMOUS, { action: 's3:GetObject', bucket: 'www' }, publicRead), true);
    assert.equal(allowed(ANONYMOUS, { action: 's3:GetObjectAcl', bucket: 'www' }, publicRead), false);
    assert.equal(allowed(reader, { action: 's3:PutObject', bucket: 'photos' }, publicRead), false);
  });
});

describe('listBucketsFilter and hidesMissingKeys', () => {
  it('shows the buckets a user may list; all without a policy', () => {
    assert.equal(listBucketsFilter(full), undefined);
    const f = listBucketsFilter(reader)!;
    assert.deepEqual(['photos', 'other', 'www'].filter(f), ['photos']);
    assert.deepEqual(['photos'].filter(listBucketsFilter(ANONYMOUS)!), []);
    assert.deepEqual(['a', 'b'].filter(listBucketsFilter(writer)!), []);
  });

  it('hides missing keys from whoever may not list the bucket', () => {
    const copyHides = (p: UserPrincipal) =>
      hidesMissingKeys(p, route('PUT', '/dest/k', '', copyHeaders), copyHeaders);
    const get = (p: UserPrincipal | typeof ANONYMOUS, path: string) =>
      hidesMissingKeys(p, route('GET', path, '', {}), {});
    assert.equal(get(ANONYMOUS, '/www/k'), true);
    assert.equal(get(full, '/www/k'), false);
    assert.equal(get(reader, '/photos/k'), false);
    assert.equal(get(writer, '/dest/k'), true);
    assert.equal(get(reader, '/'), false);
    // A copy's missing key is missing from its source bucket.
    const lister = user({ allow: [{ buckets: ['src-bucket'], actions: ['list'] }] });
    assert.equal(copyHides(lister), false);
    assert.equal(copyHides(writer), true);
  });
});
