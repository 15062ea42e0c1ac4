// The extended credentials file: users, several keys per user, expiry, policies (per key or per user),
// strict validation that names the entry and never shows a secret; and what authenticate() makes of it
// (expired keys refused like unknown ones, the principal on the proof, anonymous only when asked for).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createCredentialStore,
  CredentialsFileError,
  parseCredentialsFile,
} from '../../../../src/s3/sigv4/credentials.js';
import { authenticate } from '../../../../src/s3/sigv4/verify.js';
import { AK, assertS3Error, NOW, signHeader, SK } from './helpers.js';

const SECRET = 'SuperSecretValue/With+Chars0123456789abc';
const parse = (doc: unknown) => parseCredentialsFile(JSON.stringify(doc), 'creds.json');

function rejects(doc: unknown, message: RegExp): void {
  assert.throws(
    () => parse(doc),
    (e: unknown) => {
      assert.ok(e instanceof CredentialsFileError);
      assert.match(e.message, /^credentials file creds\.json: /);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('SuperSecret'), `secret leaked: ${e.message}`);
      return true;
    },
  );
}

const readOnly = { allow: [{ buckets: ['photos'], actions: ['read', 'list'] }] };

describe('the extended file format', () => {
  it('keeps nats-s3 entries exactly as they were (no user, no policy: full access)', () => {
    const [c] = parse({ credentials: [{ accessKey: 'AK1', secretKey: SECRET }] });
    assert.deepEqual(c, { accessKey: 'AK1', secretKey: SECRET });
    const stored = createCredentialStore([c!]).lookup('AK1');
    assert.deepEqual(stored?.principal, { kind: 'user', user: 'AK1', accessKey: 'AK1', policy: undefined });
  });

  it('reads user, expires and a per-key policy', () => {
    const [c] = parse({
      credentials: [
        {
          accessKey: 'AK1',
          secretKey: SECRET,
          user: 'alice',
          expires: '2030-01-02T03:04:05+01:00',
          policy: readOnly,
        },
      ],
    });
    assert.equal(c?.user, 'alice');
    assert.equal(c?.expires?.toISOString(), '2030-01-02T02:04:05.000Z');
    assert.equal(c?.policy?.decide('s3:GetObject', 'photos'), 'allow');
    assert.equal(c?.policy?.decide('s3:PutObject', 'photos'), 'none');
  });

  it('several keys of one user share the policy from "users"', () => {
    const store = createCredentialStore(
      parse({
        users: { alice: { policy: readOnly }, admin: {} },
        credentials: [
          { accessKey: 'OLD', secretKey: 's1', user: 'alice', expires: '2024-01-01T00:00:00Z' },
          { accessKey: 'NEW', secretKey: 's2', user: 'alice' },
          { accessKey: 'ROOT', secretKey: 's3', user: 'admin' },
          { accessKey: 'LONE', secretKey: 's4' },
        ],
      }),
    );
    const oldKey = store.lookup('OLD')!;
    const newKey = store.lookup('NEW')!;
    assert.equal(oldKey.principal.user, 'alice');
    assert.equal(newKey.principal.user, 'alice');
    assert.equal(oldKey.principal.policy, newKey.principal.policy, 'one compiled policy');
    assert.equal(newKey.principal.policy?.decide('s3:GetObject', 'photos'), 'allow');
    assert.equal(store.lookup('ROOT')!.principal.policy, undefined, 'a user without a policy: full access');
    assert.equal(store.lookup('LONE')!.principal.user, 'LONE');
    assert.equal(store.size, 4);
    assert.equal(store.users, 3);
    assert.equal(store.expired(new Date('2025-01-01T00:00:00Z')), 1);
  });

  it('refuses what would silently change access, naming the entry', () => {
    const key = { accessKey: 'AK1', secretKey: SECRET };
    rejects({ credentials: [{ ...key, polcy: readOnly }] }, /credentials\[0\]: Unrecognized key: "polcy"/);
    rejects({ credentials: [key], user: {} }, /\(top level\): Unrecognized key: "user"/);
    rejects(
      { users: { alice: {} }, credentials: [{ ...key, user: 'alise' }] },
      /credentials\[0\]\.user: "alise" is not in "users"/,
    );
    rejects(
      { users: { alice: { policy: readOnly } }, credentials: [{ ...key, user: 'alice', policy: readOnly }] },
      /credentials\[0\]\.policy: user "alice" has a policy in "users" already/,
    );
    rejects(
      { credentials: [{ ...key, policy: { allow: [{ buckets: ['b'], actions: ['s3:HeadObject'] }] } }] },
      /credentials\[0\]\.policy\.allow\[0\]\.actions\[0\]: "s3:HeadObject" is not an S3 action; HeadObject is authorized as s3:GetObject/,
    );
    rejects(
      { users: { alice: { policy: { allow: 'read' } } }, credentials: [key] },
      /users\.alice\.policy\.allow: must be an array/,
    );
    rejects(
      { users: { alice: { polici: {} } }, credentials: [key] },
      /users\.alice: Unrecognized key: "polici"/,
    );
    rejects({ users: [], credentials: [key] }, /users: must be an object mapping user names/);
  });

  it('refuses a bad expiry or user name', () => {
    const key = { accessKey: 'AK1', secretKey: SECRET };
    rejects(
      { credentials: [{ ...key, expires: '2030-01-02' }] },
      /credentials\[0\]\.expires: must be an RFC 3339 date-time/,
    );
    rejects({ credentials: [{ ...key, expires: '2030-01-02T00:00:00' }] }, /expires: must be an RFC 3339/);
    rejects({ credentials: [{ ...key, expires: 1893456000 }] }, /expires: must be an RFC 3339/);
    rejects({ credentials: [{ ...key, user: '' }] }, /credentials\[0\]\.user: must not be empty/);
    rejects({ credentials: [{ ...key, user: 'a\nb' }] }, /credentials\[0\]\.user: must be printable ASCII/);
  });
});

