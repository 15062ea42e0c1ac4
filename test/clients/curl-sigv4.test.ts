// curl's own SigV4 signer (`--aws-sigv4 aws:amz:us-east-1:s3 --user AK:SK`) against the real gateway (node
// engine) on a real nats-server: CreateBucket, PUT (UNSIGNED-PAYLOAD, a signed hex SHA-256, chunked from
// stdin, Content-MD5), GET, HEAD, range GETs, ListObjectsV2, DELETE, keys with spaces, '+', '%' and unicode
// (URL-encoded: curl signs the path as given), presigned URLs fetched with plain curl, and refusals.
//
// What curl 7.88 (Debian 12) sends: it signs host and x-amz-date but adds no x-amz-content-sha256, which S3
// requires (400 InvalidRequest), so every call passes `-H 'x-amz-content-sha256: …'`; curl then signs that
// header and uses its value as the payload hash. It signs the query string as written, so queries here are
// already in canonical form (parameters sorted, values RFC 3986-encoded, '/' as %2F).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { CREDENTIALS, startGateway } from '../helpers/gateway.js';
import type { Gateway } from '../helpers/gateway.js';
import { objectPath, presignedUrl, strictEncode } from '../helpers/signed-fetch.js';

const execFileP = promisify(execFile);

const BUCKETS = ['curl-bucket', 'curl.dotted.bucket'];
const KEYS = [
  'plain.bin',
  'dir/with space/file name.txt',
  'a+b+c=d&e.bin',
  'ünïcødé/日本語 ファイル 🎉.bin',
  '100%/%41 literal%.bin',
];
/** Across a 256 KiB frame boundary; curl sends Expect: 100-continue for a body this size. */
const SIZE = 300 * 1024 + 7;
const UNSIGNED = ['-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD'];

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const xmlCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

interface CurlResult {
  status: number;
  /** Headers of the final response (after any 100 Continue), names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
  /** curl -v output: the request lines start with '> '. */
  trace: string;
}

