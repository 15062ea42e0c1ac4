// The envelope (§5): magic "JVE1" ‖ TLV fields ‖ MAC, the key commitment (§4) and the MAC (§5.1) bound to
// the bucket and key. Readers follow §8: parse, unwrap the DEK, check the commitment, verify the MAC, and
// only then use any field.
import {
  ALG_AES_256_GCM,
  COMMITMENT_BYTES,
  DEK_BYTES,
  ENVELOPE_MAGIC,
  ENVELOPE_MAX_BYTES,
  EnvelopeField as T,
  LABEL_COMMIT,
  LABEL_ENVELOPE,
  MAC_BYTES,
  MAX_U32,
  MAX_U64,
  OBJECT_ID_BYTES,
  PART_ENTRY_BYTES,
  PART_MAX,
  SALT_BYTES,
  SEQ_GAP_BYTES,
  TAG_BYTES,
  LOG2F_MAX,
  LOG2F_MIN,
} from './constants.js';
import { FormatError } from './errors.js';
import { checkLength, frameCountFits } from './frame.js';
import {
  ascii,
  be32,
  be64,
  concatBytes,
  ctEqual,
  decodeUtf8,
  hkdfSha256,
  hmacSha256,
  readBe32,
  readBe64,
  utf8,
} from './primitives.js';
import { decodeTlv, encodeTlv, type TlvField } from './tlv.js';
import { lengthPrefixed } from './wrap.js';

/** A jump in JetStream sequences: frame `frame` (object-wide ordinal) is at `seq`, later ones follow it. */
export interface SeqGap {
  frame: number;
  seq: bigint;
}

/** One entry of the multipart manifest. */
export interface PartEntry {
  part: number;
  salt: Uint8Array;
  size: bigint;
  frames: number;
  firstSeq: bigint;
}

/** Every field of the §5 table. `salt`+`frames` for a single PUT, `parts` for a multipart object. */
export interface Envelope {
  alg: number;
  log2F: number;
  objectId: Uint8Array;
  salt?: Uint8Array;
  size: bigint;
  frames?: number;
  kekId: string;
  kekVersion: number;
  wrappedDek: Uint8Array;
  commitment: Uint8Array;
  sealed: Uint8Array;
  firstSeq: bigint;
  seqGaps: SeqGap[];
  parts?: PartEntry[];
}

export interface ParsedEnvelope {
  envelope: Envelope;
  /** magic ‖ fields: what the MAC covers after the bucket and key. */
  signed: Uint8Array;
  mac: Uint8Array;
}

const KNOWN = new Set<number>(Object.values(T));
const MAGIC = ascii(ENVELOPE_MAGIC);

/** §4: HMAC(DEK, "jetvault/v1/commit" ‖ object_id). */
export function keyCommitment(dek: Uint8Array, objectId: Uint8Array): Uint8Array {
  checkLength('dek', dek, DEK_BYTES);
  checkLength('objectId', objectId, OBJECT_ID_BYTES);
  return hmacSha256(dek, ascii(LABEL_COMMIT), objectId);
}

/** mac_key = HKDF(DEK, salt = object_id, info = "jetvault/v1/envelope", 32). */
export function envelopeMacKey(dek: Uint8Array, objectId: Uint8Array): Uint8Array {
  checkLength('dek', dek, DEK_BYTES);
  checkLength('objectId', objectId, OBJECT_ID_BYTES);
  return hkdfSha256(dek, objectId, ascii(LABEL_ENVELOPE), 32);
}

/** §5.1: HMAC(mac_key, "jetvault/v1/envelope" ‖ BE16 bucket ‖ BE16 key ‖ magic ‖ fields). */
export function envelopeMac(
  dek: Uint8Array,
  objectId: Uint8Array,
  bucket: string,
  key: string,
  signed: Uint8Array,
): Uint8Array {
  const bound = concatBytes([
    ascii(LABEL_ENVELOPE),
    lengthPrefixed('bucket', bucket),
    lengthPrefixed('key', key),
  ]);
  return hmacSha256(envelopeMacKey(dek, objectId), bound, signed);
}

