// Policies: statement compilation, deny over allow, implicit deny, wildcards, the operation → action →
// category table, and validation messages that say what is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketMatcher } from '../../../../src/config/bucket-patterns.js';
import {
  ACTIONS,
  compilePolicy,
  OPERATION_ACTIONS,
  policySchema,
  resolveActions,
  type Category,
  type KnownOperation,
} from '../../../../src/s3/auth/policy.js';

function issues(doc: unknown): string[] {
  const r = policySchema.safeParse(doc);
  assert.equal(r.success, false, 'expected the policy to be refused');
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the operation table', () => {
  const category = (op: KnownOperation): Category => ACTIONS[OPERATION_ACTIONS[op]];

  it('puts each operation in the category the docs promise', () => {
    const expected: Record<Category, KnownOperation[]> = {
      read: ['GetObject', 'HeadObject', 'GetObjectAcl', 'GetObjectTagging', 'GetObjectAttributes'],
      list: [
        'ListBuckets',
        'ListObjects',
        'ListObjectsV2',
        'ListObjectVersions',
        'HeadBucket',
        'GetBucketLocation',
        'GetBucketVersioning',
        'GetBucketAcl',
        'ListMultipartUploads',
        'ListParts',
      ],
      write: [
        'PutObject',
        'CopyObject',
        'PutObjectAcl',
        'PutObjectTagging',
        'CreateMultipartUpload',
        'UploadPart',
        'UploadPartCopy',
        'CompleteMultipartUpload',
        'AbortMultipartUpload',
      ],
      delete: ['DeleteObject', 'DeleteObjects', 'DeleteObjectTagging'],
      admin: ['CreateBucket', 'DeleteBucket', 'PutBucketAcl', 'PutBucketVersioning'],
    };
    const listed = Object.values(expected).flat().sort();
    assert.deepEqual(listed, Object.keys(OPERATION_ACTIONS).sort(), 'every operation is in one category');
    for (const [cat, ops] of Object.entries(expected)) {
      for (const op of ops) assert.equal(category(op), cat, op);
    }
  });

  it('uses the S3 action names S3 uses', () => {
    assert.equal(OPERATION_ACTIONS.HeadObject, 's3:GetObject');
    assert.equal(OPERATION_ACTIONS.ListObjectsV2, 's3:ListBucket');
    assert.equal(OPERATION_ACTIONS.HeadBucket, 's3:ListBucket');
    assert.equal(OPERATION_ACTIONS.DeleteObjects, 's3:DeleteObject');
    assert.equal(OPERATION_ACTIONS.UploadPart, 's3:PutObject');
    assert.equal(OPERATION_ACTIONS.ListParts, 's3:ListMultipartUploadParts');
  });
});

describe('resolveActions', () => {
  it('expands categories, * and wildcards; S3 names are case-insensitive', () => {
    assert.deepEqual(resolveActions('delete'), ['s3:DeleteObject', 's3:DeleteObjectTagging']);
    assert.equal((resolveActions('*') as string[]).length, Object.keys(ACTIONS).length);
    assert.deepEqual(resolveActions('S3:getobject'), ['s3:GetObject']);
    assert.deepEqual(resolveActions('s3:GetObject*'), [
      's3:GetObject',
      's3:GetObjectAcl',
      's3:GetObjectAttributes',
      's3:GetObjectTagging',
    ]);
  });

  it('explains what it cannot use', () => {
    assert.match(resolveActions('s3:HeadObject') as string, /HeadObject is authorized as s3:GetObject/);
    assert.match(resolveActions('s3:GetObjekt') as string, /not an S3 action jetvault knows/);
    assert.match(resolveActions('s3:Nope*') as string, /matches no S3 action/);
    assert.match(resolveActions('Read') as string, /not an action: use read, write/);
    assert.match(resolveActions('GetObject') as string, /not an action/);
  });
});

