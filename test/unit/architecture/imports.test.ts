import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The project files a module imports: static imports and re-exports (`import type` too: it couples the modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

/** Every cycle, found by depth-first search, as a list of paths relative to src/. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found.map((cycle) => cycle.map((path) => relative(SRC, path)));
}

const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file)]));

test('the import graph under src/ has no cycle', () => {
  assert.deepEqual(
    cycles(graph).map((c) => c.join(' → ')),
    [],
  );
});

test('every relative import names a file that exists', () => {
  const missing = [...graph].flatMap(([file, imports]) =>
    imports.filter((i) => !graph.has(i)).map((i) => `${relative(SRC, file)} → ${relative(SRC, i)}`),
  );
  assert.deepEqual(missing, []);
});

test('the cycle finder finds a cycle (so the first test can fail)', () => {
  const a = join(SRC, 'a.ts');
  const b = join(SRC, 'b.ts');
  assert.deepEqual(
    cycles(
      new Map([
        [a, [b]],
        [b, [a]],
      ]),
    ),
    [['a.ts', 'b.ts', 'a.ts']],
  );
});

/** DESIGN.md's pure core: the chart, the release codec and the operator's decisions. The Secrets driver is not. */
const PURE_CORE = (path: string) =>
  path.startsWith('chart/') ||
  (path.startsWith('release/') && path !== 'release/storage.ts') ||
  path === 'operator/desired.ts' ||
  path === 'operator/autoscaler.ts';

/**
 * The build makes what the launcher reads: a bundle per command, so it reads the commands' names (data only, no
 * imports of its own), and their code caches, where run-bundle.ts (Node's modules only) looks for them.
 */
const BUILD_READS_LAUNCHER_FACTS = (from: string, to: string) =>
  (from === 'build/bundle.ts' && to === 'cli/command-line.ts') ||
  (from === 'build/code-cache.ts' && to === 'cli/run-bundle.ts');

test('the pure core imports nothing that talks to a cluster, and nothing imports cli/', () => {
  const offending = [...graph].flatMap(([file, imports]) => {
    const from = relative(SRC, file);
    return imports
      .map((i) => relative(SRC, i))
      .filter(
        (to) =>
          (PURE_CORE(from) && /^(kube|actions|cli|logs)\//.test(to)) ||
          (PURE_CORE(from) && to === 'release/storage.ts') ||
          (to.startsWith('cli/') && !from.startsWith('cli/') && !BUILD_READS_LAUNCHER_FACTS(from, to)),
      )
      .map((to) => `${from} → ${to}`);
  });
  assert.deepEqual(offending, []);
});

test('the verb files in actions/ do not import each other', () => {
  const verbs = ['install', 'upgrade', 'rollback', 'uninstall', 'scale'].map((v) => `actions/${v}.ts`);
  const offending = [...graph].flatMap(([file, imports]) => {
    const from = relative(SRC, file);
    if (!verbs.includes(from)) return [];
    return imports
      .map((i) => relative(SRC, i))
      .filter((to) => verbs.includes(to))
      .map((to) => `${from} → ${to}`);
  });
  assert.deepEqual(offending, []);
});