type Reason = 'bad-params' | 'bad-envelope';

/** Every rule on field values and on how they fit together; the encoder and the decoder share it. */
function checkEnvelope(env: Envelope, reason: Reason): void {
  const fail = (message: string): never => {
    throw new FormatError(reason, message);
  };
  const u32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_U32;
  const u64 = (n: bigint): boolean => typeof n === 'bigint' && n >= 0n && n <= MAX_U64;
  const bytes = (b: unknown): b is Uint8Array => b instanceof Uint8Array;
  if (env.alg !== ALG_AES_256_GCM) fail(`unknown algorithm ${env.alg}`);
  if (!Number.isInteger(env.log2F) || env.log2F < LOG2F_MIN || env.log2F > LOG2F_MAX)
    fail(`log2F ${env.log2F} out of range`);
  if (!bytes(env.objectId) || env.objectId.length !== OBJECT_ID_BYTES) fail('object_id must be 16 bytes');
  if (!u64(env.size)) fail('size must be a u64');
  if (typeof env.kekId !== 'string' || env.kekId.length === 0) fail('kek_id must be a non-empty name');
  if (!u32(env.kekVersion)) fail('kek_version must be a u32');
  if (!bytes(env.wrappedDek) || env.wrappedDek.length === 0) fail('wrapped_dek is empty');
  if (!bytes(env.commitment) || env.commitment.length !== COMMITMENT_BYTES)
    fail('commitment must be 32 bytes');
  if (!bytes(env.sealed) || env.sealed.length < TAG_BYTES) fail('sealed metadata is shorter than its tag');
  if (!u64(env.firstSeq) || env.firstSeq < 1n) fail('first_seq must be a JetStream sequence (≥ 1)');
  const single = env.salt !== undefined || env.frames !== undefined;
  let totalFrames: number;
  if (single) {
    if (env.parts !== undefined) fail('an envelope is either single-PUT (salt, frames) or multipart (parts)');
    if (!bytes(env.salt) || env.salt.length !== SALT_BYTES)
      fail('a single-PUT envelope needs a 16-byte salt');
    if (env.frames === undefined || !u32(env.frames)) fail('a single-PUT envelope needs a u32 frame count');
    if (!frameCountFits(BigInt(env.frames!), env.size, env.log2F))
      fail(`${env.frames} frames cannot hold ${env.size} bytes`);
    totalFrames = env.frames!;
  } else {
    if (env.parts === undefined || env.parts.length === 0)
      fail('an envelope needs salt+frames or a non-empty parts list');
    let previous = 0;
    let sum = 0n;
    totalFrames = 0;
    for (const p of env.parts!) {
      if (!Number.isInteger(p.part) || p.part <= previous || p.part > PART_MAX)
        fail(`part numbers must ascend in 1..${PART_MAX}`);
      if (!bytes(p.salt) || p.salt.length !== SALT_BYTES) fail(`part ${p.part}: salt must be 16 bytes`);
      if (!u64(p.size) || !u32(p.frames) || !frameCountFits(BigInt(p.frames), p.size, env.log2F)) {
        fail(`part ${p.part}: ${p.frames} frames cannot hold ${p.size} bytes`);
      }
      if (!u64(p.firstSeq) || p.firstSeq < 1n) fail(`part ${p.part}: first_seq must be ≥ 1`);
      previous = p.part;
      sum += p.size;
      totalFrames += p.frames;
    }
    if (sum !== env.size) fail(`the parts add up to ${sum} bytes, the envelope says ${env.size}`);
  }
  // Gaps: frame ordinals ascend inside the object and each gap jumps forward from where the sequence would be.
  let base = { frame: 0, seq: env.firstSeq };
  for (const g of env.seqGaps) {
    if (!u32(g.frame) || g.frame <= base.frame || g.frame >= totalFrames)
      fail(`seq gap at frame ${g.frame} out of order or range`);
    if (!u64(g.seq) || g.seq <= base.seq + BigInt(g.frame - base.frame))
      fail(`seq gap at frame ${g.frame} does not jump forward`);
    base = g;
  }
}

