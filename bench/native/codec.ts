// Native codec throughput, single-threaded: seal/open MB/s by frame size and batch size, node:crypto
// AES-256-GCM on the same frames, and `openssl speed` for the ceiling.
//   npm run build && node dist/bench/native/codec.js        (env SECONDS per measurement, default 1)
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { StreamParams } from '../../src/crypto/codec.js';
import { capabilities, openBatch, openCapacity, sealBatch, sealCapacity } from '../../src/crypto/native.js';
import { MiB, bestOf, table } from '../lib/micro.js';

const SECONDS = Number(process.env.SECONDS ?? 1);

function streamFor(log2F: number): StreamParams {
  return {
    dek: new Uint8Array(randomBytes(32)),
    objectId: new Uint8Array(randomBytes(16)),
    salt: new Uint8Array(randomBytes(16)),
    part: 0,
    log2F,
  };
}

/**
 * The same frames with node:crypto (format.md §2–§3.1, no compression): HKDF once per batch, one
 * Cipheriv per frame — what a pure-JS codec on node:crypto does. Writes into `out` like the addon.
 */
function nodeKeys(s: StreamParams): { key: Buffer; prefix: Buffer; aad: Buffer } {
  const info = Buffer.concat([Buffer.from('jetvault/v1/stream'), s.objectId, Buffer.alloc(4)]);
  const okm = Buffer.from(hkdfSync('sha256', s.dek, s.salt, info, 39));
  const aad = Buffer.concat([
    Buffer.from([1, 1, s.log2F]),
    Buffer.alloc(8),
    Buffer.alloc(4),
    s.objectId,
    s.salt,
  ]);
  aad[3] = 1;
  return { key: okm.subarray(0, 32), prefix: okm.subarray(32), aad };
}

function nonceFor(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce);
  nonce.writeUInt32BE(index, 7);
  return nonce;
}

function nodeSeal(s: StreamParams, plaintext: Uint8Array, out: Buffer): number[] {
  const { key, prefix, aad } = nodeKeys(s);
  const f = 2 ** s.log2F;
  const offsets = [0];
  let pos = 0;
  for (let i = 0; i * f < plaintext.length; i++) {
    aad.writeUInt32BE(i, 7);
    aad.copy(out, pos, 3, 11);
    const c = createCipheriv('aes-256-gcm', key, nonceFor(prefix, i));
    c.setAAD(aad);
    const ct = c.update(plaintext.subarray(i * f, (i + 1) * f));
    c.final();
    out.set(ct, pos + 8);
    out.set(c.getAuthTag(), pos + 8 + ct.length);
    pos += ct.length + 24;
    offsets.push(pos);
  }
  return offsets;
}

function nodeOpen(s: StreamParams, frames: Buffer, offsets: number[], out: Buffer): void {
  const { key, prefix, aad } = nodeKeys(s);
  let pos = 0;
  for (let k = 0; k + 1 < offsets.length; k++) {
    const frame = frames.subarray(offsets[k], offsets[k + 1]);
    frame.copy(aad, 3, 0, 8);
    const d = createDecipheriv('aes-256-gcm', key, nonceFor(prefix, frame.readUInt32BE(4)));
    d.setAAD(aad);
    d.setAuthTag(frame.subarray(frame.length - 16));
    const pt = d.update(frame.subarray(8, frame.length - 16));
    d.final();
    out.set(pt, pos);
    pos += pt.length;
  }
}

function opensslSpeed(): number | undefined {
  try {
    const text = execFileSync(
      'openssl',
      ['speed', '-evp', 'aes-256-gcm', '-bytes', '262144', '-seconds', '3'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const m = /^AES-256-GCM\s+([\d.]+)k\s*$/m.exec(text);
    return m ? Number(m[1]) / 1000 : undefined; // 1000s of bytes/s → MB/s
  } catch {
    return undefined;
  }
}

const caps = capabilities();
console.log(
  `# native codec, single thread — ${caps.opensslVersion}, zstd ${caps.zstdVersion}, ` +
    `aesni ${caps.aesni} vaes ${caps.vaes} vpclmulqdq ${caps.vpclmulqdq}\n`,
);

const rows: (string | number)[][] = [];
let seal256k4m = 0;
for (const log2F of [16, 18, 19, 20]) {
  for (const batch of [1 * MiB, 4 * MiB]) {
    const s = streamFor(log2F);
    const plaintext = new Uint8Array(randomBytes(batch));
    const out = new Uint8Array(sealCapacity(batch, log2F, false));
    const sealOne = () =>
      sealBatch({ stream: s, firstIndex: 0, plaintext, final: false, compress: false }, out);
    const sealed = sealOne();
    const opened = new Uint8Array(openCapacity(sealed.frames, sealed.offsets, log2F));
    const openArgs = {
      stream: s,
      firstIndex: 0,
      frames: sealed.frames,
      offsets: sealed.offsets,
      expectFinal: false,
    };
    const nodeFrames = Buffer.alloc(out.length);
    const nodeOffsets = nodeSeal(s, plaintext, nodeFrames);
    // Same bytes both ways: the comparison is between two implementations of the same format.
    if (!nodeFrames.subarray(0, sealed.frames.length).equals(sealed.frames)) throw new Error('frames differ');
    const nodeOut = Buffer.alloc(batch);
    const seal = bestOf(3, sealOne, batch, SECONDS);
    const open = bestOf(3, () => openBatch(openArgs, opened), batch, SECONDS);
    const nSeal = bestOf(3, () => nodeSeal(s, plaintext, nodeFrames), batch, SECONDS);
    const nOpen = bestOf(3, () => nodeOpen(s, nodeFrames, nodeOffsets, nodeOut), batch, SECONDS);
    if (log2F === 18 && batch === 4 * MiB) seal256k4m = seal;
    rows.push([`${2 ** (log2F - 10)} KiB`, `${batch / MiB} MiB`, seal, open, nSeal, nOpen, seal / nSeal]);
  }
}
console.log(
  table(
    [
      'frame',
      'batch',
      'seal MB/s',
      'open MB/s',
      'node:crypto seal MB/s',
      'node:crypto open MB/s',
      'seal vs node',
    ],
    rows,
  ),
);

const speed = opensslSpeed();
console.log(
  speed === undefined
    ? '\nopenssl speed: not available'
    : `\n\`openssl speed -evp aes-256-gcm -bytes 262144 -seconds 3\`: ${speed.toFixed(0)} MB/s; ` +
        `native seal at 256 KiB frames, 4 MiB batches: ${seal256k4m.toFixed(0)} MB/s = ` +
        `${((100 * seal256k4m) / speed).toFixed(1)}% of it (target ≥ 90%)`,
);
