// Authorization cost per request (benchmark.js, one thread): the step dispatch runs between routing and
// the handler, for a key without a policy and for a user with a policy of several statements (exact
// names, globs, a deny), allowed and denied; a copy (two checks); ListBuckets' filter over 100 buckets;
// and, for scale, SigV4 verification of a header-signed request (signing key cached) and the router.
//   npm run build && node dist/bench/auth.js        (env MAX_TIME seconds per case, default 2)
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { authorize, listBucketsFilter } from '../src/s3/auth/access.js';
import { bucketMatcher } from '../src/config/bucket-patterns.js';
import { compilePolicy, type UserPrincipal } from '../src/s3/auth/policy.js';
import { isS3Error } from '../src/s3/errors.js';
import { route } from '../src/s3/router.js';
import { createCredentialStore } from '../src/s3/sigv4/credentials.js';
import { authenticate, type AuthInput } from '../src/s3/sigv4/verify.js';
import { micro, table } from './lib/micro.js';

const MAX_TIME = Number(process.env.MAX_TIME ?? 2);

const policy = compilePolicy({
  allow: [
    { buckets: ['photos', 'videos', 'shared-*'], actions: ['read', 'list'] },
    { buckets: ['uploads-*', 'inbox'], actions: ['write', 's3:GetObject'] },
    { buckets: ['*'], actions: ['s3:GetBucketLocation'] },
    { buckets: ['logs-*-archive'], actions: ['read'] },
  ],
  deny: [{ buckets: ['shared-secret', 'shared-hr-*'], actions: ['*'] }],
});
const user = (p: typeof policy | undefined): UserPrincipal => ({
  kind: 'user',
  user: 'bench',
  accessKey: 'AKIABENCH',
  policy: p,
});
const full = user(undefined);
const limited = user(policy);
const publicRead = bucketMatcher(['www', 'public-*']);

const NO_HEADERS: Record<string, string> = {};
const COPY_HEADERS = { 'x-amz-copy-source': '/shared-photos/some/key.jpg' };
const getObject = route('GET', '/shared-photos/2024/cat.jpg', '', NO_HEADERS);
const putObject = route('PUT', '/shared-photos/2024/cat.jpg', '', NO_HEADERS);
const copyObject = route('PUT', '/uploads-7/cat.jpg', '', COPY_HEADERS);
const buckets = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? `shared-${i}` : `bucket-${i}`));

function denied(fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (e) {
      if (isS3Error(e)) return;
      throw e;
    }
    throw new Error('expected AccessDenied');
  };
}

// A header-signed GET, as the AWS SDKs send it, verified against a store of one key.
const AK = 'AKIAJETVAULTBENCH001';
const SK = 'cXdlcnR5dWlvcGFzZGZnaGprbHp4Y3Zibm0xMjM0';
const store = createCredentialStore([{ accessKey: AK, secretKey: SK, policy }]);
const now = new Date();
const signed = await new SignatureV4({
  credentials: { accessKeyId: AK, secretAccessKey: SK },
  region: 'us-east-1',
  service: 's3',
  sha256: Hash.bind(null, 'sha256'),
  uriEscapePath: false,
  applyChecksum: false,
}).sign(
  new HttpRequest({
    method: 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: '/shared-photos/2024/cat.jpg',
    headers: {
      host: 'localhost:9000',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'user-agent': 'aws-sdk-js/3 bench',
    },
  }),
  { signingDate: now },
);
const req: AuthInput = {
  method: 'GET',
  rawPath: '/shared-photos/2024/cat.jpg',
  rawQuery: '',
  headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
};
const options = { now, region: 'us-east-1', service: 's3' };
authenticate(req, store, options); // warm the signing-key cache, as every request after the first finds it

const results = micro(
  [
    { name: 'authorize: no policy, GetObject', fn: () => authorize(full, getObject, NO_HEADERS) },
    { name: 'authorize: policy, GetObject allowed', fn: () => authorize(limited, getObject, NO_HEADERS) },
    {
      name: 'authorize: policy, PutObject denied (AccessDenied thrown)',
      fn: denied(() => authorize(limited, putObject, NO_HEADERS)),
    },
    {
      name: 'authorize: policy, CopyObject (dest + source)',
      fn: () => authorize(limited, copyObject, COPY_HEADERS, publicRead),
    },
    {
      name: 'route + authorize: anonymous GetObject, public-read',
      fn: () =>
        authorize({ kind: 'anonymous' }, route('GET', '/www/a.html', '', NO_HEADERS), NO_HEADERS, publicRead),
    },
    {
      name: 'ListBuckets filter: policy, 100 buckets',
      fn: () => buckets.filter(listBucketsFilter(limited)!),
    },
    { name: 'route (for scale)', fn: () => route('GET', '/shared-photos/2024/cat.jpg', '', NO_HEADERS) },
    { name: 'authenticate: SigV4 header, cached signing key', fn: () => authenticate(req, store, options) },
    {
      name: 'authenticate + route + authorize (policy)',
      fn: () => {
        const auth = authenticate(req, store, options);
        authorize(auth.principal, route(req.method, req.rawPath, req.rawQuery, req.headers), req.headers);
      },
    },
  ],
  MAX_TIME,
);

console.log(
  table(
    ['case', 'µs per request', 'rme %'],
    results.map((r) => [r.name, (1e6 / r.hz).toFixed(3), `±${r.rme.toFixed(1)}`]),
  ),
);