function encodeParts(parts: readonly PartEntry[]): Uint8Array {
  return concatBytes(
    parts.flatMap((p) => [be32(p.part), p.salt, be64(p.size), be32(p.frames), be64(p.firstSeq)]),
  );
}

/** magic ‖ fields (what the MAC signs), after checking every value. */
export function encodeEnvelopeSigned(env: Envelope): Uint8Array {
  checkEnvelope(env, 'bad-params');
  const f: TlvField[] = [
    { type: T.alg, value: Uint8Array.of(env.alg) },
    { type: T.log2F, value: Uint8Array.of(env.log2F) },
    { type: T.objectId, value: env.objectId },
  ];
  if (env.salt !== undefined) f.push({ type: T.salt, value: env.salt });
  f.push({ type: T.size, value: be64(env.size) });
  if (env.frames !== undefined) f.push({ type: T.frames, value: be32(env.frames) });
  f.push(
    { type: T.kekId, value: utf8(env.kekId) },
    { type: T.kekVersion, value: be32(env.kekVersion) },
    { type: T.wrappedDek, value: env.wrappedDek },
    { type: T.commitment, value: env.commitment },
    { type: T.sealed, value: env.sealed },
    { type: T.firstSeq, value: be64(env.firstSeq) },
    { type: T.seqGaps, value: concatBytes(env.seqGaps.flatMap((g) => [be32(g.frame), be64(g.seq)])) },
  );
  if (env.parts !== undefined) f.push({ type: T.parts, value: encodeParts(env.parts) });
  const signed = concatBytes([MAGIC, encodeTlv(f)]);
  if (signed.length + MAC_BYTES > ENVELOPE_MAX_BYTES)
    throw new FormatError('too-large', 'envelope over 1 MiB');
  return signed;
}

/** The whole envelope: magic ‖ fields ‖ MAC (§5.1, bound to bucket and key). */
export function encodeEnvelope(env: Envelope, dek: Uint8Array, bucket: string, key: string): Uint8Array {
  const signed = encodeEnvelopeSigned(env);
  return concatBytes([signed, envelopeMac(dek, env.objectId, bucket, key, signed)]);
}

