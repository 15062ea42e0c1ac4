// The canonical-request building blocks, pinned on the cases where S3 differs from naive URL handling.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalUri,
  parseQuery,
  percentDecode,
  uriEncode,
} from '../../../../src/s3/sigv4/canonical.js';

describe('uriEncode / percentDecode', () => {
  it('keeps only A-Za-z0-9-._~ and escapes every other byte in upper-case hex', () => {
    assert.equal(
      uriEncode(Buffer.from("aZ09-._~ /+%!*'()=&$é")),
      'aZ09-._~%20%2F%2B%25%21%2A%27%28%29%3D%26%24%C3%A9',
    );
  });

  it('decodes to bytes, including ones that are not UTF-8', () => {
    assert.deepEqual(percentDecode('%ff%FE%41'), Buffer.from([0xff, 0xfe, 0x41]));
  });

  it("keeps a '%' that does not start an escape", () => {
    assert.equal(percentDecode('100%').toString(), '100%');
    assert.equal(percentDecode('%zz%4').toString(), '%zz%4');
  });

  it("'+' is a plus unless form decoding is asked for", () => {
    assert.equal(percentDecode('a+b').toString(), 'a+b');
    assert.equal(percentDecode('a+b', true).toString(), 'a b');
  });
});

describe('canonicalUri', () => {
  it('does not normalise the path (S3 keys may contain //, . and ..)', () => {
    assert.equal(canonicalUri('//a/./b/../c//'), '//a/./b/../c//');
  });

  it('re-encodes whatever escaping the client used', () => {
    for (const raw of ['/b/%7Euser/caf%C3%A9 x', '/b/~user/café%20x', '/b/%7euser/caf%c3%a9%20x']) {
      assert.equal(canonicalUri(raw), '/b/~user/caf%C3%A9%20x');
    }
  });

  it("keeps a '+' in the path a plus and an escaped slash escaped", () => {
    assert.equal(canonicalUri('/b/a+b'), '/b/a%2Bb');
    assert.equal(canonicalUri('/b/a%2Fb/c'), '/b/a%2Fb/c');
  });

  it("an empty path is '/'", () => {
    assert.equal(canonicalUri(''), '/');
  });
});

describe('canonicalQuery', () => {
  it('sorts by name then value, gives empty values an =, and skips empty pieces', () => {
    const q = parseQuery('prefix=a%20b&list-type=2&&delimiter=/&uploads&tag=b&tag=a');
    assert.equal(canonicalQuery(q), 'delimiter=%2F&list-type=2&prefix=a%20b&tag=a&tag=b&uploads=');
  });

  it("reads a raw '+' as a plus, or as a space in form mode", () => {
    assert.equal(canonicalQuery(parseQuery('p=a+b')), 'p=a%2Bb');
    assert.equal(canonicalQuery(parseQuery('p=a+b', true)), 'p=a%20b');
  });

  it('leaves out X-Amz-Signature only when told to', () => {
    const q = parseQuery('X-Amz-Signature=ff&a=1');
    assert.equal(canonicalQuery(q, 'X-Amz-Signature'), 'a=1');
    assert.equal(canonicalQuery(q), 'X-Amz-Signature=ff&a=1');
  });

  it('sorts by byte value of the encoded names (escapes first, upper case before lower case)', () => {
    assert.equal(canonicalQuery(parseQuery('b=1&B=2&a=3&%C3%A9=4')), '%C3%A9=4&B=2&a=3&b=1');
  });
});

describe('canonicalHeaders', () => {
  it('trims and collapses runs of spaces, keeps the listed order, and treats a missing header as empty', () => {
    const headers = { host: 'h', 'x-amz-meta-a': '  a   b \t c  ', range: 'bytes=0-9' };
    assert.equal(
      canonicalHeaders(headers, ['host', 'range', 'x-amz-meta-a', 'x-amz-meta-missing']),
      'host:h\nrange:bytes=0-9\nx-amz-meta-a:a b c\nx-amz-meta-missing:\n',
    );
  });
});
