// The frame tamper suite as data, so it runs against any codec that implements the codec.ts contract: the
// reference (test/unit/crypto/tamper.test.ts) and, wired by the caller, the native addon. Each case seals
// with the codec under test, damages the frames, opens with the same codec and expects a rejection with
// the given reason; a codec that returns anything at all fails the case.
import assert from 'node:assert/strict';
import type { OpenBatch, OpenedBatch, SealBatch, SealedBatch, StreamParams } from '../../src/crypto/codec.js';

export interface FrameCodec {
  seal(batch: SealBatch): SealedBatch | Promise<SealedBatch>;
  open(batch: OpenBatch): OpenedBatch | Promise<OpenedBatch>;
}

export interface TamperCase {
  name: string;
  /** The reason the codec must reject with; undefined for the control case that must open. */
  reason: string | undefined;
  run(): Promise<void>;
}

export interface TamperOptions {
  /** The reason code of an error (default: its `reason` property, as FormatError carries it). */
  reasonOf?: (err: unknown) => string | undefined;
}

const LOG2F = 16;
const F = 2 ** LOG2F;
const ramp = (length: number, start: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
const base: StreamParams = {
  dek: ramp(32, 9),
  objectId: ramp(16, 0x30),
  salt: ramp(16, 0x60),
  part: 0,
  log2F: LOG2F,
};

function plaintextOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + (i >>> 8) * 7 + 1) & 0xff;
  return out;
}

function pack(frames: readonly Uint8Array[]): { frames: Uint8Array; offsets: number[] } {
  const offsets = [0];
  for (const f of frames) offsets.push(offsets[offsets.length - 1]! + f.length);
  const out = new Uint8Array(offsets[offsets.length - 1]!);
  frames.forEach((f, i) => out.set(f, offsets[i]!));
  return { frames: out, offsets };
}

const flip = (frame: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const copy = frame.slice();
  copy[at]! ^= mask;
  return copy;
};

