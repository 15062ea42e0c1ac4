// CORS (pure): the configured policy — S3's CORS rules, applying to every bucket —, the answer to a
// preflight (OPTIONS, never signed) and the headers an actual response carries. Matched as S3 does: the
// first rule whose AllowedOrigins match the Origin (each with at most one `*` wildcard), whose
// AllowedMethods hold the method and whose AllowedHeaders match every requested header (case-insensitively,
// `*` wildcards) applies; no rule, no CORS headers.
import { z } from 'zod';
import { globRegExp } from '../config/bucket-patterns.js';
import { describeJsonError } from '../config/util.js';
import { S3Error } from './errors.js';
import type { S3Response } from './request.js';

/** The only methods S3's CORS rules and Access-Control-Request-Method may name (case-sensitive). */
export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;
export type CorsMethod = (typeof CORS_METHODS)[number];

/** S3 refuses CORS configurations with more rules than this. */
export const MAX_CORS_RULES = 100;

/** One rule, as in S3's GetBucketCors output (`aws s3api get-bucket-cors`). */
export interface CorsRule {
  readonly ID?: string;
  readonly AllowedOrigins: readonly string[];
  readonly AllowedMethods: readonly CorsMethod[];
  readonly AllowedHeaders?: readonly string[];
  readonly ExposeHeaders?: readonly string[];
  readonly MaxAgeSeconds?: number;
}

interface CompiledRule {
  readonly rule: CorsRule;
  readonly origins: readonly { readonly pattern: string; readonly re: RegExp }[];
  readonly headers: readonly RegExp[];
}

/** A validated CORS configuration, compiled once. */
export interface CorsPolicy {
  readonly rules: readonly CorsRule[];
  readonly compiled: readonly CompiledRule[];
}

/** The rule that allows a request, and whether it allowed every origin (`*`). */
export interface CorsMatch {
  readonly rule: CorsRule;
  readonly anyOrigin: boolean;
}

// RFC 9110 token characters: what a header name may be made of (`*` included).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const stars = (s: string): number => s.split('*').length - 1;

const list = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item, { error: `must be an array of ${what}` });

const headerName = (what: string) =>
  z
    .string({ error: `must be a ${what} name` })
    .regex(TOKEN, { error: `must be a ${what} name (letters, digits and !#$%&'*+-.^_\`|~)` })
    .refine((h) => stars(h) <= 1, { error: 'may contain at most one "*" wildcard' });

const ruleSchema = z.strictObject(
  {
    ID: z
      .string({ error: 'must be a string' })
      .max(255, { error: 'must be at most 255 characters' })
      .optional(),
    AllowedOrigins: list(
      z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .refine((o) => stars(o) <= 1, { error: 'may contain at most one "*" wildcard' }),
      'origins',
    ).min(1, { error: 'must name at least one origin' }),
    AllowedMethods: list(
      z.enum(CORS_METHODS, { error: `must be one of ${CORS_METHODS.join(', ')} (upper-case)` }),
      'methods',
    ).min(1, { error: 'must name at least one method' }),
    AllowedHeaders: list(headerName('header'), 'header names').optional(),
    ExposeHeaders: list(
      headerName('header').refine((h) => !h.includes('*'), { error: 'must not contain "*"' }),
      'header names',
    ).optional(),
    MaxAgeSeconds: z
      .number({ error: 'must be a whole number of seconds' })
      .int({ error: 'must be a whole number of seconds' })
      .min(0, { error: 'must not be negative' })
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? 'must be an object {"AllowedOrigins": […], "AllowedMethods": […], …}'
        : undefined,
  },
);

// The bare array of rules, or the {"CORSRules": […]} object `aws s3api get-bucket-cors` prints.
const unwrap = (v: unknown): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).join() === 'CORSRules'
    ? (v as { CORSRules: unknown }).CORSRules
    : v;

const fileSchema = z.preprocess(
  unwrap,
  z
    .array(ruleSchema, { error: 'must be an array of CORS rules or an object {"CORSRules": […]}' })
    .min(1, { error: 'must hold at least one rule' })
    .max(MAX_CORS_RULES, { error: `must hold at most ${MAX_CORS_RULES} rules` }),
);

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  const [first, ...rest] = path;
  const head = typeof first === 'number' ? `rule ${first + 1}` : String(first);
  const field = rest.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('');
  return field === '' ? `${head}: ` : `${head}, ${field}: `;
}

