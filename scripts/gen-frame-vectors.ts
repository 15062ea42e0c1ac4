// Writes the golden vectors of storage format v1 to test/fixtures/frames/v1/ from fixed inputs, using the
// reference codec and src/crypto/format.ts. The format is frozen, so this never rewrites a vector: it writes
// the missing files and fails if an existing file differs from what it computes (a format change).
//   node dist/scripts/gen-frame-vectors.js          write missing files, check the others
//   node dist/scripts/gen-frame-vectors.js --check  only check
// test/unit/crypto/vectors.test.ts decodes every file here with the reference, forever.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StreamParams } from '../src/crypto/codec.js';
import {
  ENVELOPE_MAGIC,
  deriveStreamKeys,
  encodeEnvelope,
  encodeMetaBody,
  envelopeMac,
  envelopeMacKey,
  envelopeToMeta,
  frameAad,
  frameSize,
  frameNonce,
  keyCommitment,
  metaKey,
  sealMetadata,
  splitFrame,
  wrapAad,
  wrapDekLocal,
  type Envelope,
  type SealedMetadata,
} from '../src/crypto/format.js';
import { openStream, sealStream } from '../src/crypto/reference.js';
import { packageRoot } from '../src/config/package-root.js';

export const VECTOR_DIR = 'test/fixtures/frames/v1';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
/** Bytes start, start+1, … (mod 256). */
const ramp = (length: number, start: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

export const GOLDEN_DEK = ramp(32, 0x00);
export const GOLDEN_OBJECT_ID = ramp(16, 0xa0);
export const GOLDEN_LOG2F = 16;
/** Each stream vector gets its own salt, as every real stream does: 0xb0..0xbe ‖ case number. */
const saltFor = (n: number): Uint8Array => Uint8Array.from([...ramp(15, 0xb0), n]);

/** Incompressible, reproducible plaintext: SHA-256("jetvault/v1/golden-plaintext" ‖ BE32(i)) for i = 0, 1, … */
export function goldenPlaintext(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, at = 0; at < length; i++, at += 32) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    const block = createHash('sha256').update('jetvault/v1/golden-plaintext').update(counter).digest();
    out.set(block.subarray(0, Math.min(32, length - at)), at);
  }
  return out;
}

/** Compressible, reproducible plaintext for compressed vectors: numbered text lines, cut at `length`. */
export function goldenText(length: number): Uint8Array {
  let text = '';
  for (let i = 0; text.length < length; i++)
    text += `line ${String(i).padStart(6, '0')}: jetvault golden frame text\n`;
  return new Uint8Array(Buffer.from(text.slice(0, length), 'latin1'));
}

interface StreamCase {
  name: string;
  description: string;
  length: number;
  part: number;
  saltNumber: number;
}

const F = frameSize(GOLDEN_LOG2F);
export const STREAM_CASES: readonly StreamCase[] = [
  { name: 'empty', description: 'empty object: one empty FINAL frame', length: 0, part: 0, saltNumber: 1 },
  { name: '1', description: 'one byte', length: 1, part: 0, saltNumber: 2 },
  {
    name: 'f-minus-1',
    description: 'F - 1 bytes: one short FINAL frame',
    length: F - 1,
    part: 0,
    saltNumber: 3,
  },
  { name: 'f', description: 'exactly F bytes: one full FINAL frame', length: F, part: 0, saltNumber: 4 },
  {
    name: 'f-plus-1',
    description: 'F + 1 bytes: a full frame, then a 1-byte FINAL frame',
    length: F + 1,
    part: 0,
    saltNumber: 5,
  },
  {
    name: '2f-plus-5',
    description: '2F + 5 bytes: two full frames and a 5-byte FINAL frame',
    length: 2 * F + 5,
    part: 0,
    saltNumber: 6,
  },
  {
    name: 'part7-f-plus-1',
    description: 'multipart part 7, F + 1 bytes',
    length: F + 1,
    part: 7,
    saltNumber: 7,
  },
];

