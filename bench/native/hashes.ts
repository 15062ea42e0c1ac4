// Hashing cost, single-threaded (benchmark.js): MD5 alone vs MD5 then SHA-256 (two passes) vs both
// fused (one pass), the three CRCs on top, the same inside seal, and zstd level 1 on text vs random.
//   npm run build && node dist/bench/native/hashes.js        (env MAX_TIME seconds per case, default 2)
import { createHash, randomBytes } from 'node:crypto';
import type { HashName, StreamParams } from '../../src/crypto/codec.js';
import {
  hashImplementations,
  hashInit,
  hashUpdate,
  openBatch,
  openCapacity,
  sealBatch,
  sealCapacity,
  zstdCompressedLength,
} from '../../src/crypto/native.js';
import { MiB, micro, table, type MicroResult } from '../lib/micro.js';

const MAX_TIME = Number(process.env.MAX_TIME ?? 2);
const SIZE = 4 * MiB;
const LOG2F = 18;
const data = new Uint8Array(randomBytes(SIZE));

function byName(results: MicroResult[], name: string): number {
  const r = results.find((x) => x.name === name);
  if (!r?.mbps) throw new Error(`no result for ${name}`);
  return r.mbps;
}

// --- hashes alone, 4 MiB buffers --------------------------------------------------------------------
const state = (names: HashName[]) => hashInit(names);
const md5 = state(['md5']);
const sha256 = state(['sha256']);
const fused = state(['md5', 'sha256']);
const fusedCrc = state(['md5', 'sha256', 'crc32', 'crc32c', 'crc64nvme']);
const crcs = state(['crc32', 'crc32c', 'crc64nvme']);
const single = (n: HashName) => state([n]);
const s1 = single('sha1');
const c32 = single('crc32');
const c32c = single('crc32c');
const c64 = single('crc64nvme');

const hashResults = micro(
  [
    { name: 'MD5 alone', fn: () => hashUpdate(md5, data), bytes: SIZE },
    { name: 'SHA-256 alone', fn: () => hashUpdate(sha256, data), bytes: SIZE },
    { name: 'SHA-1 alone', fn: () => hashUpdate(s1, data), bytes: SIZE },
    {
      name: 'MD5 then SHA-256 (two passes)',
      fn: () => {
        hashUpdate(md5, data);
        hashUpdate(sha256, data);
      },
      bytes: SIZE,
    },
    { name: 'MD5+SHA-256 fused (one pass)', fn: () => hashUpdate(fused, data), bytes: SIZE },
    { name: 'MD5+SHA-256+3 CRCs fused', fn: () => hashUpdate(fusedCrc, data), bytes: SIZE },
    { name: 'CRC-32', fn: () => hashUpdate(c32, data), bytes: SIZE },
    { name: 'CRC-32C', fn: () => hashUpdate(c32c, data), bytes: SIZE },
    { name: 'CRC-64/NVME', fn: () => hashUpdate(c64, data), bytes: SIZE },
    { name: '3 CRCs fused', fn: () => hashUpdate(crcs, data), bytes: SIZE },
    {
      name: 'node:crypto MD5 then SHA-256',
      fn: () => {
        createHash('md5').update(data).digest();
        createHash('sha256').update(data).digest();
      },
      bytes: SIZE,
    },
  ],
  MAX_TIME,
);

// --- the same inside seal (256 KiB frames, 4 MiB batches, no compression) ----------------------------
const s: StreamParams = {
  dek: new Uint8Array(randomBytes(32)),
  objectId: new Uint8Array(randomBytes(16)),
  salt: new Uint8Array(randomBytes(16)),
  part: 0,
  log2F: LOG2F,
};
const out = new Uint8Array(sealCapacity(SIZE, LOG2F, false));
const seal = (hashState?: Uint8Array) =>
  sealBatch({ stream: s, firstIndex: 0, plaintext: data, final: false, compress: false }, out, hashState);