export function tamperCases(codec: FrameCodec, options: TamperOptions = {}): TamperCase[] {
  const reasonOf = options.reasonOf ?? ((err: unknown) => (err as { reason?: string } | null)?.reason);

  async function sealAll(params: StreamParams, plaintext: Uint8Array): Promise<Uint8Array[]> {
    const sealed = await codec.seal({
      stream: params,
      firstIndex: 0,
      plaintext,
      final: true,
      compress: false,
    });
    const frames: Uint8Array[] = [];
    for (let k = 0; k + 1 < sealed.offsets.length; k++) {
      frames.push(sealed.frames.slice(sealed.offsets[k], sealed.offsets[k + 1]));
    }
    return frames;
  }

  const open = async (frames: readonly Uint8Array[], o: Partial<OpenBatch> = {}): Promise<OpenedBatch> =>
    codec.open({ stream: base, firstIndex: 0, expectFinal: true, ...pack(frames), ...o });

  async function rejects(promise: () => Promise<unknown>, reason: string): Promise<void> {
    let result: unknown;
    try {
      result = await promise();
    } catch (err) {
      assert.equal(reasonOf(err), reason, `expected ${reason}, got ${String(err)}`);
      return;
    }
    assert.fail(
      `expected a rejection (${reason}) but the codec returned ${JSON.stringify(result)?.slice(0, 80)}`,
    );
  }

  // A 4-frame stream (3 full frames and a 100-byte FINAL one) and a 2-frame stream whose FINAL frame is full.
  const plain4 = plaintextOf(3 * F + 100);
  const plain2 = plaintextOf(2 * F);
  const stream4 = () => sealAll(base, plain4);
  const stream2 = () => sealAll(base, plain2);
  const cases: TamperCase[] = [];
  const add = (name: string, reason: string, build: () => Promise<unknown>): void => {
    cases.push({ name, reason, run: () => rejects(build, reason) });
  };

  cases.push({
    name: 'control: the untampered stream opens to its plaintext',
    reason: undefined,
    run: async () => {
      const opened = await open(await stream4());
      assert.ok(Buffer.from(opened.plaintext).equals(Buffer.from(plain4)));
      assert.equal(opened.final, true);
    },
  });

  const HEADER = { version: 0, flags: 1, reserved: 2, index: 7 } as const;
  add('header version flipped', 'bad-version', async () => {
    const f = await stream4();
    f[1] = flip(f[1]!, HEADER.version);
    return open(f);
  });
  for (const mask of [0x04, 0x80]) {
    add(`unknown flag bit 0x${mask.toString(16)} set`, 'bad-flags', async () => {
      const f = await stream4();
      f[1] = flip(f[1]!, HEADER.flags, mask);
      return open(f);
    });
  }
  for (const at of [HEADER.reserved, HEADER.reserved + 1]) {
    add(`header reserved byte ${at} flipped`, 'bad-reserved', async () => {
      const f = await stream4();
      f[1] = flip(f[1]!, at);
      return open(f);
    });
  }
  add('header index flipped', 'bad-index', async () => {
    const f = await stream4();
    f[2] = flip(f[2]!, HEADER.index); // index 2 → 3
    return open(f);
  });
  add('header index flipped and read where it claims to be', 'bad-tag', async () => {
    const f = await stream4();
    return open([flip(f[2]!, HEADER.index)], { firstIndex: 3, expectFinal: false });
  });
  add('FINAL set on a full non-final frame read as the last one', 'bad-tag', async () => {
    const f = await stream4();
    return open([flip(f[0]!, HEADER.flags, 0x01)], { expectFinal: true });
  });
  add('FINAL cleared on a full FINAL frame read as a middle one', 'bad-tag', async () => {
    const f = await stream2();
    return open([f[0]!, flip(f[1]!, HEADER.flags, 0x01)], { expectFinal: false });
  });
  add('ZSTD flag set on a raw frame', 'bad-tag', async () => {
    const f = await stream4();
    f[1] = flip(f[1]!, HEADER.flags, 0x02);
    return open(f);
  });
  for (const [where, at] of [
    ['first', (n: number) => 8 + 0 * n],
    ['middle', (n: number) => 8 + Math.floor((n - 24) / 2)],
    ['last', (n: number) => n - 17],
  ] as const) {
    add(`ciphertext ${where} byte flipped`, 'bad-tag', async () => {
      const f = await stream4();
      f[1] = flip(f[1]!, at(f[1]!.length));
      return open(f);
    });
  }
  for (const [where, at] of [
    ['first', (n: number) => n - 16],
    ['last', (n: number) => n - 1],
  ] as const) {
    add(`tag ${where} byte flipped`, 'bad-tag', async () => {
      const f = await stream4();
      f[3] = flip(f[3]!, at(f[3]!.length), 0x80);
      return open(f);
    });
  }
  add('a frame dropped', 'bad-index', async () => {
    const f = await stream4();
    return open([f[0]!, f[2]!, f[3]!]);
  });
  add('a frame duplicated', 'bad-index', async () => {
    const f = await stream4();
    return open([f[0]!, f[1]!, f[1]!, f[2]!, f[3]!]);
  });
  add('a frame swapped with its neighbour', 'bad-index', async () => {
    const f = await stream4();
    return open([f[0]!, f[2]!, f[1]!, f[3]!]);
  });
  for (const [what, other] of [
    ['another object id', { objectId: ramp(16, 0x31) }],
    ['another stream salt', { salt: ramp(16, 0x61) }],
    ['another part number', { part: 1 }],
  ] as const) {
    add(`a frame moved in from ${what}`, 'bad-tag', async () => {
      const f = await stream4();
      const g = await sealAll({ ...base, ...other }, plain4);
      return open([f[0]!, g[1]!, f[2]!, f[3]!]);
    });
    add(`the whole stream read as ${what}`, 'bad-tag', async () => {
      const f = await stream4();
      return codec.open({ stream: { ...base, ...other }, firstIndex: 0, expectFinal: true, ...pack(f) });
    });
  }
  add('the wrong DEK', 'bad-tag', async () => {
    const f = await stream4();
    return codec.open({
      stream: { ...base, dek: ramp(32, 10) },
      firstIndex: 0,
      expectFinal: true,
      ...pack(f),
    });
  });
  add('truncated before the FINAL frame', 'missing-final', async () => {
    const f = await stream4();
    return open(f.slice(0, 3));
  });
  add('no frames where the FINAL one is expected', 'missing-final', async () => open([]));
  add('a frame after the FINAL one (a copy of frame 0)', 'trailing-frame', async () => {
    const f = await stream4();
    return open([...f, f[0]!]);
  });
  add('bytes after the FINAL frame (a short garbage frame)', 'trailing-frame', async () => {
    const f = await stream4();
    return open([...f, new Uint8Array(30)]);
  });
  add('a whole short stream where the stream should go on', 'early-final', async () => {
    const f = await sealAll(base, plaintextOf(10));
    return open(f, { expectFinal: false });
  });
  add('a frame cut below 24 bytes', 'short-frame', async () => {
    const f = await stream4();
    f[3] = f[3]!.subarray(0, 23);
    return open(f);
  });
  add('a non-final frame one byte short', 'bad-length', async () => {
    const f = await stream4();
    f[1] = f[1]!.subarray(0, f[1]!.length - 1);
    return open(f);
  });
  add('a frame body longer than F', 'too-large', async () => {
    const f = await stream2();
    const long = new Uint8Array(f[1]!.length + 1);
    long.set(f[1]!);
    return open([f[0]!, long]);
  });
  return cases;
}
