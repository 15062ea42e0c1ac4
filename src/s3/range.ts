// The Range header as S3 reads it: one range of `bytes=a-b`, `a-`, or `-n`. An end past the object is
// clamped; a range that starts past the end, or a suffix of 0, is unsatisfiable (416). Anything S3
// would ignore (other units, several ranges, garbage) means the whole object.
import type { ByteRange } from '../storage/backend.js';
import { S3Error } from './errors.js';

export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) throw unsatisfiable(size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return undefined;
    if (start >= size) throw unsatisfiable(size);
  }
  return { start, end };
}

function unsatisfiable(size: number): S3Error {
  return new S3Error('InvalidRange', 'The requested range is not satisfiable', {
    extra: { ActualObjectSize: String(size) },
    headers: { 'content-range': `bytes */${size}` },
  });
}