/** §8 step 1: magic, field order, sizes and values. Nothing here is authenticated yet. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (bytes.length > ENVELOPE_MAX_BYTES)
    throw new FormatError('too-large', `envelope of ${bytes.length} bytes`);
  if (bytes.length < MAGIC.length + MAC_BYTES) throw new FormatError('bad-envelope', 'envelope too short');
  if (!ctEqual(bytes.subarray(0, MAGIC.length), MAGIC)) throw new FormatError('bad-envelope', 'bad magic');
  const signed = bytes.subarray(0, bytes.length - MAC_BYTES);
  const fields = decodeTlv(signed.subarray(MAGIC.length), KNOWN, 'bad-envelope');
  const get = (type: number, name: string, size?: number): Uint8Array => {
    const v = fields.get(type);
    if (v === undefined) throw new FormatError('bad-envelope', `missing ${name}`);
    if (size !== undefined && v.length !== size)
      throw new FormatError('bad-envelope', `${name} must be ${size} bytes, is ${v.length}`);
    return v;
  };
  const opt = (type: number, name: string, size: number): Uint8Array | undefined =>
    fields.has(type) ? get(type, name, size) : undefined;
  const kekId = decodeUtf8(get(T.kekId, 'kek_id'));
  if (kekId === undefined) throw new FormatError('bad-envelope', 'kek_id is not UTF-8');
  const gaps = get(T.seqGaps, 'seq_gaps');
  if (gaps.length % SEQ_GAP_BYTES !== 0)
    throw new FormatError('bad-envelope', 'seq_gaps is not a whole number of entries');
  const envelope: Envelope = {
    alg: get(T.alg, 'alg', 1)[0]!,
    log2F: get(T.log2F, 'log2F', 1)[0]!,
    objectId: get(T.objectId, 'object_id', OBJECT_ID_BYTES).slice(),
    size: readBe64(get(T.size, 'size', 8)),
    kekId,
    kekVersion: readBe32(get(T.kekVersion, 'kek_version', 4)),
    wrappedDek: get(T.wrappedDek, 'wrapped_dek').slice(),
    commitment: get(T.commitment, 'commitment', COMMITMENT_BYTES).slice(),
    sealed: get(T.sealed, 'sealed').slice(),
    firstSeq: readBe64(get(T.firstSeq, 'first_seq', 8)),
    seqGaps: [],
  };
  for (let at = 0; at < gaps.length; at += SEQ_GAP_BYTES) {
    envelope.seqGaps.push({ frame: readBe32(gaps, at), seq: readBe64(gaps, at + 4) });
  }
  const salt = opt(T.salt, 'salt', SALT_BYTES);
  if (salt !== undefined) envelope.salt = salt.slice();
  const frames = opt(T.frames, 'frames', 4);
  if (frames !== undefined) envelope.frames = readBe32(frames);
  const parts = fields.get(T.parts);
  if (parts !== undefined) {
    if (parts.length % PART_ENTRY_BYTES !== 0)
      throw new FormatError('bad-envelope', 'parts is not a whole number of entries');
    envelope.parts = [];
    for (let at = 0; at < parts.length; at += PART_ENTRY_BYTES) {
      envelope.parts.push({
        part: readBe32(parts, at),
        salt: parts.slice(at + 4, at + 20),
        size: readBe64(parts, at + 20),
        frames: readBe32(parts, at + 28),
        firstSeq: readBe64(parts, at + 32),
      });
    }
  }
  checkEnvelope(envelope, 'bad-envelope');
  return { envelope, signed: signed.slice(), mac: bytes.slice(bytes.length - MAC_BYTES) };
}

/** §8 steps 3–4: the commitment, then the MAC, both in constant time. */
export function verifyEnvelope(parsed: ParsedEnvelope, dek: Uint8Array, bucket: string, key: string): void {
  const { envelope } = parsed;
  if (!ctEqual(keyCommitment(dek, envelope.objectId), envelope.commitment)) {
    throw new FormatError('bad-commitment', 'the DEK does not match the envelope commitment');
  }
  if (!ctEqual(envelopeMac(dek, envelope.objectId, bucket, key, parsed.signed), parsed.mac)) {
    throw new FormatError('bad-mac', 'the envelope MAC does not verify for this bucket and key');
  }
}

/**
 * §8 steps 1–4 in order. `unwrapDek` turns the envelope's kek_id/kek_version/wrapped_dek into the DEK (for a
 * local KEK: unwrapDekLocal with the KEK of that name and version) and throws when it cannot.
 */
export function openEnvelope(
  bytes: Uint8Array,
  bucket: string,
  key: string,
  unwrapDek: (envelope: Envelope) => Uint8Array,
): { envelope: Envelope; dek: Uint8Array } {
  const parsed = parseEnvelope(bytes);
  const dek = unwrapDek(parsed.envelope);
  checkLength('unwrapped DEK', dek, DEK_BYTES);
  verifyEnvelope(parsed, dek, bucket, key);
  return { envelope: parsed.envelope, dek };
}

/** The envelope as stored in metadata["jetvault.env"]: base64url without padding. */
export function envelopeToMeta(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Strict base64url (no padding, canonical) → bytes; anything else is 'bad-envelope'. */
export function envelopeFromMeta(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1)
    throw new FormatError('bad-envelope', 'not base64url');
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (Buffer.from(bytes).toString('base64url') !== text)
    throw new FormatError('bad-envelope', 'non-canonical base64url');
  return bytes;
}

/** The JetStream sequence of the object's frame `ordinal` (frames of all parts in manifest order). */
export function frameSequence(envelope: Pick<Envelope, 'firstSeq' | 'seqGaps'>, ordinal: number): bigint {
  let base = { frame: 0, seq: envelope.firstSeq };
  for (const g of envelope.seqGaps) {
    if (g.frame > ordinal) break;
    base = g;
  }
  return base.seq + BigInt(ordinal - base.frame);
}