describe('authenticate with the store', () => {
  const store = createCredentialStore(
    parse({
      users: { alice: { policy: readOnly } },
      credentials: [
        {
          accessKey: AK,
          secretKey: SK,
          user: 'alice',
          expires: new Date(NOW.getTime() + 60_000).toISOString(),
        },
        { accessKey: 'AKNEW', secretKey: 'new-secret', user: 'alice' },
      ],
    }),
  );
  const opts = (now = NOW) => ({ now, service: 's3' });

  it('the proof carries the principal', async () => {
    const auth = authenticate(await signHeader({ method: 'GET', path: '/photos/a' }), store, opts());
    assert.equal(auth.principal.kind, 'user');
    assert.equal(auth.principal.kind === 'user' && auth.principal.user, 'alice');
    assert.equal(auth.principal.kind === 'user' && auth.principal.accessKey, AK);
    const other = authenticate(
      await signHeader({ method: 'GET', path: '/photos/a', accessKey: 'AKNEW', secretKey: 'new-secret' }),
      store,
      opts(),
    );
    assert.equal(other.principal.kind === 'user' && other.principal.user, 'alice');
  });

  it('an expired key is InvalidAccessKeyId, like an unknown one', async () => {
    const later = new Date(NOW.getTime() + 60_001);
    const req = await signHeader({ method: 'GET', path: '/photos/a', date: later });
    assertS3Error(() => authenticate(req, store, opts(later)), 'InvalidAccessKeyId');
    const atExpiry = new Date(NOW.getTime() + 60_000);
    const ok = await signHeader({ method: 'GET', path: '/photos/a', date: atExpiry });
    authenticate(ok, store, opts(atExpiry));
  });

  it('an unsigned request is anonymous only when asked for', () => {
    const req = { method: 'GET', rawPath: '/www/a', rawQuery: '', headers: { host: 'h' } };
    assertS3Error(() => authenticate(req, store, opts()), 'AccessDenied', /Anonymous/);
    const auth = authenticate(req, store, { ...opts(), anonymous: true });
    assert.equal(auth.kind, 'anonymous');
    assert.equal(auth.principal.kind, 'anonymous');
    assert.equal(auth.payloadSigned, false);
    assert.equal(auth.streaming, undefined);
    // SigV2 stays refused by name, anonymous or not.
    const v2 = { ...req, rawQuery: 'AWSAccessKeyId=x&Signature=y&Expires=1' };
    assertS3Error(() => authenticate(v2, store, { ...opts(), anonymous: true }), 'InvalidRequest');
  });
});
