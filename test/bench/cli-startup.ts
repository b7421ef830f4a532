// Start-up benchmark (a script, not a test): median wall time of 20 runs of `rayctl --version` and
// `rayctl template x` next to bare `node -e 0`. Run: npm run bench:startup (after npm run build).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNS = 20;
const bin = fileURLToPath(new URL('../../bin/rayctl.js', import.meta.url));

const commands: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['rayctl --version', [bin, '--version']],
  ['rayctl template x', [bin, 'template', 'x']],
  [
    'rayctl template x --cluster-only --set podTypes.rayWorkerType.minWorkers=0',
    [bin, 'template', 'x', '--cluster-only', '--set', 'podTypes.rayWorkerType.minWorkers=0'],
  ],
];

function medianMs(args: string[]): number {
  const times: number[] = [];
  spawnSync(process.execPath, args); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
    times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return (times[RUNS / 2 - 1]! + times[RUNS / 2]!) / 2;
}

const baseline = medianMs(commands[0]![1]);
console.log(`median of ${RUNS} runs, Node ${process.version}`);
console.log(`${'command'.padEnd(80)} ${'median'.padStart(9)} ${'over node'.padStart(10)}`);
for (const [name, args] of commands) {
  const ms = name === 'node -e 0' ? baseline : medianMs(args);
  console.log(
    `${name.padEnd(80)} ${`${ms.toFixed(1)} ms`.padStart(9)} ${`+${(ms - baseline).toFixed(1)} ms`.padStart(10)}`,
  );
}