/** Validates and compiles a CORS configuration (JSON text); errors say what is wrong and where. */
export function parseCorsConfiguration(text: string): CorsPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${describeJsonError(err, text)}`, { cause: err });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = [...new Set(parsed.error.issues.map((i) => `${describePath(i.path)}${i.message}`))];
    throw new Error(problems.join('; '));
  }
  return compileCors(parsed.data);
}

export function compileCors(rules: readonly CorsRule[]): CorsPolicy {
  return {
    rules,
    compiled: rules.map((rule) => ({
      rule,
      origins: rule.AllowedOrigins.map((pattern) => ({ pattern, re: globRegExp(pattern) })),
      headers: (rule.AllowedHeaders ?? []).map((h) => globRegExp(h.toLowerCase())),
    })),
  };
}

export function isCorsMethod(method: string): method is CorsMethod {
  return (CORS_METHODS as readonly string[]).includes(method);
}

/** The first rule allowing this origin, method and requested headers (lower-case), if any. */
export function matchCors(
  policy: CorsPolicy,
  origin: string,
  method: CorsMethod,
  requestHeaders: readonly string[] = [],
): CorsMatch | undefined {
  for (const c of policy.compiled) {
    const allowed = c.origins.find((o) => o.re.test(origin));
    if (allowed === undefined || !c.rule.AllowedMethods.includes(method)) continue;
    if (!requestHeaders.every((h) => c.headers.some((re) => re.test(h)))) continue;
    return { rule: c.rule, anyOrigin: allowed.pattern === '*' };
  }
  return undefined;
}

/** Response caches must keep answers to different origins and preflights apart. */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** The headers S3 sends for a matched rule, on a preflight answer and on an actual response alike. */
export function corsHeaders(match: CorsMatch, origin: string): Record<string, string> {
  const { rule } = match;
  const headers: Record<string, string> = {
    'access-control-allow-origin': match.anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.AllowedMethods.join(', '),
  };
  // Credentials may go with a named origin only: browsers refuse them next to `*`.
  if (!match.anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (rule.ExposeHeaders !== undefined && rule.ExposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = rule.ExposeHeaders.join(', ');
  }
  if (rule.MaxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.MaxAgeSeconds);
  headers['vary'] = CORS_VARY;
  return headers;
}

/** Access-Control-Request-Headers as lower-case names; a name that is not a token is a bad request. */
function requestedHeaders(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!TOKEN.test(name)) {
      throw new S3Error('BadRequest', `Access-Control-Request-Headers "${name}" contains invalid character.`);
    }
    names.push(name.toLowerCase());
  }
  return names;
}

/**
 * Answers a preflight: 200 with the matched rule's headers, or S3's errors — 400 without an Origin or
 * with a method CORS cannot allow, 403 AccessForbidden when no rule (or no policy) allows the request.
 * `target` only says what was asked for in the error (S3's ResourceType).
 */
export function corsPreflight(
  policy: CorsPolicy | undefined,
  target: { bucket?: string; key: string },
  headers: Readonly<Record<string, string>>,
): S3Response {
  const origin = headers['origin'];
  if (origin === undefined || origin === '') {
    throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  }
  const method = headers['access-control-request-method'];
  if (method !== undefined && !isCorsMethod(method)) {
    throw new S3Error('BadRequest', `Invalid Access-Control-Request-Method: ${method}`);
  }
  const requested = requestedHeaders(headers['access-control-request-headers']);
  if (policy === undefined) {
    throw new S3Error('AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
  }
  const match = method === undefined ? undefined : matchCors(policy, origin, method, requested);
  if (match === undefined) {
    const resourceType = target.bucket === undefined ? 'SERVICE' : target.key === '' ? 'BUCKET' : 'OBJECT';
    throw new S3Error('AccessForbidden', undefined, {
      extra: { ...(method !== undefined ? { Method: method } : {}), ResourceType: resourceType },
    });
  }
  const out = corsHeaders(match, origin);
  if (requested.length > 0) out['access-control-allow-headers'] = requested.join(', ');
  return { status: 200, headers: out };
}

/**
 * The CORS headers for an actual (not preflight) response, or undefined. S3 matches the method named by
 * Access-Control-Request-Method when the request carries one, else the request's own method.
 */
export function corsResponseHeaders(
  policy: CorsPolicy,
  method: string,
  headers: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  const origin = headers['origin'];
  if (origin === undefined || origin === '') return undefined;
  const asked = headers['access-control-request-method'] ?? method;
  if (!isCorsMethod(asked)) return undefined;
  const match = matchCors(policy, origin, asked);
  return match === undefined ? undefined : corsHeaders(match, origin);
}
