// The layer rules of DESIGN §1, checked on the source: only src/http imports the HTTP engine; only
// src/storage/nats (and the composition root) imports NATS; src/s3 imports neither, not even indirectly
// through another src module. (eslint checks the direct imports too; this also follows relative imports.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = path.join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier: static imports/exports, dynamic import(), require(). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found;
}

const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
const isHttpEngine = (s: string) => s === 'uws-pack' || s === 'uWebSockets.js';
const isNats = (s: string) => s === 'nats' || s.startsWith('@nats-io/');

const files = tsFiles(SRC);
const graph = new Map<string, string[]>();
for (const f of files) graph.set(rel(f), specifiers(f));

function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return rel(path.resolve(ROOT, path.dirname(from), spec).replace(/\.js$/, '.ts'));
}

/** Package imports reachable from `file` through relative imports. */
function reachablePackages(file: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(file)) return out;
  seen.add(file);
  for (const spec of graph.get(file) ?? []) {
    const target = resolveRelative(file, spec);
    if (target === undefined) out.add(spec);
    else for (const p of reachablePackages(target, seen)) out.add(p);
  }
  return out;
}

test('the scan sees the engines where they are allowed (the check is not vacuous)', () => {
  assert.ok(graph.get('src/http/uws.ts')?.some(isHttpEngine));
  assert.ok(
    [...graph.entries()].some(([f, specs]) => f.startsWith('src/storage/nats/') && specs.some(isNats)),
  );
});

test('only src/http imports the HTTP engine', () => {
  const bad = [...graph].filter(([f, specs]) => !f.startsWith('src/http/') && specs.some(isHttpEngine));
  assert.deepEqual(
    bad.map(([f]) => f),
    [],
  );
});

test('only src/storage/nats and src/main.ts import NATS', () => {
  const bad = [...graph].filter(
    ([f, specs]) => !f.startsWith('src/storage/nats/') && f !== 'src/main.ts' && specs.some(isNats),
  );
  assert.deepEqual(
    bad.map(([f]) => f),
    [],
  );
});

test('src/s3 reaches neither the HTTP engine nor NATS, directly or through other modules', () => {
  for (const f of graph.keys()) {
    if (!f.startsWith('src/s3/')) continue;
    const pkgs = [...reachablePackages(f)];
    assert.deepEqual(pkgs.filter(isHttpEngine), [], f);
    assert.deepEqual(pkgs.filter(isNats), [], f);
  }
});

test('only src/main.ts names the concrete backend and engine modules', () => {
  const concrete = /(storage\/nats\/backend|storage\/memory\/backend|http\/uws|http\/node)\.js$/;
  const bad = [...graph].filter(
    ([f, specs]) =>
      f !== 'src/main.ts' &&
      !f.startsWith('src/http/') &&
      !f.startsWith('src/storage/') &&
      specs.some((s) => concrete.test(s)),
  );
  assert.deepEqual(
    bad.map(([f]) => f),
    [],
  );
});
