// Wall times of one-shot commands: rayctl against helm 3 and helm 4 on the same release lifecycle, `list -A` over
// seeded releases, and rayctl's start-up (--version, template) against bare `node -e 0`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeHttp } from '../../cluster/kube-http.ts';
import { equivalentHelmChart } from '../helm-chart.ts';
import { releaseSecret, seededRelease } from '../../fixtures/release.ts';
import type { Release } from '../../../src/release/model.ts';
import { storedChart } from '../../../src/release/chart-record.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import { rayctlBin } from './contenders.ts';
import { contenderEnv, inParallel, rotated } from './measure.ts';
import { deleteNamespace } from './scenarios.ts';

export type Tool = 'rayctl' | 'helm3' | 'helm4';
/** operation → contender → wall times in ms, one per repetition. */
export type Samples = Record<string, Record<string, number[]>>;

export interface CliOptions {
  admin: KubeHttp;
  kubeconfig: string;
  binDir: string;
  repeat: number;
  tools: Tool[];
  /** Seed releases × revisions and time `list -A`; 0 skips it. */
  listReleases: number;
  listRevisions: number;
}

function run(command: string, args: string[], kubeconfig: string): { ms: number; stderr: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    env: contenderEnv(kubeconfig),
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return { ms, stderr: result.stderr };
}

const timed = (command: string, args: string[], kubeconfig: string): number => run(command, args, kubeconfig).ms;

/** The Node.js floor of a command line that makes `requests` API calls (node-floor.mjs). */
const NODE_FLOOR = 'node floor';
const nodeFloor = fileURLToPath(new URL('node-floor.mjs', import.meta.url));

/** How many API calls each rayctl verb makes: `--debug` prints one `api:` line per call. */
function rayctlRequests(options: CliOptions, namespace: string, chart: string): Record<string, number> {
  const [bin, prefix] = command('rayctl', options.binDir);
  return Object.fromEntries(
    LIFECYCLE.map((verb) => {
      const args = [...lifecycleArgs('rayctl', verb, namespace, 'rayctl-counted', chart), '--debug'];
      const { stderr } = run(bin, [...prefix, ...args], options.kubeconfig);
      return [verb, stderr.split('\n').filter((line) => line.startsWith('api: ')).length];
    }),
  );
}

function record(samples: Samples, operation: string, contender: string, ms: number): void {
  ((samples[operation] ??= {})[contender] ??= []).push(ms);
}

/** The command line of one lifecycle verb for one tool; the same release content for all. */
function lifecycleArgs(tool: Tool, verb: string, namespace: string, release: string, chart: string): string[] {
  const rayctl = tool === 'rayctl';
  switch (verb) {
    case 'install':
      return ['-n', namespace, 'install', release, ...(rayctl ? ['--cluster-only'] : [chart])];
    case 'upgrade':
      return rayctl
        ? ['-n', namespace, 'upgrade', release, '--reuse-values', '--set', 'podTypes.rayWorkerType.minWorkers=1']
        : ['-n', namespace, 'upgrade', release, chart, '--reuse-values', '--set', 'minWorkers=1'];
    case 'rollback':
      return ['-n', namespace, 'rollback', release, '1'];
    default:
      return ['-n', namespace, 'uninstall', release];
  }
}

const LIFECYCLE = ['install', 'upgrade', 'rollback', 'uninstall'];
/**
 * Lifecycle runs per repetition of `list -A`: each takes 0.1-0.2 s, and one contender's runs spread by ±20 % in a
 * minute (rayctl install 132-181 ms in one run of 5), which a median of 5 follows; a median of 15 much less. They add
 * ~40 s to a run of 5 repetitions.
 */
export const LIFECYCLE_RUNS_PER_REPEAT = 3;

function command(tool: Tool, binDir: string): [string, string[]] {
  return tool === 'rayctl' ? [process.execPath, [rayctlBin]] : [join(binDir, tool), []];
}

