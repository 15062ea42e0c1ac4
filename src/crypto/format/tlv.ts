// The TLV encoding shared by the envelope (§5) and the sealed-metadata body (§5.2):
// field = type (u8) ‖ BE32(length) ‖ value; ascending type order, each type at most once, no unknown types.
import { MAX_U32 } from './constants.js';
import { FormatError, type FormatErrorReason } from './errors.js';
import { be32, concatBytes, readBe32 } from './primitives.js';

export interface TlvField {
  type: number;
  value: Uint8Array;
}

const TLV_HEAD_BYTES = 5;

/** Encodes fields, which must already be in ascending type order with no repeats. */
export function encodeTlv(fields: readonly TlvField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let previous = 0;
  for (const { type, value } of fields) {
    if (!Number.isInteger(type) || type < 1 || type > 255 || type <= previous) {
      throw new FormatError('bad-params', `TLV types must ascend in 1..255 without repeats (type ${type})`);
    }
    if (value.length > MAX_U32) throw new FormatError('bad-params', `TLV field ${type} is too long`);
    previous = type;
    parts.push(Uint8Array.of(type), be32(value.length), value);
  }
  return concatBytes(parts);
}

/**
 * Decodes a TLV sequence; every violation (truncation, order, repeats, types not in `known`) throws
 * a FormatError with `reason`. Values are views into `bytes`.
 */
export function decodeTlv(
  bytes: Uint8Array,
  known: ReadonlySet<number>,
  reason: FormatErrorReason,
): Map<number, Uint8Array> {
  const fields = new Map<number, Uint8Array>();
  let at = 0;
  let previous = 0;
  while (at < bytes.length) {
    if (bytes.length - at < TLV_HEAD_BYTES)
      throw new FormatError(reason, `truncated field header at byte ${at}`);
    const type = bytes[at]!;
    const length = readBe32(bytes, at + 1);
    at += TLV_HEAD_BYTES;
    if (!known.has(type)) throw new FormatError(reason, `unknown field type ${type}`);
    if (type === previous) throw new FormatError(reason, `field ${type} appears twice`);
    if (type < previous) throw new FormatError(reason, `field ${type} after field ${previous}: out of order`);
    if (length > bytes.length - at) throw new FormatError(reason, `field ${type} runs past the end`);
    fields.set(type, bytes.subarray(at, at + length));
    at += length;
    previous = type;
  }
  return fields;
}
