// Test helpers for the native codec: stream parameters, deterministic data, and an independent
// encoder/decoder built on node:crypto and fzstd (not on the addon), straight from docs/format.md.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { decompress } from 'fzstd';
import type { StreamParams } from '../../src/crypto/codec.js';

export function stream(log2F: number, part = 0): StreamParams {
  return {
    dek: new Uint8Array(randomBytes(32)),
    objectId: new Uint8Array(randomBytes(16)),
    salt: new Uint8Array(randomBytes(16)),
    part,
    log2F,
  };
}

/** Deterministic incompressible bytes (LCG, top byte). */
export function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Compressible text. */
export function text(n: number): Uint8Array {
  const line = 'jetvault stores objects in NATS JetStream, sealed frame by frame. ';
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = line.charCodeAt(i % line.length) ^ (i % 7919 === 0 ? 1 : 0);
  return out;
}

const be32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

export function streamKeys(s: StreamParams): { key: Buffer; prefix: Buffer } {
  const info = Buffer.concat([Buffer.from('jetvault/v1/stream'), s.objectId, be32(s.part)]);
  const okm = Buffer.from(hkdfSync('sha256', s.dek, s.salt, info, 39));
  return { key: okm.subarray(0, 32), prefix: okm.subarray(32) };
}

function nonceAndAad(s: StreamParams, header: Uint8Array): { nonce: Buffer; aad: Buffer } {
  const { prefix } = streamKeys(s);
  const nonce = Buffer.concat([prefix, Buffer.from(header.subarray(4, 8)), Buffer.from([header[1]! & 1])]);
  const aad = Buffer.concat([Buffer.from([1, 1, s.log2F]), header, be32(s.part), s.objectId, s.salt]);
  return { nonce, aad };
}

export interface RawHeader {
  index: number;
  flags: number;
  version?: number;
  reserved?: number;
}

export function header(h: RawHeader): Uint8Array {
  const b = Buffer.alloc(8);
  b[0] = h.version ?? 1;
  b[1] = h.flags;
  b.writeUInt16BE(h.reserved ?? 0, 2);
  b.writeUInt32BE(h.index, 4);
  return new Uint8Array(b);
}

/** Encrypts any body under any header, valid tag included (to build frames the writer never makes). */
export function encryptFrame(s: StreamParams, h: RawHeader, body: Uint8Array): Uint8Array {
  const hdr = header(h);
  const { key } = streamKeys(s);
  const { nonce, aad } = nonceAndAad(s, hdr);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(body), c.final()]);
  return new Uint8Array(Buffer.concat([hdr, ct, c.getAuthTag()]));
}

/** Decrypts one frame's body (still compressed if ZSTD); throws on a bad tag. */
export function decryptBody(s: StreamParams, frame: Uint8Array): Uint8Array {
  const hdr = frame.subarray(0, 8);
  const { key } = streamKeys(s);
  const { nonce, aad } = nonceAndAad(s, hdr);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(frame.subarray(frame.length - 16));
  return new Uint8Array(Buffer.concat([d.update(frame.subarray(8, frame.length - 16)), d.final()]));
}

export interface Decoded {
  plaintext: Uint8Array;
  indexes: number[];
  flags: number[];
}

/** An independent decoder for a run of frames (node:crypto + fzstd). */
export function decodeFrames(s: StreamParams, frames: Uint8Array, offsets: number[]): Decoded {
  const parts: Uint8Array[] = [];
  const indexes: number[] = [];
  const flags: number[] = [];
  for (let k = 0; k + 1 < offsets.length; k++) {
    const frame = frames.subarray(offsets[k], offsets[k + 1]);
    const body = decryptBody(s, frame);
    flags.push(frame[1]!);
    indexes.push(Buffer.from(frame).readUInt32BE(4));
    parts.push((frame[1]! & 2) !== 0 ? decompress(body) : body);
  }
  return { plaintext: new Uint8Array(Buffer.concat(parts)), indexes, flags };
}

/** Frames back to back plus their offsets. */
export function concatFrames(list: Uint8Array[]): { frames: Uint8Array; offsets: number[] } {
  const offsets = [0];
  for (const f of list) offsets.push(offsets[offsets.length - 1]! + f.length);
  return { frames: new Uint8Array(Buffer.concat(list)), offsets };
}

/** Splits sealed frames into separate arrays (copies). */
export function splitFrames(frames: Uint8Array, offsets: number[]): Uint8Array[] {
  return offsets.slice(0, -1).map((o, k) => frames.slice(o, offsets[k + 1]));
}
