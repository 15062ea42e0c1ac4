// Per-bucket storage policy from configuration: encrypted unless a plaintext pattern names the bucket,
// compressed only where a compression pattern names it (and it is encrypted: compression lives in the
// encrypted frame format, plaintext buckets keep the stock layout). Patterns are names with `*` wildcards.
import { bucketMatcher } from '../config/bucket-patterns.js';

export interface BucketPolicy {
  encrypt: boolean;
  compress: boolean;
}

export interface PolicyConfig {
  plaintextBuckets: readonly string[];
  compressBuckets: readonly string[];
}

export function bucketPolicy(cfg: PolicyConfig): (bucket: string) => BucketPolicy {
  const plaintext = bucketMatcher(cfg.plaintextBuckets);
  const compress = bucketMatcher(cfg.compressBuckets);
  return (bucket) => {
    const encrypt = !plaintext(bucket);
    return { encrypt, compress: encrypt && compress(bucket) };
  };
}
