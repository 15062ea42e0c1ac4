// Cross-check against an independent signer: requests signed by @smithy/signature-v4 (the AWS JS SDK's
// signer) must verify, however the client chose to escape the path and query on the wire, and any
// change to a signed part must not.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { authenticate, type AuthInput } from '../../../../src/s3/sigv4/verify.js';
import {
  AK,
  assertS3Error,
  NOW,
  presign,
  signHeader,
  SK,
  strictEncode,
  toRawQuery,
  type Query,
} from './helpers.js';

const store = createCredentialStore([{ accessKey: AK, secretKey: SK }]);
const opts = { now: NOW, region: 'us-east-1', service: 's3' };

/** What the S3 client puts on the wire and signs: each key segment escaped, '/' kept. */
function s3Path(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(strictEncode).join('/')}`;
}

const KEYS = [
  'plain.txt',
  'ünïcødé/日本語 ファイル.txt',
  'with space/and  two',
  'a+b+c',
  '100%/%41 literal',
  '~user/~tilde~',
  'wow!/(parens)*',
  'k=v&x=y;z',
  'dollar$/@at:colon,comma',
  'emoji 🎉.bin',
  'dir//double/./dot/../dotdot',
  'trailing/',
];

const QUERIES: Query[] = [
  {},
  { 'list-type': '2', prefix: 'a b', delimiter: '/' },
  { uploads: '' },
  { 'x-id': 'GetObject', 'response-content-disposition': 'attachment; filename="naïve résumé.txt"' },
  { prefix: 'a+b', marker: '~/!*' },
  { tag: ['b', 'a', 'a'], empty: ['', 'z'] },
];

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('header-signed requests from @smithy/signature-v4 verify', () => {
  for (const method of ['GET', 'PUT', 'HEAD', 'DELETE', 'POST']) {
    for (const key of KEYS) {
      it(`${method} ${key}`, async () => {
        const body = method === 'PUT' ? `body of ${key}` : '';
        const req = await signHeader({
          method,
          path: s3Path('bucket', key),
          payloadHash: method === 'PUT' ? sha(body) : undefined,
          headers: {
            'x-amz-meta-note': '  spaced    out   value ',
            'content-type': 'text/plain;   charset=utf-8',
          },
        });
        const auth = authenticate(req, store, opts);
        assert.equal(auth.kind, 'header');
        assert.equal(auth.accessKey, AK);
        assert.equal(auth.payloadHash, method === 'PUT' ? sha(body) : 'UNSIGNED-PAYLOAD');
        assert.ok(auth.signedHeaders.includes('x-amz-meta-note'));
      });
    }
  }

  for (const [i, query] of QUERIES.entries()) {
    it(`query #${i} ${JSON.stringify(query)}, sent with several wire encodings`, async () => {
      const req = await signHeader({ method: 'GET', path: '/bucket', query });
      const wires: Record<string, string> = {
        rfc3986: req.rawQuery,
        encodeURIComponent: toRawQuery(query, encodeURIComponent),
        'lower-case hex': req.rawQuery.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
        'shuffled order': req.rawQuery.split('&').reverse().join('&'),
      };
      for (const [how, rawQuery] of Object.entries(wires)) {
        const auth = authenticate({ ...req, rawQuery }, store, opts);
        assert.equal(auth.queryPlusIsSpace, false, how);
      }
    });
  }

  it("accepts form-encoded '+' for spaces in the query, and says so", async () => {
    const req = await signHeader({
      method: 'GET',
      path: '/bucket',
      query: { prefix: 'a b c', delimiter: '/' },
    });
    const form = new URLSearchParams({ prefix: 'a b c', delimiter: '/' }).toString();
    assert.match(form, /prefix=a\+b\+c/);
    assert.equal(authenticate({ ...req, rawQuery: form }, store, opts).queryPlusIsSpace, true);
  });

  it("a literal '+' signed as %2B still verifies when sent raw", async () => {
    const req = await signHeader({ method: 'GET', path: '/bucket', query: { prefix: 'a+b' } });
    assert.equal(authenticate({ ...req, rawQuery: 'prefix=a+b' }, store, opts).queryPlusIsSpace, false);
  });

  it('verifies keys whatever escaping the client put on the wire', async () => {
    for (const key of KEYS) {
      const req = await signHeader({ method: 'GET', path: s3Path('bucket', key) });
      for (const rawPath of [
        encodeURI(`/bucket/${key}`),
        req.rawPath.replace(/%7E/gi, '~').replace(/%21/g, '!').replace(/%24/g, '$'),
        req.rawPath.replace(/~/g, '%7E').replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      ]) {
        assert.ok(authenticate({ ...req, rawPath }, store, opts), `${key} sent as ${rawPath}`);
      }
    }
  });
});