/**
 * Compressed-frame vectors. The reference cannot compress (Node 20 has no zstd), so these frames are made
 * once by the native codec (zstd level 1) when their file is missing, and frozen from then on: another
 * zstd version may compress differently, so later runs do not re-seal them but check that the reference
 * opens the stored frames back to goldenText(length) (and the vectors test re-checks every frame).
 */
export const COMPRESSED_CASES: readonly StreamCase[] = [
  {
    name: 'zstd-2f-plus-100',
    description: 'compressible text, 2F + 100 bytes, every frame stored as zstd',
    length: 2 * F + 100,
    part: 0,
    saltNumber: 8,
  },
  {
    name: 'zstd-part3-f',
    description: 'multipart part 3, exactly F bytes of text, one compressed FINAL frame',
    length: F,
    part: 3,
    saltNumber: 9,
  },
];

async function nativeCompressedFrames(c: StreamCase): Promise<Uint8Array[]> {
  const { sealBatch } = await import('../src/crypto/native.js');
  const sealed = sealBatch({
    stream: params(c.part, c.saltNumber),
    firstIndex: 0,
    plaintext: goldenText(c.length),
    final: true,
    compress: true,
  });
  const frames: Uint8Array[] = [];
  for (let k = 0; k + 1 < sealed.offsets.length; k++) {
    frames.push(sealed.frames.slice(sealed.offsets[k], sealed.offsets[k + 1]));
  }
  if (sealed.compressed !== frames.length) throw new Error(`${c.name}: not every frame compressed`);
  return frames;
}

/** Writes missing compressed vectors; checks existing ones decode with the reference. */
async function compressedVectors(dir: string, checkOnly: boolean): Promise<number> {
  let failed = 0;
  for (const c of COMPRESSED_CASES) {
    const path = join(dir, `stream-${c.name}.json`);
    const p = params(c.part, c.saltNumber);
    if (existsSync(path)) {
      const v = JSON.parse(readFileSync(path, 'utf8')) as { frames: { frameBase64: string }[] };
      const frames = v.frames.map((f) => new Uint8Array(Buffer.from(f.frameBase64, 'base64')));
      if (!Buffer.from(openStream(p, frames)).equals(goldenText(c.length))) {
        console.error(`${path}: the reference does not open it to its plaintext`);
        failed++;
      }
    } else if (checkOnly) {
      console.error(`missing ${path}`);
      failed++;
    } else {
      writeFileSync(
        path,
        `${JSON.stringify(streamVector(c, goldenText(c.length), await nativeCompressedFrames(c)), null, 2)}\n`,
      );
      console.log(`wrote ${path}`);
    }
  }
  return failed;
}

function params(part: number, saltNumber: number): StreamParams {
  return {
    dek: GOLDEN_DEK,
    objectId: GOLDEN_OBJECT_ID,
    salt: saltFor(saltNumber),
    part,
    log2F: GOLDEN_LOG2F,
  };
}

function streamVector(c: StreamCase, plaintext: Uint8Array, frames: readonly Uint8Array[]): object {
  const p = params(c.part, c.saltNumber);
  const { key, noncePrefix } = deriveStreamKeys(p);
  return {
    description: c.description,
    format: 1,
    params: {
      dekHex: hex(p.dek),
      objectIdHex: hex(p.objectId),
      saltHex: hex(p.salt),
      part: p.part,
      log2F: p.log2F,
    },
    derived: { streamKeyHex: hex(key), noncePrefixHex: hex(noncePrefix) },
    plaintextLength: plaintext.length,
    plaintextSha256Hex: createHash('sha256').update(plaintext).digest('hex'),
    plaintextBase64: b64(plaintext),
    frames: frames.map((frame, index) => {
      const { header, headerBytes } = splitFrame(frame);
      // Every frame but the last holds F plaintext bytes, compressed or not (format.md §3).
      const entry = {
        index,
        flags: header.flags,
        plaintextOffset: index * 2 ** p.log2F,
        nonceHex: hex(frameNonce(noncePrefix, index, header.final)),
        aadHex: hex(frameAad(p, headerBytes)),
        frameBase64: b64(frame),
      };
      return entry;
    }),
  };
}

