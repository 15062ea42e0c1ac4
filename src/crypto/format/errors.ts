// Every way a v1 decoder (or encoder, for invalid input) refuses, as one typed error with a reason code, so
// callers and tests tell failures apart without parsing messages. No function that throws a FormatError
// returns any plaintext.

export type FormatErrorReason =
  /** A frame shorter than header + tag (24 bytes). */
  | 'short-frame'
  /** Header version ≠ 1. */
  | 'bad-version'
  /** Unknown header flag bits. */
  | 'bad-flags'
  /** Header reserved bytes ≠ 0. */
  | 'bad-reserved'
  /** A frame index other than the one expected. */
  | 'bad-index'
  /** A FINAL frame where the caller expects the stream to go on. */
  | 'early-final'
  /** The frames end without a FINAL frame where one is expected. */
  | 'missing-final'
  /** A frame after the FINAL one. */
  | 'trailing-frame'
  /** A non-final frame whose plaintext is not exactly F bytes. */
  | 'bad-length'
  /** A body, envelope or decompressed frame larger than allowed. */
  | 'too-large'
  /** An AES-GCM tag that does not verify (frame or sealed metadata). */
  | 'bad-tag'
  /** A ZSTD body that is not exactly one valid zstd frame. */
  | 'bad-zstd'
  | 'bad-commitment'
  | 'bad-mac'
  /** An envelope that does not parse (magic, TLV order, sizes, values, required fields). */
  | 'bad-envelope'
  /** A sealed-metadata body that does not parse. */
  | 'bad-meta'
  /** A wrapped DEK that does not unwrap under this KEK, bucket, key and object id. */
  | 'bad-wrap'
  /** Arguments outside the format (key sizes, log2F, part, offsets…): a caller bug. */
  | 'bad-params'
  /** Something the reference codec cannot do (compress). */
  | 'unsupported';

export class FormatError extends Error {
  readonly reason: FormatErrorReason;

  constructor(reason: FormatErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options);
    this.name = 'FormatError';
    this.reason = reason;
  }
}

export function isFormatError(err: unknown, reason?: FormatErrorReason): err is FormatError {
  return err instanceof FormatError && (reason === undefined || err.reason === reason);
}
