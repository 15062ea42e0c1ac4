// Bucket-name patterns in configuration and policies: names with `*` matching any characters.

const escapeRegExp = (s: string): string => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&');

/** `*` matches any characters, everything else is literal. */
export const globRegExp = (pattern: string, flags = ''): RegExp =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, flags);

/** Bucket names with `*` matching any characters; exact names are a set lookup. */
export function bucketMatcher(patterns: readonly string[]): (bucket: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map((p) => globRegExp(p));
  if (globs.length === 0) return (bucket) => exact.has(bucket);
  return (bucket) => exact.has(bucket) || globs.some((re) => re.test(bucket));
}