const GOLDEN_BUCKET = 'golden.bucket';
/** "dir/ünï cødé+1.txt" in NFC, spelled with escapes so no editor can change its bytes. */
const GOLDEN_KEY = 'dir/\u00fcn\u00ef c\u00f8d\u00e9+1.txt';
const GOLDEN_KEK = ramp(32, 0x40);
const GOLDEN_WRAP_NONCE = ramp(12, 0xc0);
const GOLDEN_META: SealedMetadata = {
  etag: '"9e107d9d372bb6826bd81d3542a419d6"',
  checksumAlgorithm: 'CRC32C',
  checksum: fromHex('e3069283'),
  checksumType: 'FULL_OBJECT',
};

function metaVector(): object {
  return {
    description: 'sealed metadata (§5.2) under the golden DEK and object id',
    dekHex: hex(GOLDEN_DEK),
    objectIdHex: hex(GOLDEN_OBJECT_ID),
    meta: {
      etag: GOLDEN_META.etag,
      checksumAlgorithm: GOLDEN_META.checksumAlgorithm,
      checksumHex: hex(GOLDEN_META.checksum!),
      checksumType: GOLDEN_META.checksumType,
    },
    metaKeyHex: hex(metaKey(GOLDEN_DEK, GOLDEN_OBJECT_ID)),
    bodyHex: hex(encodeMetaBody(GOLDEN_META)),
    sealedHex: hex(sealMetadata(GOLDEN_DEK, GOLDEN_OBJECT_ID, GOLDEN_META)),
  };
}

function wrapVector(): object {
  return {
    description:
      'DEK wrapped under a local KEK (§6), with a fixed nonce for the vector (real wraps draw it at random)',
    kekHex: hex(GOLDEN_KEK),
    dekHex: hex(GOLDEN_DEK),
    bucket: GOLDEN_BUCKET,
    key: GOLDEN_KEY,
    keyUtf8Hex: hex(Buffer.from(GOLDEN_KEY, 'utf8')),
    objectIdHex: hex(GOLDEN_OBJECT_ID),
    nonceHex: hex(GOLDEN_WRAP_NONCE),
    wrapAadHex: hex(wrapAad(GOLDEN_BUCKET, GOLDEN_KEY, GOLDEN_OBJECT_ID)),
    wrappedDekHex: hex(
      wrapDekLocal(GOLDEN_KEK, GOLDEN_DEK, GOLDEN_BUCKET, GOLDEN_KEY, GOLDEN_OBJECT_ID, GOLDEN_WRAP_NONCE),
    ),
  };
}

/** Envelope fields as JSON (u64 values as decimal strings). */
export function envelopeToJson(env: Envelope): object {
  return {
    alg: env.alg,
    log2F: env.log2F,
    objectIdHex: hex(env.objectId),
    ...(env.salt !== undefined ? { saltHex: hex(env.salt) } : {}),
    size: env.size.toString(),
    ...(env.frames !== undefined ? { frames: env.frames } : {}),
    kekId: env.kekId,
    kekVersion: env.kekVersion,
    wrappedDekHex: hex(env.wrappedDek),
    commitmentHex: hex(env.commitment),
    sealedHex: hex(env.sealed),
    firstSeq: env.firstSeq.toString(),
    seqGaps: env.seqGaps.map((g) => ({ frame: g.frame, seq: g.seq.toString() })),
    ...(env.parts !== undefined
      ? {
          parts: env.parts.map((p) => ({
            part: p.part,
            saltHex: hex(p.salt),
            size: p.size.toString(),
            frames: p.frames,
            firstSeq: p.firstSeq.toString(),
          })),
        }
      : {}),
  };
}

