// The frame tamper suite (test/helpers/tamper-cases.ts), run against the native codec: every damaged
// frame or stream is a FormatError with the same reason the reference gives, never plaintext.
import { describe, test } from 'node:test';
import { openBatch, sealBatch } from '../../src/crypto/native.js';
import { tamperCases } from '../helpers/tamper-cases.js';

describe('frame tamper suite (native codec)', () => {
  const codec = { seal: sealBatch, open: openBatch };
  for (const c of tamperCases(codec)) test(`${c.name} → ${c.reason ?? 'opens'}`, () => c.run());
});
