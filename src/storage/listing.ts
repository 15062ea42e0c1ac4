// One page of an S3 listing from keys already in UTF-8 binary order: prefix, delimiter grouping into
// common prefixes, start-after and max-keys, shared by every backend so they page identically.
import type { ListEntry, ListObjectsInput, ListObjectsResult } from './backend.js';

/** S3 orders keys by their UTF-8 bytes; JS string comparison orders by UTF-16 code units, which differs. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Builds a page from `entries`, which must be sorted with compareKeys. Stops reading the iterable as soon
 * as the page is full and one more item proves it truncated.
 */
export async function pageFromSorted(
  entries: AsyncIterable<ListEntry> | Iterable<ListEntry>,
  input: Omit<ListObjectsInput, 'bucket'>,
): Promise<ListObjectsResult> {
  const { prefix, delimiter, startAfter, maxKeys } = input;
  // S3 answers max-keys=0 with an empty, untruncated page (there is no key to continue after).
  if (maxKeys === 0)
    return { objects: [], commonPrefixes: [], isTruncated: false, nextStartAfter: undefined };
  const objects: ListEntry[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let isTruncated = false;
  for await (const entry of entries) {
    const { key } = entry;
    if (!key.startsWith(prefix)) continue;
    if (startAfter !== '' && compareKeys(key, startAfter) <= 0) continue;
    let rolled: string | undefined;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at !== -1) rolled = key.slice(0, at + delimiter.length);
    }
    if (rolled !== undefined) {
      // Keys under a prefix already returned fold into it; a start-after inside that prefix skips it.
      if (rolled === last) continue;
      if (startAfter !== '' && compareKeys(rolled, startAfter) <= 0) continue;
    }
    if (objects.length + commonPrefixes.length >= maxKeys) {
      isTruncated = true;
      break;
    }
    if (rolled !== undefined) {
      commonPrefixes.push(rolled);
      last = rolled;
    } else {
      objects.push(entry);
      last = key;
    }
  }
  return { objects, commonPrefixes, isTruncated, nextStartAfter: isTruncated ? last : undefined };
}