const sealFused = state(['md5', 'sha256']);
const sealFusedCrc = state(['md5', 'sha256', 'crc32', 'crc32c', 'crc64nvme']);
const sealApart = state(['md5', 'sha256']);
const sealResults = micro(
  [
    { name: 'seal', fn: () => seal(), bytes: SIZE },
    { name: 'seal + MD5+SHA-256 fused', fn: () => seal(sealFused), bytes: SIZE },
    { name: 'seal + MD5+SHA-256 + 3 CRCs fused', fn: () => seal(sealFusedCrc), bytes: SIZE },
    {
      name: 'seal, then MD5+SHA-256 in another pass',
      fn: () => {
        seal();
        hashUpdate(sealApart, data);
      },
      bytes: SIZE,
    },
  ],
  MAX_TIME,
);

// --- zstd level 1 ------------------------------------------------------------------------------------
const line = 'GET /bucket/key HTTP/1.1 200 1234 "aws-cli/2.15" 0.003 request-id=4F2A9C; ';
const textData = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++)
  textData[i] = line.charCodeAt(i % line.length) ^ ((i * 2654435761) >>> 29 === 0 ? 1 : 0);
const zOut = new Uint8Array(sealCapacity(SIZE, LOG2F, false));
const sealZ = (plaintext: Uint8Array) =>
  sealBatch({ stream: s, firstIndex: 0, plaintext, final: false, compress: true }, zOut);
const textSealed = sealBatch({ stream: s, firstIndex: 0, plaintext: textData, final: false, compress: true });
const textOpenOut = new Uint8Array(openCapacity(textSealed.frames, textSealed.offsets, LOG2F));
const zResults = micro(
  [
    { name: 'seal + zstd-1, text', fn: () => sealZ(textData), bytes: SIZE },
    { name: 'seal + zstd-1, random (not kept)', fn: () => sealZ(data), bytes: SIZE },
    {
      name: 'open + unzstd, text',
      fn: () =>
        openBatch(
          {
            stream: s,
            firstIndex: 0,
            frames: textSealed.frames,
            offsets: textSealed.offsets,
            expectFinal: false,
          },
          textOpenOut,
        ),
      bytes: SIZE,
    },
  ],
  MAX_TIME,
);

const rows = (rs: MicroResult[]) => rs.map((r) => [r.name, r.mbps ?? 0, `±${r.rme.toFixed(1)}%`]);
console.log(
  `# hashes, single thread, ${SIZE / MiB} MiB buffers; CRC code: ${JSON.stringify(hashImplementations())}\n`,
);
console.log(table(['case', 'MB/s', 'rme'], rows(hashResults)));
console.log('\n# the same fused into seal (256 KiB frames, 4 MiB batches)\n');
console.log(table(['case', 'MB/s', 'rme'], rows(sealResults)));
console.log('\n# zstd level 1 per frame (256 KiB frames, 4 MiB batches)\n');
console.log(table(['case', 'MB/s', 'rme'], rows(zResults)));
const ratio = textSealed.frames.length / SIZE;
console.log(
  `\ntext: ${textSealed.compressed}/${textSealed.offsets.length - 1} frames kept compressed, ` +
    `frames = ${(100 * ratio).toFixed(1)}% of the plaintext; random: ` +
    `${sealZ(data).compressed} kept (zstd-1 makes ${zstdCompressedLength(data.subarray(0, 2 ** LOG2F))} bytes ` +
    `of a ${2 ** LOG2F}-byte frame)`,
);

const apart = byName(hashResults, 'MD5 then SHA-256 (two passes)');
const one = byName(hashResults, 'MD5+SHA-256 fused (one pass)');
const withCrc = byName(hashResults, 'MD5+SHA-256+3 CRCs fused');
const sealF = byName(sealResults, 'seal + MD5+SHA-256 fused');
const sealFC = byName(sealResults, 'seal + MD5+SHA-256 + 3 CRCs fused');
const sealA = byName(sealResults, 'seal, then MD5+SHA-256 in another pass');
console.log(
  `\nfused MD5+SHA-256 / separate passes: ${((100 * one) / apart).toFixed(1)}% (target ≥ 90%); ` +
    `inside seal: ${((100 * sealF) / sealA).toFixed(1)}%\n` +
    `3 CRCs add ${((100 * (one / withCrc - 1)) as number).toFixed(1)}% time to MD5+SHA-256 ` +
    `and ${(100 * (sealF / sealFC - 1)).toFixed(1)}% to seal+MD5+SHA-256 (target < 10%)`,
);
