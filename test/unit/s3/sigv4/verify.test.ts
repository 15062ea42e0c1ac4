// The refusals: unsigned, SigV2, malformed, skewed, expired, streaming, unknown keys — each with the code
// S3 uses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { authenticate, AuthenticatedRequest, type AuthInput } from '../../../../src/s3/sigv4/verify.js';
import { AK, assertS3Error, NOW, presign, signHeader, SK } from './helpers.js';

const store = createCredentialStore([{ accessKey: AK, secretKey: SK }]);
const opts = { now: NOW, service: 's3' };
const at = (ms: number) => ({ ...opts, now: new Date(NOW.getTime() + ms) });
const MIN = 60_000;
const get = () => signHeader({ method: 'GET', path: '/bucket/key' });
const withHeaders = (r: AuthInput, h: Record<string, string | undefined>): AuthInput => {
  const headers = { ...r.headers, ...h };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete headers[k];
  return { ...r, headers: headers as Record<string, string> };
};

describe('who may not in', () => {
  it('an unsigned request is refused', () => {
    const req = { method: 'GET', rawPath: '/bucket/key', rawQuery: 'list-type=2', headers: { host: 'h' } };
    assertS3Error(() => authenticate(req, store, opts), 'AccessDenied', /Anonymous/);
  });

  it('SigV2 in the Authorization header is refused by name', () => {
    const req = {
      method: 'GET',
      rawPath: '/b/k',
      rawQuery: '',
      headers: { authorization: 'AWS AKID:c2lnbmF0dXJl', date: 'x' },
    };
    assertS3Error(
      () => authenticate(req, store, opts),
      'InvalidRequest',
      /SigV2 is not supported, use SigV4/,
    );
  });

  it('a SigV2 presigned URL is refused by name', () => {
    const req = {
      method: 'GET',
      rawPath: '/b/k',
      rawQuery: `AWSAccessKeyId=${AK}&Expires=1&Signature=abc`,
      headers: {},
    };
    assertS3Error(() => authenticate(req, store, opts), 'InvalidRequest', /SigV2 is not supported/);
  });

  it('another algorithm is refused', async () => {
    const req = await get();
    const auth = (req.headers['authorization'] ?? '').replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256');
    assertS3Error(
      () => authenticate(withHeaders(req, { authorization: auth }), store, opts),
      'InvalidArgument',
    );
  });

  it('an unknown access key is InvalidAccessKeyId', async () => {
    const req = await signHeader({ method: 'GET', path: '/b/k', accessKey: 'AKIAUNKNOWN000000000' });
    assertS3Error(() => authenticate(req, store, opts), 'InvalidAccessKeyId');
  });

  it('header and query forms together are refused', async () => {
    const req = await get();
    const both = { ...req, rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' };
    assertS3Error(() => authenticate(both, store, opts), 'InvalidArgument', /Only one auth mechanism/);
  });

  it('the proof type cannot be made outside the verifier', () => {
    const Ctor = AuthenticatedRequest as unknown as new (...a: unknown[]) => unknown;
    assert.throws(() => new Ctor(Symbol('AuthenticatedRequest'), {}), TypeError);
    assert.equal(AuthenticatedRequest.is({ kind: 'header', accessKey: AK }), false);
  });
});

describe('Authorization header parsing', () => {
  it('tolerates extra spaces and missing spaces after commas', async () => {
    const req = await get();
    const spaced = (req.headers['authorization'] ?? '')
      .replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256   ')
      .replace(/, /g, ' ,  ');
    const tight = (req.headers['authorization'] ?? '').replace(/, /g, ',');
    for (const authorization of [spaced, tight]) {
      assert.ok(AuthenticatedRequest.is(authenticate(withHeaders(req, { authorization }), store, opts)));
    }
  });

  const malformed: [string, (a: string) => string, RegExp][] = [
    ['no Signature', (a) => a.replace(/, Signature=\w+/, ''), /must contain/],
    ['credential without date', (a) => a.replace(/\/\d{8}\//, '/'), /Credential is mal-formed/],
    ['wrong terminal', (a) => a.replace('aws4_request', 'aws5_request'), /incorrect terminal/],
    ['wrong service', (a) => a.replace('/s3/', '/sqs/'), /incorrect service "sqs"/],
    ['host not signed', (a) => a.replace('SignedHeaders=host;', 'SignedHeaders='), /must include 'host'/],
    ['unknown component', (a) => `${a}, Foo=bar`, /"Foo=bar" is malformed/],
    ['repeated component', (a) => `${a}, Signature=00`, /appears twice/],
  ];
  for (const [what, edit, message] of malformed) {
    it(what, async () => {
      const req = await get();
      const authorization = edit(req.headers['authorization'] ?? '');
      assertS3Error(
        () => authenticate(withHeaders(req, { authorization }), store, opts),
        'AuthorizationHeaderMalformed',
        message,
      );
    });
  }

  it('a region other than the configured one is refused; any region when none is configured', async () => {
    const req = await signHeader({ method: 'GET', path: '/b/k', region: 'eu-central-1' });
    assert.equal(authenticate(req, store, opts).region, 'eu-central-1');
    assertS3Error(
      () => authenticate(req, store, { ...opts, region: 'us-east-1' }),
      'AuthorizationHeaderMalformed',
      /region/,
    );
  });
});

describe('required headers', () => {
  it('x-amz-date (or Date) is required', async () => {
    const req = withHeaders(await get(), { 'x-amz-date': undefined });
    assertS3Error(() => authenticate(req, store, opts), 'AccessDenied', /valid Date or x-amz-date/);
  });

  it('an unparseable x-amz-date is refused', async () => {
    const req = withHeaders(await get(), { 'x-amz-date': '2024-03-10T12:34:56Z' });
    assertS3Error(() => authenticate(req, store, opts), 'AccessDenied', /valid Date or x-amz-date/);
  });

  it('x-amz-content-sha256 is required', async () => {
    const req = withHeaders(await get(), { 'x-amz-content-sha256': undefined });
    assertS3Error(() => authenticate(req, store, opts), 'InvalidRequest', /x-amz-content-sha256/);
  });

  it('x-amz-content-sha256 must be a SHA-256 or UNSIGNED-PAYLOAD', async () => {
    for (const value of [
      'abc',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85',
      'unsigned-payload',
    ]) {
      const req = await signHeader({ method: 'PUT', path: '/b/k', payloadHash: value });
      assertS3Error(() => authenticate(req, store, opts), 'InvalidArgument', /x-amz-content-sha256 must be/);
    }
  });

  it('an x-amz-* header that is not signed is refused', async () => {
    const req = withHeaders(await get(), { 'x-amz-copy-source': '/other/secret' });
    assertS3Error(
      () => authenticate(req, store, opts),
      'AccessDenied',
      /headers present in the request which were not signed/,
    );
  });

  it('unsigned ordinary headers (user-agent, accept-encoding) are fine', async () => {
    const req = withHeaders(await get(), { 'user-agent': 'curl/8', 'accept-encoding': 'gzip' });
    assert.ok(authenticate(req, store, opts));
  });
});

describe('aws-chunked payloads are accepted with the Authorization header, refused presigned', () => {
  for (const mode of [
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  ]) {
    it(mode, async () => {
      const req = await signHeader({ method: 'PUT', path: '/b/k', payloadHash: mode });
      const auth = authenticate(req, store, opts);
      assert.equal(auth.streaming, mode);
      assert.equal(auth.payloadHash, mode);
      assert.equal(auth.payloadSigned, mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      assert.equal(auth.chunkSignatures() === undefined, mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      assertS3Error(() => authenticate({ ...req, method: 'POST' }, store, opts), 'SignatureDoesNotMatch');
      const url = await presign({ method: 'PUT', path: '/b/k', payloadHash: mode });
      assertS3Error(() => authenticate(url, store, opts), 'NotImplemented', /need the Authorization header/);
    });
  }
});

describe('clock skew (header form)', () => {
  it('accepts up to 15 minutes either way', async () => {
    const req = await get();
    assert.ok(authenticate(req, store, at(15 * MIN)));
    assert.ok(authenticate(req, store, at(-15 * MIN)));
  });

  it('refuses beyond 15 minutes with RequestTimeTooSkewed (403)', async () => {
    const req = await get();
    for (const skew of [15 * MIN + 1000, -15 * MIN - 1000, 24 * 60 * MIN]) {
      assertS3Error(() => authenticate(req, store, at(skew)), 'RequestTimeTooSkewed');
    }
  });
});

describe('presigned expiry is X-Amz-Date + X-Amz-Expires, exactly', () => {
  for (const expiresIn of [1, 300, 3600, 604800]) {
    it(`X-Amz-Expires=${expiresIn}`, async () => {
      const req = await presign({ method: 'GET', path: '/b/k', expiresIn });
      assert.ok(authenticate(req, store, at(expiresIn * 1000)), 'valid at the last instant');
      assertS3Error(
        () => authenticate(req, store, at(expiresIn * 1000 + 1)),
        'AccessDenied',
        /Request has expired/,
      );
    });
  }

  it('a URL valid for an hour is not cut to 5 minutes', async () => {
    const req = await presign({ method: 'GET', path: '/b/k', expiresIn: 3600 });
    assert.ok(authenticate(req, store, at(59 * MIN)));
  });

  it('X-Amz-Expires above 604800, zero or not a number is refused', async () => {
    const req = await presign({ method: 'GET', path: '/b/k', expiresIn: 604800 });
    for (const [value, message] of [
      ['604801', /less than a week/],
      ['0', /at least 1 second/],
      ['-5', /should be a number/],
      ['1e3', /should be a number/],
    ] as const) {
      const rawQuery = req.rawQuery.replace('X-Amz-Expires=604800', `X-Amz-Expires=${value}`);
      assertS3Error(
        () => authenticate({ ...req, rawQuery }, store, opts),
        'AuthorizationQueryParametersError',
        message,
      );
    }
  });

  it('a URL dated more than 15 minutes in the future is refused', async () => {
    const req = await presign({ method: 'GET', path: '/b/k', date: new Date(NOW.getTime() + 16 * MIN) });
    assertS3Error(() => authenticate(req, store, opts), 'AccessDenied', /not valid yet/);
    assert.ok(authenticate(req, store, at(2 * MIN)));
  });

  it('a missing X-Amz-* parameter is refused', async () => {
    const req = await presign({ method: 'GET', path: '/b/k' });
    for (const name of [
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
    ]) {
      const rawQuery = req.rawQuery
        .split('&')
        .filter((p) => !p.startsWith(`${name}=`))
        .join('&');
      assertS3Error(
        () => authenticate({ ...req, rawQuery }, store, opts),
        'AuthorizationQueryParametersError',
        /requires/,
      );
    }
  });

  it('an unsigned x-amz-* header cannot be slipped into a presigned PUT', async () => {
    const req = await presign({ method: 'PUT', path: '/b/k' });
    const injected = withHeaders(req, { 'x-amz-acl': 'public-read' });
    assertS3Error(() => authenticate(injected, store, opts), 'AccessDenied', /not signed/);
  });
});
