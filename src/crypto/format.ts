// jetvault storage format v1 — FROZEN (docs/format.md). The constants and pure helpers every codec, writer
// and reader shares: frame header, nonce, AAD, stream keys (§2–§3), key commitment (§4), envelope and MAC
// (§5), sealed metadata (§5.2) and local DEK wrapping (§6). All on node:crypto; every refusal is a
// FormatError with a reason code. Golden vectors in test/fixtures/frames/v1/ pin these bytes forever.
export * from './format/constants.js';
export * from './format/errors.js';
export * from './format/primitives.js';
export * from './format/frame.js';
export * from './format/tlv.js';
export * from './format/envelope.js';
export * from './format/meta.js';
export * from './format/wrap.js';
