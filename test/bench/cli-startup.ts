// Start-up benchmark (a script, not a test): median wall time of 20 runs of `rayctl --version` and
// `rayctl template x` next to bare `node -e 0`. Run: npm run bench:startup (after npm run build).
// With --snapshot it also times `rayctl template x` started from a V8 start-up snapshot (`node --build-snapshot`) of
// the template command with the built-in chart already loaded: what that technique would give.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const RUNS = 20;
const bin = fileURLToPath(new URL('../../bin/rayctl.cjs', import.meta.url));

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A snapshot blob of the template command. Node 20 builds snapshots from one CommonJS script, so the command is
 * bundled as one, with the built-in chart from the chunk `npm run build` wrote.
 */
async function templateSnapshot(dir: string): Promise<string> {
  const chunks = join(root, 'dist', 'chunks');
  const chartChunk = readdirSync(chunks).find((name) => /^rayctl_builtin-chart-.*\.mjs$/.test(name));
  if (!chartChunk) throw new Error('dist/ has no built-in chart chunk: run npm run build first');
  const script = join(dir, 'template.cjs');
  await build({
    absWorkingDir: root,
    entryPoints: ['test/bench/startup/snapshot-entry.ts'],
    outfile: script,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    define: {
      __RAYCTL_BUNDLED__: 'true',
      __RAYCTL_VERSION__: '"snapshot"',
      'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'dist', 'rayctl.mjs')).href),
    },
    plugins: [
      {
        name: 'built-chart',
        setup: (pluginBuild) =>
          pluginBuild.onResolve({ filter: /^rayctl:builtin-chart$/ }, () => ({ path: join(chunks, chartChunk) })),
      },
    ],
    logLevel: 'error',
  });
  const blob = join(dir, 'template.blob');
  const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`node --build-snapshot failed: ${built.stderr}`);
  return blob;
}

const commands: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['rayctl --version', [bin, '--version']],
  ['rayctl template x', [bin, 'template', 'x']],
  [
    'rayctl template x --cluster-only --set podTypes.rayWorkerType.minWorkers=0',
    [bin, 'template', 'x', '--cluster-only', '--set', 'podTypes.rayWorkerType.minWorkers=0'],
  ],
];

function runMs(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
  return elapsed;
}

/**
 * The median of RUNS runs of each command. The runs are interleaved, each round in a new order, so a slow spell of
 * the machine (this one's start-up times wander by a third) falls on every command alike.
 */
function medianMs(): number[] {
  const times = commands.map(([, args]) => {
    runMs(args); // warm the file cache
    return [] as number[];
  });
  for (let round = 0; round < RUNS; round++)
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      times[i]!.push(runMs(commands[i]![1]));
    }
  return times.map((runs) => {
    runs.sort((a, b) => a - b);
    return (runs[RUNS / 2 - 1]! + runs[RUNS / 2]!) / 2;
  });
}

let snapshotDir: string | undefined;
if (process.argv.includes('--snapshot')) {
  snapshotDir = mkdtempSync(join(tmpdir(), 'rayctl-snapshot-'));
  const blob = await templateSnapshot(snapshotDir);
  commands.push(['rayctl template x, from a start-up snapshot', ['--snapshot-blob', blob, 'template', 'x']]);
}

const medians = medianMs();
const baseline = medians[0]!;
console.log(`median of ${RUNS} runs, Node ${process.version}`);
console.log(`${'command'.padEnd(80)} ${'median'.padStart(9)} ${'over node'.padStart(10)}`);
commands.forEach(([name], i) => {
  const ms = medians[i]!;
  console.log(
    `${name.padEnd(80)} ${`${ms.toFixed(1)} ms`.padStart(9)} ${`+${(ms - baseline).toFixed(1)} ms`.padStart(10)}`,
  );
});
if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
