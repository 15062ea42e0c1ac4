// Conditional reads (RFC 9110 §13 as S3 applies them): If-Match / If-Unmodified-Since fail with 412;
// If-None-Match / If-Modified-Since answer 304. When If-Match holds, If-Unmodified-Since is not
// consulted, and when If-None-Match is present, If-Modified-Since is not.
import { S3Error } from './errors.js';

export interface Validators {
  etag: string;
  lastModified: Date;
}

function etagList(header: string): string[] {
  return header.split(',').map((t) =>
    t
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
}

function matches(header: string, etag: string): boolean {
  const bare = etag.replace(/^"(.*)"$/, '$1');
  return etagList(header).some((t) => t === '*' || t === bare);
}

/** HTTP dates have whole seconds; an unparsable date is ignored, as S3 does. */
function secondsOf(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** Returns 'not-modified' for a 304, throws PreconditionFailed for a 412, else 'proceed'. */
export function evaluateConditions(
  headers: Readonly<Record<string, string>>,
  v: Validators,
): 'proceed' | 'not-modified' {
  const modified = Math.floor(v.lastModified.getTime() / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, v.etag))
      throw new S3Error('PreconditionFailed', undefined, { extra: { Condition: 'If-Match' } });
  } else {
    const since = secondsOf(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) {
      throw new S3Error('PreconditionFailed', undefined, { extra: { Condition: 'If-Unmodified-Since' } });
    }
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return matches(ifNoneMatch, v.etag) ? 'not-modified' : 'proceed';
  const since = secondsOf(headers['if-modified-since']);
  if (since !== undefined && modified <= since) return 'not-modified';
  return 'proceed';
}