async function lifecycleTimes(options: CliOptions, samples: Samples): Promise<void> {
  const namespace = `cmp-cli-${randomBytes(3).toString('hex')}`;
  await options.admin.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const chart = equivalentHelmChart(rayctlBin);
  try {
    // One untimed round per tool first: rayctl's first install also creates the RayCluster CRD and waits until it is
    // established (the helm chart has none), which a user pays once per cluster, not per install.
    for (const tool of options.tools) {
      const [bin, prefix] = command(tool, options.binDir);
      for (const verb of LIFECYCLE)
        timed(bin, [...prefix, ...lifecycleArgs(tool, verb, namespace, `${tool}-warm`, chart)], options.kubeconfig);
    }
    const requests = rayctlRequests(options, namespace, chart);
    for (let repetition = 0; repetition < options.repeat * LIFECYCLE_RUNS_PER_REPEAT; repetition++) {
      for (const tool of rotated([...options.tools, NODE_FLOOR] as const, repetition)) {
        if (tool === NODE_FLOOR) {
          for (const verb of LIFECYCLE)
            record(
              samples,
              verb,
              tool,
              timed(process.execPath, [nodeFloor, options.kubeconfig, String(requests[verb])], options.kubeconfig),
            );
          continue;
        }
        const [bin, prefix] = command(tool, options.binDir);
        for (const verb of LIFECYCLE) {
          const args = lifecycleArgs(tool, verb, namespace, `${tool}-${repetition}`, chart);
          record(samples, verb, tool, timed(bin, [...prefix, ...args], options.kubeconfig));
        }
      }
    }
  } finally {
    rmSync(chart, { recursive: true, force: true });
    await deleteNamespace(options.admin, namespace);
  }
}

interface SeedParts {
  chart: Release['chart'];
  manifest: string;
}

/** releases × revisions written straight to the API as Helm's Secrets, 16 writes in flight. */
async function seedReleases(options: CliOptions, namespaces: string[]): Promise<void> {
  const { admin, listReleases, listRevisions } = options;
  for (const name of namespaces)
    await admin.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const parts: SeedParts = {
    chart: storedChart((await loadBuiltinChart()).chart),
    manifest: spawnSync(process.execPath, [rayctlBin, 'template', 'seeded', '--cluster-only'], { encoding: 'utf8' })
      .stdout,
  };
  const jobs: (() => Promise<unknown>)[] = [];
  for (let r = 0; r < listReleases; r++) {
    const namespace = namespaces[r % namespaces.length]!;
    for (let version = 1; version <= listRevisions; version++) {
      const status = version === listRevisions ? 'deployed' : ('superseded' as const);
      const secret = releaseSecret(seededRelease({ name: `rel-${r}`, namespace, version, status }, parts));
      jobs.push(() => admin.json('POST', `/api/v1/namespaces/${namespace}/secrets`, secret));
    }
  }
  await inParallel(jobs, 16);
}

async function listTimes(options: CliOptions, samples: Samples): Promise<void> {
  const suffix = randomBytes(3).toString('hex');
  const namespaces = Array.from({ length: 10 }, (_, i) => `cmp-list-${i}-${suffix}`);
  try {
    await seedReleases(options, namespaces);
    for (let repetition = 0; repetition < options.repeat; repetition++) {
      for (const tool of rotated(options.tools, repetition)) {
        const [bin, prefix] = command(tool, options.binDir);
        const args = ['list', '-A', '-o', 'json', ...(tool === 'rayctl' ? [] : ['--max', '0'])];
        record(samples, 'list -A', tool, timed(bin, [...prefix, ...args], options.kubeconfig));
      }
    }
  } finally {
    await Promise.all(namespaces.map((name) => deleteNamespace(options.admin, name)));
  }
}

/**
 * Start-up runs per repetition of the other commands: each takes a tenth of a second, and this machine's pace wanders
 * by a third between spells (`node -e 0` 80–150 ms), so a median of 3 says little about a gap of 10–60 ms.
 */
export const STARTUP_RUNS_PER_REPEAT = 5;

/** rayctl's start-up: --version and an offline template against Node starting and doing nothing, interleaved. */
function startupTimes(options: CliOptions, samples: Samples): void {
  const runs: [operation: string, contender: string, args: string[]][] = [
    ['--version', 'node -e 0', ['-e', '0']],
    ['--version', 'rayctl', [rayctlBin, '--version']],
    ['template', 'node -e 0', ['-e', '0']],
    ['template', 'rayctl', [rayctlBin, 'template', 'x']],
  ];
  for (let repetition = 0; repetition < options.repeat * STARTUP_RUNS_PER_REPEAT; repetition++)
    for (const [operation, contender, args] of rotated(runs, repetition))
      record(samples, operation, contender, timed(process.execPath, args, options.kubeconfig));
}

export async function cliTimings(options: CliOptions): Promise<Samples> {
  const samples: Samples = {};
  await lifecycleTimes(options, samples);
  if (options.listReleases > 0) await listTimes(options, samples);
  startupTimes(options, samples);
  return samples;
}
