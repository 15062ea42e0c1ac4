// Hex digest of a file, streamed (test and bench files run to a GiB).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function hashFile(algorithm: 'md5' | 'sha256', file: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
