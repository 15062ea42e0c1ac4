// Published vectors pin the algorithm independently of any SDK: the generic AWS SigV4 test suite
// (service "service") and the worked examples of the S3 API reference (service "s3").

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { authenticate } from '../../../../src/s3/sigv4/verify.js';
import { createCredentialStore } from '../../../../src/s3/sigv4/credentials.js';
import { assertS3Error, fixture, parseRawHttp } from './helpers.js';

interface VectorFile {
  source: string;
  accessKey: string;
  secretKey: string;
  region: string;
  service: string;
  now: string;
  cases: { name: string; form: 'header' | 'presigned'; signature: string; request: string[] }[];
}

function flipLastHexDigit(s: string): string {
  return s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
}

for (const file of ['aws-sigv4-test-suite.json', 's3-docs-examples.json']) {
  const v = fixture<VectorFile>(file);
  const store = createCredentialStore([{ accessKey: v.accessKey, secretKey: v.secretKey }]);
  const options = { now: new Date(v.now), region: v.region, service: v.service };

  describe(`SigV4 vectors: ${file}`, () => {
    for (const c of v.cases) {
      it(`accepts ${c.name}`, () => {
        const req = parseRawHttp(c.request);
        const carried = c.form === 'header' ? req.headers['authorization'] : req.rawQuery;
        assert.ok(carried?.includes(c.signature), 'the fixture request carries the published signature');
        if (req.body !== '' && req.headers['x-amz-content-sha256'] !== undefined) {
          assert.equal(
            createHash('sha256').update(req.body).digest('hex'),
            req.headers['x-amz-content-sha256'],
          );
        }
        const auth = authenticate(req, store, options);
        assert.equal(auth.kind, c.form);
        assert.equal(auth.accessKey, v.accessKey);
        assert.equal(auth.signature, c.signature);
      });

      it(`refuses ${c.name} with one signature digit changed`, () => {
        const lines = c.request.map((l) => l.replace(c.signature, flipLastHexDigit(c.signature)));
        assertS3Error(() => authenticate(parseRawHttp(lines), store, options), 'SignatureDoesNotMatch');
      });
    }
  });
}

describe('S3 documentation examples, details', () => {
  const v = fixture<VectorFile>('s3-docs-examples.json');
  const store = createCredentialStore([{ accessKey: v.accessKey, secretKey: v.secretKey }]);
  const byName = (prefix: string) => {
    const c = v.cases.find((x) => x.name.startsWith(prefix));
    assert.ok(c);
    return parseRawHttp(c.request);
  };

  it('the presigned example is UNSIGNED-PAYLOAD and valid for exactly 86400 s', () => {
    const req = byName('presigned');
    const auth = authenticate(req, store, { now: new Date('2013-05-25T00:00:00Z'), service: 's3' });
    assert.equal(auth.payloadHash, 'UNSIGNED-PAYLOAD');
    assert.equal(auth.expiresAt?.toISOString(), '2013-05-25T00:00:00.000Z');
    assertS3Error(
      () => authenticate(req, store, { now: new Date('2013-05-25T00:00:01Z'), service: 's3' }),
      'AccessDenied',
      /Request has expired/,
    );
  });

  it('the signed PUT exposes its payload hash for the body check', () => {
    const auth = authenticate(byName('PUT'), store, { now: new Date(v.now), service: 's3' });
    assert.equal(auth.payloadHash, '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    assert.equal(auth.payloadSigned, true);
  });

  it('the same PUT with the key escaped as %24 verifies too (whatever encoding the client chose)', () => {
    const req = byName('PUT');
    assert.ok(authenticate({ ...req, rawPath: '/test%24file.text' }, store, { now: new Date(v.now) }));
  });

  it('the GET example is refused when the region is pinned elsewhere', () => {
    assertS3Error(
      () => authenticate(byName('GET Object'), store, { now: new Date(v.now), region: 'eu-west-1' }),
      'AuthorizationHeaderMalformed',
      /region 'us-east-1' is wrong; expecting 'eu-west-1'/,
    );
  });
});