describe('bucketMatcher', () => {
  it('matches exact names and * globs, and nothing else', () => {
    const m = bucketMatcher(['photos', 'logs-*', '*.archive', 'a*b']);
    for (const b of ['photos', 'logs-', 'logs-2024', 'x.archive', 'ab', 'axxb']) assert.ok(m(b), b);
    for (const b of ['photos2', 'log-2024', 'xarchive', 'abx', 'p.hotos']) assert.ok(!m(b), b);
    assert.ok(bucketMatcher(['*'])('anything'));
    assert.ok(!bucketMatcher([])('anything'));
  });

  it('treats regular-expression characters in a name literally', () => {
    const m = bucketMatcher(['a.b']);
    assert.ok(m('a.b'));
    assert.ok(!m('axb'));
  });
});

describe('Policy.decide', () => {
  const policy = compilePolicy({
    allow: [
      { buckets: ['photos', 'shared-*'], actions: ['read', 'list'] },
      { buckets: ['uploads'], actions: ['write', 's3:GetObject'] },
      { buckets: ['*'], actions: ['s3:GetBucketLocation'] },
    ],
    deny: [{ buckets: ['shared-secret'], actions: ['*'] }],
  });

  it('allows what a statement allows', () => {
    assert.equal(policy.decide('s3:GetObject', 'photos'), 'allow');
    assert.equal(policy.decide('s3:ListBucket', 'shared-x'), 'allow');
    assert.equal(policy.decide('s3:PutObject', 'uploads'), 'allow');
    assert.equal(policy.decide('s3:GetObject', 'uploads'), 'allow');
    assert.equal(policy.decide('s3:GetBucketLocation', 'any'), 'allow');
  });

  it('denies what no statement allows (implicitly)', () => {
    assert.equal(policy.decide('s3:PutObject', 'photos'), 'none');
    assert.equal(policy.decide('s3:ListBucket', 'uploads'), 'none');
    assert.equal(policy.decide('s3:DeleteObject', 'photos'), 'none');
    assert.equal(policy.decide('s3:GetObject', 'other'), 'none');
    assert.equal(policy.allows('s3:GetObject', 'other'), false);
  });

  it('a deny statement wins over an allow', () => {
    assert.equal(policy.decide('s3:GetObject', 'shared-secret'), 'deny');
    assert.equal(policy.decide('s3:GetBucketLocation', 'shared-secret'), 'deny');
  });

  it('an empty policy allows nothing', () => {
    assert.equal(compilePolicy({}).decide('s3:GetObject', 'b'), 'none');
    assert.equal(compilePolicy({ deny: [] }).decide('s3:GetObject', 'b'), 'none');
  });
});

describe('policy validation', () => {
  it('names the statement and field that is wrong', () => {
    assert.deepEqual(issues({ allow: [{ buckets: ['b'], actions: ['s3:GetObjekt'] }] }), [
      'allow.0.actions.0: "s3:GetObjekt" is not an S3 action jetvault knows (docs/credentials.md lists them)',
    ]);
    assert.match(
      issues({ allow: [{ buckets: ['Bad_Name'], actions: ['read'] }] })[0]!,
      /^allow\.0\.buckets\.0: must be a bucket name/,
    );
    assert.match(
      issues({ deny: [{ buckets: [], actions: ['read'] }] })[0]!,
      /^deny\.0\.buckets: must name at least one bucket/,
    );
    assert.match(
      issues({ allow: [{ buckets: ['b'] }] })[0]!,
      /^allow\.0\.actions: must be an array of actions/,
    );
    assert.match(
      issues({ allow: [{ buckets: ['b'], actions: ['read'], bucket: 'x' }] })[0]!,
      /^allow\.0: Unrecognized key: "bucket"/,
    );
    assert.match(issues({ alow: [] })[0]!, /Unrecognized key: "alow"/);
    assert.match(issues({ allow: {} })[0]!, /^allow: must be an array of statements/);
    assert.match(issues(['read'])[0]!, /must be an object \{"allow"/);
    assert.match(issues({ allow: ['read'] })[0]!, /^allow\.0: must be an object \{"buckets"/);
  });
});