describe('curl --aws-sigv4 (node engine)', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let dir: string;
  let n = 0;

  /** Runs curl -v; returns status, final headers, body and the trace. */
  const curl = async (args: string[], opts: { stdin?: string } = {}): Promise<CurlResult> => {
    const id = n++;
    const bodyFile = path.join(dir, `body-${id}`);
    const headerFile = path.join(dir, `headers-${id}`);
    const all = ['-sS', '-v', '-o', bodyFile, '-D', headerFile, '-w', '%{http_code}', ...args];
    const cmd =
      opts.stdin === undefined ? ['curl', ...all] : ['sh', '-c', 'exec curl "$@" < "$0"', opts.stdin, ...all];
    const { stdout, stderr } = await execFileP(cmd[0]!, cmd.slice(1), { maxBuffer: 16 * 1024 * 1024 });
    const blocks = (await readFile(headerFile, 'latin1')).split(/\r\n\r\n/).filter((b) => b.trim() !== '');
    const headers: Record<string, string> = {};
    for (const line of (blocks.at(-1) ?? '').split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = await readFile(bodyFile).catch(() => Buffer.alloc(0));
    return { status: Number(stdout), headers, body, trace: stderr };
  };
  const signed = (args: string[], creds = CREDENTIALS) => [
    '--aws-sigv4',
    'aws:amz:us-east-1:s3',
    '--user',
    `${creds.accessKey}:${creds.secretKey}`,
    ...args,
  ];
  const url = (p: string) => `${gw.endpoint}${p}`;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({ engine: 'node', natsUrl: nats.url });
    dir = await mkdtemp(path.join(tmpdir(), 'jetvault-curl-'));
  });
  after(async () => {
    await gw?.cleanup();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('curl signs with SigV4; without x-amz-content-sha256 S3 (and jetvault) refuse the request', async (t) => {
    const r = await curl(signed(['-X', 'PUT', url('/curl-probe')]));
    assert.match(r.trace, /^> Authorization: AWS4-HMAC-SHA256 Credential=\S+\/us-east-1\/s3\/aws4_request/m);
    const sendsHash = /^> x-amz-content-sha256:/im.test(r.trace);
    t.diagnostic(`${/^> User-Agent: (\S+)/m.exec(r.trace)?.[1]} sends x-amz-content-sha256: ${sendsHash}`);
    if (sendsHash) {
      assert.equal(r.status, 200);
    } else {
      assert.equal(r.status, 400);
      assert.equal(xmlCode(r.body.toString()), 'InvalidRequest');
      assert.match(r.body.toString(), /Missing required header for this request: x-amz-content-sha256/);
    }
  });

  for (const bucket of BUCKETS) {
    describe(`bucket ${bucket}`, () => {
      const data = new Map<string, Buffer>();
      const file = (key: string) => path.join(dir, `${bucket}-${KEYS.indexOf(key)}`);

      before(async () => {
        for (const key of KEYS) {
          const bytes = Buffer.concat([Buffer.from(`${bucket}/${key}`), randomBytes(SIZE)]).subarray(0, SIZE);
          data.set(key, bytes);
          await writeFile(file(key), bytes);
        }
      });

      test('PUT bucket, then ListBuckets shows it', async () => {
        assert.equal((await curl(signed([...UNSIGNED, '-X', 'PUT', url(`/${bucket}`)]))).status, 200);
        const list = await curl(signed([...UNSIGNED, url('/')]));
        assert.equal(list.status, 200);
        assert.ok(list.body.toString().includes(`<Name>${bucket}</Name>`));
      });

      test('PUT with UNSIGNED-PAYLOAD: MD5 ETag; the request went out signed', async () => {
        for (const key of KEYS) {
          const r = await curl(signed([...UNSIGNED, '-T', file(key), url(objectPath(bucket, key))]));
          assert.equal(r.status, 200, `${key}: ${r.body.toString()}`);
          assert.equal(r.headers['etag'], `"${md5(data.get(key)!)}"`, key);
          assert.match(r.trace, /SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
          assert.match(r.trace, /^> Expect: 100-continue/m);
        }
      });

      test('GET is byte-exact; HEAD gives size and ETag', async () => {
        for (const key of KEYS) {
          const get = await curl(signed([...UNSIGNED, url(objectPath(bucket, key))]));
          assert.equal(get.status, 200, key);
          assert.equal(sha256(get.body), sha256(data.get(key)!), key);
          const head = await curl(signed([...UNSIGNED, '-I', url(objectPath(bucket, key))]));
          assert.equal(head.status, 200);
          assert.equal(head.headers['content-length'], String(SIZE));
          assert.equal(head.headers['etag'], `"${md5(data.get(key)!)}"`);
        }
      });

      test('range GETs: a-b across a frame boundary, a-, and a suffix', async () => {
        const key = KEYS[3]!;
        const bytes = data.get(key)!;
        const cases: [string, number, number][] = [
          ['262000-262999', 262000, 262999],
          [`${SIZE - 10}-`, SIZE - 10, SIZE - 1],
          ['-100', SIZE - 100, SIZE - 1],
        ];
        for (const [range, start, end] of cases) {
          const r = await curl(signed([...UNSIGNED, '-r', range, url(objectPath(bucket, key))]));
          assert.equal(r.status, 206, range);
          assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${SIZE}`);
          assert.ok(r.body.equals(bytes.subarray(start, end + 1)), `bytes of ${range}`);
        }
        const r = await curl(signed([...UNSIGNED, '-r', `${SIZE}-`, url(objectPath(bucket, key))]));
        assert.equal(r.status, 416);
        assert.equal(r.headers['content-range'], `bytes */${SIZE}`);
      });

      test('PUT with a signed hex SHA-256, chunked from stdin, with Content-MD5', async () => {
        const key = 'other ways/ü+%.bin';
        const bytes = data.get(KEYS[1]!)!;
        const src = file(KEYS[1]!);
        const p = url(objectPath(bucket, key));
        const hashed = await curl(signed(['-H', `x-amz-content-sha256: ${sha256(bytes)}`, '-T', src, p]));
        assert.equal(hashed.status, 200, hashed.body.toString());
        // No Content-Length: curl sends the body with Transfer-Encoding: chunked. AWS S3 answers that with
        // 411 MissingContentLength; jetvault accepts it (issue 5: "Content-Length may be absent with chunked
        // transfer encoding") and still verifies the body.
        const chunked = await curl(signed([...UNSIGNED, '-T', '-', p]), { stdin: src });
        assert.match(chunked.trace, /^> Transfer-Encoding: chunked/im);
        assert.equal(chunked.status, 200, chunked.body.toString());
        assert.equal(chunked.headers['etag'], `"${md5(bytes)}"`);
        const contentMd5 = createHash('md5').update(bytes).digest('base64');
        const withMd5 = await curl(signed([...UNSIGNED, '-H', `Content-MD5: ${contentMd5}`, '-T', src, p]));
        assert.equal(withMd5.status, 200);
        const get = await curl(signed([...UNSIGNED, p]));
        assert.ok(get.body.equals(bytes));
      });

      test('ListObjectsV2 with a canonical query lists the keys', async () => {
        const r = await curl(
          signed([...UNSIGNED, url(`/${bucket}?list-type=2&prefix=${strictEncode('dir/')}`)]),
        );
        assert.equal(r.status, 200, r.body.toString());
        assert.match(r.body.toString(), /<Key>dir\/with space\/file name\.txt<\/Key>/);
        const all = await curl(signed([...UNSIGNED, url(`/${bucket}?list-type=2`)]));
        for (const key of KEYS) {
          const escaped = key.replace(/&/g, '&amp;');
          assert.ok(all.body.toString().includes(`<Key>${escaped}</Key>`), key);
        }
      });

      test('presigned GET and PUT URLs work with plain curl; an expired one is 403', async () => {
        for (const key of KEYS) {
          const get = await curl([await presignedUrl(gw.endpoint, 'GET', bucket, key)]);
          assert.equal(get.status, 200, `${key}: ${get.body.toString()}`);
          assert.equal(sha256(get.body), sha256(data.get(key)!), key);
        }
        const key = 'presigned/put ü+%.bin';
        const put = await curl(['-T', file(KEYS[0]!), await presignedUrl(gw.endpoint, 'PUT', bucket, key)]);
        assert.equal(put.status, 200, put.body.toString());
        assert.equal(put.headers['etag'], `"${md5(data.get(KEYS[0]!)!)}"`);
        const back = await curl(signed([...UNSIGNED, url(objectPath(bucket, key))]));
        assert.ok(back.body.equals(data.get(KEYS[0]!)!));

        const expiring = await presignedUrl(gw.endpoint, 'GET', bucket, KEYS[0]!, { expiresIn: 1 });
        await sleep(2100);
        const expired = await curl([expiring]);
        assert.equal(expired.status, 403);
        assert.equal(xmlCode(expired.body.toString()), 'AccessDenied');
        assert.match(expired.body.toString(), /Request has expired/);
      });

      test('refusals store nothing: wrong secret, unknown key, wrong payload hash, wrong Content-MD5', async () => {
        const key = 'refused/ü+% key';
        const p = url(objectPath(bucket, key));
        const src = file(KEYS[0]!);
        const wrongSecret = await curl(
          signed([...UNSIGNED, '-T', src, p], { ...CREDENTIALS, secretKey: 'not-the-secret' }),
        );
        assert.equal(wrongSecret.status, 403);
        assert.equal(xmlCode(wrongSecret.body.toString()), 'SignatureDoesNotMatch');
        const wrongGet = await curl(
          signed([...UNSIGNED, url(objectPath(bucket, KEYS[0]!))], { ...CREDENTIALS, secretKey: 'nope' }),
        );
        assert.equal(wrongGet.status, 403);
        assert.equal(xmlCode(wrongGet.body.toString()), 'SignatureDoesNotMatch');
        const unknown = await curl(
          signed([...UNSIGNED, '-T', src, p], { accessKey: 'AKIAUNKNOWN000000000', secretKey: 'x' }),
        );
        assert.equal(unknown.status, 403);
        assert.equal(xmlCode(unknown.body.toString()), 'InvalidAccessKeyId');
        const wrongHash = await curl(
          signed(['-H', `x-amz-content-sha256: ${sha256(Buffer.from('x'))}`, '-T', src, p]),
        );
        assert.equal(wrongHash.status, 400);
        assert.equal(xmlCode(wrongHash.body.toString()), 'XAmzContentSHA256Mismatch');
        const badMd5 = createHash('md5').update('x').digest('base64');
        const wrongMd5 = await curl(signed([...UNSIGNED, '-H', `Content-MD5: ${badMd5}`, '-T', src, p]));
        assert.equal(wrongMd5.status, 400);
        assert.equal(xmlCode(wrongMd5.body.toString()), 'BadDigest');
        const unsigned = await curl(['-T', src, p]);
        assert.equal(unsigned.status, 403);
        assert.equal(xmlCode(unsigned.body.toString()), 'AccessDenied');

        assert.equal((await curl(signed([...UNSIGNED, '-I', p]))).status, 404);
      });

      test('DELETE every object, then the bucket', async () => {
        const list = await curl(signed([...UNSIGNED, url(`/${bucket}?list-type=2`)]));
        const keys = [...list.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
          m[1]!.replace(/&amp;/g, '&'),
        );
        assert.ok(keys.length >= KEYS.length);
        const notEmpty = await curl(signed([...UNSIGNED, '-X', 'DELETE', url(`/${bucket}`)]));
        assert.equal(notEmpty.status, 409);
        assert.equal(xmlCode(notEmpty.body.toString()), 'BucketNotEmpty');
        for (const key of keys) {
          const r = await curl(signed([...UNSIGNED, '-X', 'DELETE', url(objectPath(bucket, key))]));
          assert.equal(r.status, 204, key);
        }
        assert.equal((await curl(signed([...UNSIGNED, '-X', 'DELETE', url(`/${bucket}`)]))).status, 204);
        assert.equal((await curl(signed([...UNSIGNED, '-I', url(`/${bucket}`)]))).status, 404);
      });
    });
  }
});