describe('tampering with a header-signed request is detected', () => {
  const base = () =>
    signHeader({
      method: 'PUT',
      path: s3Path('bucket', 'dir/file name.txt'),
      query: { partNumber: '1', uploadId: 'abc' },
      payloadHash: sha('data'),
      headers: { 'x-amz-meta-a': '1', 'content-type': 'text/plain' },
    });
  const mutations: [string, (r: AuthInput) => AuthInput][] = [
    ['method', (r) => ({ ...r, method: 'POST' })],
    ['path', (r) => ({ ...r, rawPath: r.rawPath.replace('file', 'fil3') })],
    ['path (plus is not a space)', (r) => ({ ...r, rawPath: r.rawPath.replace('%20', '+') })],
    ['query value', (r) => ({ ...r, rawQuery: r.rawQuery.replace('partNumber=1', 'partNumber=2') })],
    ['query param added', (r) => ({ ...r, rawQuery: `${r.rawQuery}&versionId=x` })],
    ['query param removed', (r) => ({ ...r, rawQuery: 'partNumber=1' })],
    ['signed header', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-meta-a': '2' } })],
    ['signed header removed', (r) => ({ ...r, headers: { ...r.headers, 'content-type': '' } })],
    ['payload hash', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-content-sha256': sha('other') } })],
    ['date (one second)', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-date': '20240310T123457Z' } })],
  ];
  for (const [what, mutate] of mutations) {
    it(what, async () => {
      const req = await base();
      assert.ok(authenticate(req, store, opts));
      assertS3Error(() => authenticate(mutate(req), store, opts), 'SignatureDoesNotMatch');
    });
  }

  it('secret', async () => {
    const other = createCredentialStore([{ accessKey: AK, secretKey: `${SK}x` }]);
    const req = await base();
    assertS3Error(() => authenticate(req, other, opts), 'SignatureDoesNotMatch');
  });

  it('date moved to another day than the credential scope', async () => {
    const req = await base();
    const moved = { ...req, headers: { ...req.headers, 'x-amz-date': '20240311T000100Z' } };
    assertS3Error(
      () => authenticate(moved, store, { ...opts, now: new Date('2024-03-11T00:01:00Z') }),
      'AuthorizationHeaderMalformed',
      /Invalid credential date/,
    );
  });

  it('the error carries what a client needs to debug, and no secret', async () => {
    const req = await base();
    try {
      authenticate({ ...req, method: 'POST' }, store, opts);
      assert.fail('accepted');
    } catch (e) {
      const extra = (e as { extra: Record<string, string> }).extra;
      assert.equal(extra['AWSAccessKeyId'], AK);
      assert.match(
        extra['CanonicalRequest'] ?? '',
        /^POST\n\/bucket\/dir\/file%20name\.txt\npartNumber=1&uploadId=abc\n/,
      );
      assert.match(
        extra['StringToSign'] ?? '',
        /^AWS4-HMAC-SHA256\n20240310T123456Z\n20240310\/us-east-1\/s3\/aws4_request\n/,
      );
      assert.ok(!JSON.stringify(extra).includes(SK));
    }
  });
});

describe('presigned URLs from @smithy/signature-v4 verify', () => {
  for (const key of KEYS) {
    it(`GET ${key}`, async () => {
      const req = await presign({
        method: 'GET',
        path: s3Path('bucket', key),
        query: { 'x-id': 'GetObject' },
      });
      const auth = authenticate(req, store, opts);
      assert.equal(auth.kind, 'presigned');
      assert.equal(auth.payloadHash, 'UNSIGNED-PAYLOAD');
      assert.deepEqual(auth.signedHeaders, ['host']);
      assert.equal(auth.expiresAt?.getTime(), NOW.getTime() + 3600_000);
    });
  }

  it('PUT with extra signed headers and a week of validity', async () => {
    const req = await presign({
      method: 'PUT',
      path: s3Path('bucket', 'up load.bin'),
      headers: { 'content-type': 'application/octet-stream' },
      expiresIn: 604800,
    });
    const later = new Date(NOW.getTime() + 6 * 24 * 3600_000);
    const auth = authenticate(req, store, { ...opts, now: later });
    assert.deepEqual(auth.signedHeaders, ['content-type', 'host']);
  });

  const tampered: [string, (r: AuthInput) => AuthInput][] = [
    ['path', (r) => ({ ...r, rawPath: '/bucket/other' })],
    ['method', (r) => ({ ...r, method: 'DELETE' })],
    [
      'X-Amz-Expires',
      (r) => ({ ...r, rawQuery: r.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200') }),
    ],
    ['added parameter', (r) => ({ ...r, rawQuery: `${r.rawQuery}&response-content-type=text%2Fhtml` })],
    ['X-Amz-Date', (r) => ({ ...r, rawQuery: r.rawQuery.replace('T123456Z', 'T123457Z') })],
  ];
  for (const [what, mutate] of tampered) {
    it(`refuses a changed ${what}`, async () => {
      const req = await presign({ method: 'GET', path: s3Path('bucket', 'k') });
      assertS3Error(() => authenticate(mutate(req), store, opts), 'SignatureDoesNotMatch');
    });
  }
});
