// Encryption by default through the real gateway on a real nats-server: a bucket is encrypted unless the
// configuration names it plaintext; stock NATS clients read plaintext buckets byte for byte and fetch only
// ciphertext from encrypted ones; /stats shows each bucket's policy; a remote NATS needs a key.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { connect } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { startTestNatsServer } from '../helpers/nats-server.js';
import { s3Client, startGateway, type Gateway } from '../helpers/gateway.js';

const F = 64 * 1024;

describe('encrypted and plaintext buckets', () => {
  let nats: Awaited<ReturnType<typeof startTestNatsServer>>;
  let gw: Gateway;
  let s3: S3Client;

  before(async () => {
    nats = await startTestNatsServer();
    gw = await startGateway({
      engine: 'node',
      natsUrl: nats.url,
      args: [
        '--frame-size',
        String(F),
        '--plaintext-buckets',
        'plain,open-*',
        '--compress-buckets',
        'squeezed',
      ],
    });
    s3 = s3Client(gw.endpoint);
    for (const b of ['plain', 'open-1', 'secret', 'squeezed'])
      await s3.send(new CreateBucketCommand({ Bucket: b }));
  });
  after(async () => {
    s3?.destroy();
    await gw?.cleanup();
    await nats?.stop();
  });

  test('/stats shows which buckets are encrypted and compressed, and the KEK by name only', async () => {
    const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as {
      encryption: { kek: { kekId: string; kekVersion: number; source: string }; buckets: object };
    };
    const policies = Object.fromEntries(
      Object.entries(stats.encryption.buckets).map(([b, v]) => [
        b,
        {
          encrypted: (v as { encrypted: boolean }).encrypted,
          compression: (v as { compression: string }).compression,
        },
      ]),
    );
    assert.deepEqual(policies, {
      'open-1': { encrypted: false, compression: 'off' },
      plain: { encrypted: false, compression: 'off' },
      secret: { encrypted: true, compression: 'off' },
      squeezed: { encrypted: true, compression: 'auto' },
    });
    assert.equal(stats.encryption.kek.kekId, 'local');
    assert.equal(stats.encryption.kek.kekVersion, 1);
  });

  test('stock clients read a plaintext bucket byte for byte and only ciphertext from an encrypted one', async () => {
    const body = randomBytes(3 * F + 11);
    const nc = await connect({ servers: nats.url });
    try {
      const objm = new Objm(nc);
      for (const bucket of ['plain', 'secret']) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'for/stock', Body: body }));
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'for/stock' }));
        assert.equal(head.ContentLength, body.length);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'for/stock' }));
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
        const os = await objm.open(bucket);
        const info = await os.info('for/stock');
        // Stock clients verify the digest of what they fetch: it must hold for the ciphertext too.
        const data = Buffer.from((await os.getBlob('for/stock'))!);
        assert.equal(info?.size, data.length);
        if (bucket === 'plain') {
          assert.ok(data.equals(body));
        } else {
          // 4 frames, each with an 8-byte header and a 16-byte tag; none of the plaintext shows.
          assert.equal(data.length, body.length + 4 * 24);
          assert.equal(info?.chunks, 4);
          assert.equal(data.indexOf(body.subarray(1000, 1032)), -1);
          assert.equal(info?.metadata?.['jetvault.etag'], undefined);
          assert.ok(info?.metadata?.['jetvault.env']);
        }
      }
    } finally {
      await nc.close();
    }
  });

  test('the upload checksum is kept (sealed when encrypted) and returned with x-amz-checksum-mode', async () => {
    const body = randomBytes(2 * F + 5);
    for (const bucket of ['secret', 'plain']) {
      for (const ChecksumAlgorithm of ['CRC32C', 'SHA256', 'CRC64NVME'] as const) {
        const Key = `cs-${ChecksumAlgorithm}`;
        const put = await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key, Body: body, ChecksumAlgorithm }),
        );
        const field = `Checksum${ChecksumAlgorithm}` as const;
        assert.ok(put[field], `${bucket} ${ChecksumAlgorithm}: PUT answered ${JSON.stringify(put)}`);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }));
        assert.equal(head[field], put[field]);
        assert.equal(head.ChecksumType, 'FULL_OBJECT');
        const plainHead = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        assert.equal(plainHead[field], undefined);
        // The SDK validates a returned checksum against the body it read.
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }));
        assert.equal(got[field], put[field]);
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
        const ranged = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }),
        );
        assert.equal(ranged[field], undefined);
        await ranged.Body!.transformToByteArray();
      }
    }
  });

  test('a compressible object in a compressed bucket stores fewer bytes and reads back exactly', async () => {
    const body = Buffer.alloc(5 * F + 3, 'jetvault compresses this line well. ');
    await s3.send(new PutObjectCommand({ Bucket: 'squeezed', Key: 'text', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: 'secret', Key: 'text', Body: body }));
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'squeezed', Key: 'text', Range: 'bytes=70000-200000' }),
    );
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body.subarray(70000, 200001)));
    const nc = await connect({ servers: nats.url });
    try {
      const objm = new Objm(nc);
      const squeezed = await (await objm.open('squeezed')).info('text');
      const secret = await (await objm.open('secret')).info('text');
      assert.ok(squeezed!.size < body.length / 10, `compressed to ${squeezed!.size}`);
      assert.equal(secret!.size, body.length + 6 * 24);
    } finally {
      await nc.close();
    }
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'squeezed' }));
    assert.equal(list.Contents?.[0]?.Size, body.length);
    const metrics = await (await fetch(`${gw.endpoint}/metrics`)).text();
    const labels = '\\{encrypted="true",compression="auto"\\}';
    const stored = new RegExp(`jetvault_storage_stored_bytes_total${labels} (\\d+)`).exec(metrics);
    const plain = new RegExp(`jetvault_storage_plaintext_bytes_total${labels} (\\d+)`).exec(metrics);
    assert.ok(stored && plain && Number(stored[1]) < Number(plain[1]) / 10, metrics);
    assert.match(metrics, /jetvault_storage_compressed_frames_total [1-9]/);
    const stats = (await (await fetch(`${gw.endpoint}/stats`)).json()) as {
      encryption: { buckets: Record<string, { written?: { plaintextBytes: number; savedBytes: number } }> };
    };
    const written = stats.encryption.buckets['squeezed']!.written!;
    assert.ok(written.savedBytes > written.plaintextBytes * 0.9, JSON.stringify(written));
  });
});

test('a gateway on a remote NATS without a key refuses to start unless every bucket is plaintext', async () => {
  const nats = await startTestNatsServer();
  try {
    await assert.rejects(startGateway({ natsUrl: nats.url, noKey: true }), (e: Error) =>
      /--key-file or --passphrase-file is required/.test(e.message),
    );
    const plain = await startGateway({ natsUrl: nats.url, noKey: true, args: ['--plaintext-buckets', '*'] });
    assert.match(plain.output(), /encryption: off/);
    await plain.cleanup();
  } finally {
    await nats.stop();
  }
});
