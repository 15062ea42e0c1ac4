// Per-bucket storage policy from configuration: encrypted unless a plaintext pattern names the bucket,
// compressed only where a compression pattern names it (and it is encrypted: compression lives in the
// encrypted frame format, plaintext buckets keep the stock layout). Patterns are names with `*` wildcards.

export interface BucketPolicy {
  encrypt: boolean;
  compress: boolean;
}

export interface PolicyConfig {
  plaintextBuckets: readonly string[];
  compressBuckets: readonly string[];
}

function matcher(patterns: readonly string[]): (bucket: string) => boolean {
  const res = patterns.map(
    (p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*')}$`),
  );
  return (bucket) => res.some((re) => re.test(bucket));
}

export function bucketPolicy(cfg: PolicyConfig): (bucket: string) => BucketPolicy {
  const plaintext = matcher(cfg.plaintextBuckets);
  const compress = matcher(cfg.compressBuckets);
  return (bucket) => {
    const encrypt = !plaintext(bucket);
    return { encrypt, compress: encrypt && compress(bucket) };
  };
}
