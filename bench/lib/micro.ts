// Shared helpers for the native micro-benchmarks: a typed wrapper over the `benchmark` package
// (CommonJS, no types shipped), plain timing loops, and table printing.
import { createRequire } from 'node:module';

interface BenchmarkTarget {
  name: string;
  hz: number;
  stats: { rme: number; sample: number[] };
}
interface BenchmarkSuite {
  add(name: string, fn: () => void, options?: { minSamples?: number; maxTime?: number }): BenchmarkSuite;
  on(event: 'cycle', cb: (e: { target: BenchmarkTarget }) => void): BenchmarkSuite;
  run(options?: { async?: boolean }): BenchmarkSuite;
}
interface BenchmarkStatic {
  Suite: new (name?: string) => BenchmarkSuite;
}

const Benchmark = createRequire(import.meta.url)('benchmark') as BenchmarkStatic;

export interface MicroResult {
  name: string;
  /** Operations per second. */
  hz: number;
  /** Relative margin of error, %. */
  rme: number;
  /** MB/s (10^6 bytes), when the case declared bytes per operation. */
  mbps?: number;
}

/** Runs benchmark.js cases synchronously; `bytes` per op turns ops/s into MB/s. */
export function micro(
  cases: readonly { name: string; fn: () => void; bytes?: number }[],
  maxTime = 2,
): MicroResult[] {
  const results: MicroResult[] = [];
  const suite = new Benchmark.Suite();
  for (const c of cases) suite.add(c.name, c.fn, { maxTime, minSamples: 5 });
  suite.on('cycle', (e) => {
    const t = e.target;
    const bytes = cases.find((c) => c.name === t.name)?.bytes;
    const r: MicroResult = { name: t.name, hz: t.hz, rme: t.stats.rme };
    if (bytes !== undefined) r.mbps = (t.hz * bytes) / 1e6;
    results.push(r);
  });
  suite.run({ async: false });
  return results;
}

/** A plain timing loop: runs fn for about `seconds`, returns MB/s for `bytes` per call. */
export function timeLoop(fn: () => void, bytes: number, seconds = 1.5): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let calls = 0;
  let elapsed: bigint;
  do {
    fn();
    calls++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (calls * bytes) / (Number(elapsed) / 1e9) / 1e6;
}

/** Best of `runs` timing loops (the machine is shared; the best run is the least disturbed). */
export function bestOf(runs: number, fn: () => void, bytes: number, seconds = 1): number {
  let best = 0;
  for (let i = 0; i < runs; i++) best = Math.max(best, timeLoop(fn, bytes, seconds));
  return best;
}

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`;
  return [line(cells[0]!), sep, ...cells.slice(1).map(line)].join('\n');
}

function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export const MiB = 1 << 20;
