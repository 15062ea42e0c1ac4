// S3 bucket naming rules (general purpose buckets): 3–63 characters of a-z 0-9 . -, starting and
// ending with a letter or digit, no "..", not an IPv4 address, and none of the reserved prefixes/suffixes.
import { S3Error } from './errors.js';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function bucketNameProblem(name: string): string | undefined {
  if (!SHAPE.test(name)) {
    return 'Bucket names must be 3-63 characters of lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit';
  }
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods';
  if (name.includes('.-') || name.includes('-.'))
    return 'Bucket names must not have a period next to a hyphen';
  if (IPV4.test(name)) return 'Bucket names must not be formatted as an IP address';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'Bucket name uses a reserved prefix';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'Bucket name uses a reserved suffix';
  return undefined;
}

export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) {
    throw new S3Error('InvalidBucketName', problem, { extra: { BucketName: name } });
  }
}