export function goldenEnvelope(multipart: boolean): Envelope {
  const common = {
    alg: 1,
    log2F: GOLDEN_LOG2F,
    objectId: GOLDEN_OBJECT_ID,
    kekId: 'golden-kek',
    kekVersion: 3,
    wrappedDek: wrapDekLocal(
      GOLDEN_KEK,
      GOLDEN_DEK,
      GOLDEN_BUCKET,
      GOLDEN_KEY,
      GOLDEN_OBJECT_ID,
      GOLDEN_WRAP_NONCE,
    ),
    commitment: keyCommitment(GOLDEN_DEK, GOLDEN_OBJECT_ID),
    sealed: sealMetadata(GOLDEN_DEK, GOLDEN_OBJECT_ID, GOLDEN_META),
    firstSeq: 1000n,
  };
  if (!multipart) {
    return {
      ...common,
      salt: saltFor(6),
      size: BigInt(2 * F + 5),
      frames: 3,
      seqGaps: [{ frame: 2, seq: 1100n }],
    };
  }
  return {
    ...common,
    size: BigInt(6 * F + 3),
    seqGaps: [
      { frame: 5, seq: 2000n },
      { frame: 6, seq: 2500n },
    ],
    parts: [
      { part: 1, salt: saltFor(8), size: BigInt(5 * F), frames: 5, firstSeq: 1000n },
      { part: 2, salt: saltFor(9), size: 3n, frames: 1, firstSeq: 2000n },
      { part: 4, salt: saltFor(10), size: BigInt(F), frames: 1, firstSeq: 2500n },
    ],
  };
}

function envelopeVector(multipart: boolean): object {
  const env = goldenEnvelope(multipart);
  const bytes = encodeEnvelope(env, GOLDEN_DEK, GOLDEN_BUCKET, GOLDEN_KEY);
  const signed = bytes.subarray(0, bytes.length - 32);
  return {
    description: multipart
      ? 'multipart envelope (§5): parts manifest and seq gaps at part boundaries, MAC bound to bucket and key'
      : 'single-PUT envelope (§5) with one seq gap, MAC bound to bucket and key',
    magic: ENVELOPE_MAGIC,
    bucket: GOLDEN_BUCKET,
    key: GOLDEN_KEY,
    keyUtf8Hex: hex(Buffer.from(GOLDEN_KEY, 'utf8')),
    kekHex: hex(GOLDEN_KEK),
    dekHex: hex(GOLDEN_DEK),
    wrapNonceHex: hex(GOLDEN_WRAP_NONCE),
    meta: {
      etag: GOLDEN_META.etag,
      checksumAlgorithm: 'CRC32C',
      checksumHex: 'e3069283',
      checksumType: 'FULL_OBJECT',
    },
    fields: envelopeToJson(env),
    derived: {
      commitmentHex: hex(keyCommitment(GOLDEN_DEK, GOLDEN_OBJECT_ID)),
      macKeyHex: hex(envelopeMacKey(GOLDEN_DEK, GOLDEN_OBJECT_ID)),
    },
    macHex: hex(envelopeMac(GOLDEN_DEK, GOLDEN_OBJECT_ID, GOLDEN_BUCKET, GOLDEN_KEY, signed)),
    envelopeHex: hex(bytes),
    envelopeBase64url: envelopeToMeta(bytes),
  };
}

/** Every vector file: name → JSON text. */
export function buildVectors(): Map<string, string> {
  const files = new Map<string, string>();
  const put = (name: string, value: object): void => {
    files.set(name, `${JSON.stringify(value, null, 2)}\n`);
  };
  for (const c of STREAM_CASES) {
    const plaintext = goldenPlaintext(c.length);
    put(
      `stream-${c.name}.json`,
      streamVector(c, plaintext, sealStream(params(c.part, c.saltNumber), plaintext)),
    );
  }
  put('sealed-meta.json', metaVector());
  put('wrapped-dek.json', wrapVector());
  put('envelope-single.json', envelopeVector(false));
  put('envelope-multipart.json', envelopeVector(true));
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const checkOnly = process.argv.includes('--check');
  const dir = join(packageRoot(), VECTOR_DIR);
  mkdirSync(dir, { recursive: true });
  let failed = 0;
  for (const [name, text] of buildVectors()) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      if (checkOnly) {
        console.error(`missing ${path}`);
        failed++;
      } else {
        writeFileSync(path, text);
        console.log(`wrote ${path}`);
      }
    } else if (readFileSync(path, 'utf8') !== text) {
      console.error(`${path} differs from what format v1 computes: the format is frozen, find what changed`);
      failed++;
    }
  }
  failed += await compressedVectors(dir, checkOnly);
  if (failed > 0) process.exit(1);
}
