// Per-user access policies (pure): which S3 actions a user may take on which buckets. A policy is
// {"allow": [statement…], "deny": [statement…]}; a statement names buckets (exact or with `*` wildcards)
// and actions (a category — read, write, list, delete, admin —, `*`, or S3 action names such as
// s3:GetObject, with `*` wildcards). Deny wins over allow; whatever no statement allows is denied.
// Statements are compiled once, when the credentials file is loaded, so a check is a few set lookups.
import { bucketMatcher, globRegExp } from '../../config/bucket-patterns.js';
import { z } from 'zod';
import type { SignedOperation } from '../router.js';

export const CATEGORIES = ['read', 'write', 'list', 'delete', 'admin'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Every S3 action (the names S3 bucket and IAM policies use) jetvault authorizes, with its category. */
export const ACTIONS = {
  's3:GetObject': 'read',
  's3:GetObjectAcl': 'read',
  's3:GetObjectAttributes': 'read',
  's3:GetObjectTagging': 'read',
  's3:ListAllMyBuckets': 'list',
  's3:ListBucket': 'list',
  's3:ListBucketVersions': 'list',
  's3:ListBucketMultipartUploads': 'list',
  's3:ListMultipartUploadParts': 'list',
  's3:GetBucketLocation': 'list',
  's3:GetBucketVersioning': 'list',
  's3:GetBucketAcl': 'list',
  's3:PutObject': 'write',
  's3:PutObjectAcl': 'write',
  's3:PutObjectTagging': 'write',
  's3:AbortMultipartUpload': 'write',
  's3:DeleteObject': 'delete',
  's3:DeleteObjectTagging': 'delete',
  's3:CreateBucket': 'admin',
  's3:DeleteBucket': 'admin',
  's3:PutBucketAcl': 'admin',
  's3:PutBucketVersioning': 'admin',
} as const satisfies Record<string, Category>;

export type Action = keyof typeof ACTIONS;

/** Operations the router does not know yet; named here so that policies written today cover them. */
export type PlannedOperation =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListMultipartUploads'
  | 'ListParts'
  | 'GetObjectAttributes'
  | 'PutBucketVersioning';

/**
 * The action each operation needs on its bucket, as S3 maps them (HeadObject is s3:GetObject, the list
 * calls are s3:ListBucket, multipart parts are s3:PutObject). CopyObject and UploadPartCopy also need
 * s3:GetObject on the source bucket (see access.ts).
 */
export const OPERATION_ACTIONS = {
  ListBuckets: 's3:ListAllMyBuckets',
  CreateBucket: 's3:CreateBucket',
  DeleteBucket: 's3:DeleteBucket',
  HeadBucket: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  GetBucketVersioning: 's3:GetBucketVersioning',
  PutBucketVersioning: 's3:PutBucketVersioning',
  GetBucketAcl: 's3:GetBucketAcl',
  PutBucketAcl: 's3:PutBucketAcl',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  ListParts: 's3:ListMultipartUploadParts',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  GetObjectAcl: 's3:GetObjectAcl',
  GetObjectAttributes: 's3:GetObjectAttributes',
  GetObjectTagging: 's3:GetObjectTagging',
  PutObject: 's3:PutObject',
  CopyObject: 's3:PutObject',
  PutObjectAcl: 's3:PutObjectAcl',
  PutObjectTagging: 's3:PutObjectTagging',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  UploadPartCopy: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
  DeleteObjectTagging: 's3:DeleteObjectTagging',
} as const satisfies Record<SignedOperation | PlannedOperation, Action>;

export type KnownOperation = keyof typeof OPERATION_ACTIONS;

const ACTION_NAMES = Object.keys(ACTIONS) as Action[];
const ACTION_BY_LOWER = new Map(ACTION_NAMES.map((a) => [a.toLowerCase(), a]));
const OPERATION_BY_LOWER = new Map(
  (Object.keys(OPERATION_ACTIONS) as KnownOperation[]).map((op) => [`s3:${op.toLowerCase()}`, op]),
);

/**
 * The actions one entry of a statement's "actions" names, or an error message. S3 action names are
 * matched case-insensitively (as S3 does); an operation name that is not an action gets a hint.
 */
export function resolveActions(token: string): readonly Action[] | string {
  if (token === '*') return ACTION_NAMES;
  if ((CATEGORIES as readonly string[]).includes(token)) {
    return ACTION_NAMES.filter((a) => ACTIONS[a] === token);
  }
  if (!/^s3:[A-Za-z*]+$/i.test(token)) {
    return `"${token}" is not an action: use read, write, list, delete, admin, "*" or an S3 action name such as s3:GetObject`;
  }
  if (token.includes('*')) {
    const re = globRegExp(token, 'i');
    const matched = ACTION_NAMES.filter((a) => re.test(a));
    return matched.length > 0 ? matched : `"${token}" matches no S3 action jetvault knows`;
  }
  const action = ACTION_BY_LOWER.get(token.toLowerCase());
  if (action !== undefined) return [action];
  const op = OPERATION_BY_LOWER.get(token.toLowerCase());
  if (op !== undefined)
    return `"${token}" is not an S3 action; ${op} is authorized as ${OPERATION_ACTIONS[op]}`;
  return `"${token}" is not an S3 action jetvault knows (docs/credentials.md lists them)`;
}

export type Decision = 'allow' | 'deny' | 'none';

interface Statement {
  readonly actions: ReadonlySet<Action>;
  readonly buckets: (bucket: string) => boolean;
}

/** A compiled policy. Only policySchema (or compilePolicy) makes one. */
export class Policy {
  readonly #allow: readonly Statement[];
  readonly #deny: readonly Statement[];

  private constructor(allow: readonly Statement[], deny: readonly Statement[]) {
    this.#allow = allow;
    this.#deny = deny;
    Object.freeze(this);
  }

  /** @internal: policySchema's transform. */
  static fromStatements(allow: readonly Statement[], deny: readonly Statement[]): Policy {
    return new Policy(allow, deny);
  }

  /** 'deny' when a deny statement matches, else 'allow' when an allow statement does, else 'none'. */
  decide(action: Action, bucket: string): Decision {
    for (const s of this.#deny) if (s.actions.has(action) && s.buckets(bucket)) return 'deny';
    for (const s of this.#allow) if (s.actions.has(action) && s.buckets(bucket)) return 'allow';
    return 'none';
  }

  allows(action: Action, bucket: string): boolean {
    return this.decide(action, bucket) === 'allow';
  }
}

const BUCKET_PATTERN = /^[a-z0-9.*-]{1,63}$/;

const bucketPatternSchema = z.string({ error: 'must be a string' }).regex(BUCKET_PATTERN, {
  error: 'must be a bucket name (a-z, 0-9, ".", "-"), "*" matching any characters',
});

const actionSchema = z.string({ error: 'must be a string' }).transform((token, ctx) => {
  const resolved = resolveActions(token);
  if (typeof resolved !== 'string') return resolved;
  ctx.addIssue({ code: 'custom', message: resolved });
  return z.NEVER;
});

const statementSchema = z
  .strictObject(
    {
      buckets: z
        .array(bucketPatternSchema, { error: 'must be an array of bucket names or patterns' })
        .min(1, { error: 'must name at least one bucket (or "*")' }),
      actions: z
        .array(actionSchema, { error: 'must be an array of actions' })
        .min(1, { error: 'must name at least one action (or "*")' }),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type' ? 'must be an object {"buckets": […], "actions": […]}' : undefined,
    },
  )
  .transform((s): Statement => ({ actions: new Set(s.actions.flat()), buckets: bucketMatcher(s.buckets) }));

/** A policy as written in the credentials file, validated and compiled. */
export const policySchema = z
  .strictObject(
    {
      allow: z.array(statementSchema, { error: 'must be an array of statements' }).optional(),
      deny: z.array(statementSchema, { error: 'must be an array of statements' }).optional(),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type' ? 'must be an object {"allow": […], "deny": […]}' : undefined,
    },
  )
  .transform((p) => Policy.fromStatements(p.allow ?? [], p.deny ?? []));

/** Compiles a policy document; throws with zod's issues when it is not valid (tests, benchmarks). */
export function compilePolicy(doc: unknown): Policy {
  return policySchema.parse(doc);
}

/** Who a request acts for: a user of the credentials file (through one of its keys), or nobody. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly user: string;
  readonly accessKey: string;
  /** Undefined: no policy, full access. */
  readonly policy: Policy | undefined;
}

export interface AnonymousPrincipal {
  readonly kind: 'anonymous';
}

export type Principal = UserPrincipal | AnonymousPrincipal;

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({ kind: 'anonymous' });
