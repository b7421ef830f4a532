// rayctl against KubeRay, helm 3, helm 4 and the floor (a script, not a test): every number is a ratio measured in
// the same run on the same control plane. Run: npm run bench:compare [-- --quick] [--repeat N] [--json FILE]
//   operators: 1×10, 100×10 (+ churn 10 → 20 → 5 workers), 1000×10 RayClusters × workers on kwok nodes: wall time
//     until every pod is Running and Ready, operator CPU and peak RSS (/proc), API requests (audit log, one client
//     certificate per contender), the control plane's CPU and how busy the machine was; the floor creates the pods
//     rayctl's operator makes directly, 8 in flight.
//     --least-operator adds the least operator that makes those pods (compare/least-operator.ts); --floor-services the
//     floor that also makes each cluster's head Service.
//   commands: install/upgrade/rollback/uninstall and `list -A` against helm 3 and 4; --version/template against node.
// Uses RAYCTL_TEST_CLUSTER when set (npm test's shared cluster), else starts its own control plane.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  adminClient,
  attachCluster,
  clusterState,
  startCluster,
  stopCluster,
  type ClusterState,
  type TestCluster,
} from '../cluster/cluster.ts';
import type { KubeHttp } from '../cluster/kube-http.ts';
import {
  cliTimings,
  LIFECYCLE_RUNS_PER_REPEAT,
  STARTUP_RUNS_PER_REPEAT,
  type Samples,
  type Tool,
} from './compare/cli.ts';
import { floor, kubeRay, leastOperator, rayctl, type Contender } from './compare/contenders.ts';
import { kubeRayBuild } from './compare/kuberay.ts';
import { rotated } from './compare/measure.ts';
import { cliMedians, cliRatios, operatorRatios, operatorRows, printReport, wallText } from './compare/report.ts';
import {
  controlPlaneQuiet,
  runScenario,
  type Measurement,
  type Scenario,
  type ScenarioContext,
} from './compare/scenarios.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    repeat: { type: 'string' },
    'operator-repeat': { type: 'string' },
    json: { type: 'string' },
    skip: { type: 'string', default: '' },
    'least-operator': { type: 'boolean', default: false },
    'floor-services': { type: 'boolean', default: false },
  },
});
const quick = flags.quick;
/** Repetitions of each command (median of them); lifecycle commands run 3 times as often, start-up 5 (cli.ts). */
const cliRepeat = Number(flags.repeat ?? (quick ? 1 : 5));
/**
 * Repetitions of each operator scenario, alternating the order: a control plane's pace wanders by ±15 % from one
 * run to the next (the floor's own churn: 27.5–32.4 s), so one run of each says little. The 11,000-pod scenario runs
 * once whatever this says: it takes ~20 minutes for the three.
 */
const operatorRepeat = Number(flags['operator-repeat'] ?? (quick ? 1 : 3));
const isLarge = (scenario: Scenario) => scenario.clusters * (scenario.workers + 1) > 2_000;
const repeatsOf = (scenario: Scenario) => (isLarge(scenario) ? 1 : operatorRepeat);
/**
 * e.g. --skip 1000x10,list: scenarios (1x10, 100x10, 1000x10), `list`, all `commands`, or contenders (floor, kuberay,
 * rayctl) left out (said in the output and the JSON).
 */
const skipped = new Set(flags.skip.split(',').filter(Boolean));

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const shared = process.env.RAYCTL_TEST_CLUSTER;
/**
 * A large scenario runs each contender on a control plane of its own. After 11,000 pods have come and gone, the
 * control plane works harder for the next 11,000: the same rayctl 1000×10 took 235.6 s on a fresh one (kwok 42 s of
 * CPU, kube-controller-manager 99 s) and 337.7 s right after it on the same one (kwok 110 s, controller manager
 * 152 s). One run each cannot alternate that away, so each starts clean. Not on a shared cluster: said in the JSON.
 */
const ownControlPlane = (scenario: Scenario) => isLarge(scenario) && !shared;

const SCENARIOS: Scenario[] = [
  { id: '1x10', clusters: 1, workers: 10, restingMemory: true },
  { id: '100x10', clusters: 100, workers: 10, churn: [20, 5] },
  { id: '1000x10', clusters: 1000, workers: 10 },
].filter((s) => (quick ? s.id === '1x10' : !skipped.has(s.id)));
// 110 pods a kwok node: the largest scenario (11,000 pods) plus room for what else runs.
const NODES = quick ? 3 : 110;

const byProcess = (seconds: Record<string, number>) =>
  Object.entries(seconds)
    .filter(([, s]) => s >= 0.05)
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
    .join(', ');

/** One phase's numbers, logged as the run goes. */
function phaseLine(m: Measurement): string {
  const steps = m.stepSeconds.length > 1 ? ` (steps ${m.stepSeconds.map(wallText).join(' + ')} s)` : '';
  const mainThread = m.mainThreadCpuSeconds === null ? '' : ` (main thread ${m.mainThreadCpuSeconds.toFixed(3)} s)`;
  return [
    `${m.phase}: ${wallText(m.wallSeconds)} s${steps}`,
    `CPU ${m.cpuSeconds === null ? 'n/a' : `${m.cpuSeconds.toFixed(3)} s${mainThread}${m.cpuExact ? '' : ' in ticks'}`}`,
    `${m.requests} requests`,
    `control plane CPU ${m.controlPlaneCpuSeconds.toFixed(1)} s (${byProcess(m.controlPlaneCpuByProcess)})`,
    `machine ${Math.round(m.machineBusy * 100)}% busy (${(m.machineStolen * 100).toFixed(1)}% stolen)`,
    ...(m.kwokFailedStages ? [`kwok had ${m.kwokFailedStages} stage patches refused`] : []),
  ].join(', ');
}

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

interface OperatorRun {
  ctx: ScenarioContext;
  contenders: Contender[];
  close(): Promise<void>;
}

/**
 * The contenders on one control plane, their CRDs installed, with a client for it. `owned`: started for this run,
 * and stopped when it closes.
 */
async function onControlPlane(cluster: TestCluster, logDir: string, owned = false): Promise<OperatorRun> {
  const state = clusterState(cluster);
  const ctx = { state, admin: adminClient(state), logDir, disposable: owned };
  const contenders = [
    ...(skipped.has('floor') ? [] : [floor(state)]),
    ...(skipped.has('kuberay') ? [] : [kubeRay(kubeRayBuild())]),
    ...(skipped.has('rayctl') ? [] : [rayctl]),
    // Asked for only: what any operator of rayctl's pods would cost (least-operator.ts), not a choice users have.
    ...(flags['least-operator'] ? [leastOperator] : []),
    // Asked for only: the floor that also makes each cluster's head Service, as every operator does.
    ...(flags['floor-services'] ? [floor(state, { headServices: true })] : []),
  ];
  for (const contender of contenders) await contender.prepare(ctx.admin);
  return {
    ctx,
    contenders,
    async close() {
      ctx.admin.close();
      if (owned) await stopCluster(cluster);
    },
  };
}

async function freshControlPlane(logDir: string): Promise<OperatorRun> {
  const cluster = await startCluster({ nodes: NODES, processNodes: 0, timeoutMs: 180_000 });
  try {
    return await onControlPlane(cluster, logDir, true);
  } catch (error) {
    await stopCluster(cluster);
    throw error;
  }
}

async function operatorScenarios(cluster: TestCluster, onResults: (results: Measurement[]) => void): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'rayctl-compare-logs-'));
  log(`operator logs in ${logDir}`);
  const base = await onControlPlane(cluster, logDir);
  try {
    let round = 0;
    for (const scenario of SCENARIOS)
      for (let repetition = 0; repetition < repeatsOf(scenario); repetition++, round++)
        for (const { name } of rotated(base.contenders, round)) {
          log(`${scenario.id} ${name} (repetition ${repetition + 1}/${repeatsOf(scenario)})…`);
          const results = await runOn(base, scenario, name, logDir, repetition).catch((error: Error) => {
            // One failed contender must not lose the others' numbers: said here and in the JSON.
            log(`  FAILED: ${error.message}`);
            failures.push(`${scenario.id} ${name}: ${error.message}`);
            return [];
          });
          for (const m of results) log(`  ${phaseLine(m)}`);
          onResults(results);
        }
  } finally {
    await base.close();
  }
}

/** One contender's run of a scenario: on the shared control plane, or for a large scenario on a fresh one. */
async function runOn(base: OperatorRun, scenario: Scenario, name: string, logDir: string, repetition: number) {
  const run = ownControlPlane(scenario) ? await freshControlPlane(logDir) : base;
  try {
    const contender = run.contenders.find((c) => c.name === name)!;
    return await runScenario(run.ctx, contender, scenario, repetition);
  } finally {
    if (run !== base)
      try {
        keepControlPlaneLogs(run.ctx.state.dir, join(logDir, `control-plane-${scenario.id}-${name}`));
      } finally {
        await run.close();
      }
  }
}

/** A fresh plane goes, its logs stay: a window whose control plane worked unusually hard can be read afterwards. */
function keepControlPlaneLogs(planeDir: string, keptDir: string): void {
  mkdirSync(keptDir);
  for (const file of ['kwok.log', 'kube-apiserver.log', 'kube-controller-manager.log', 'kube-scheduler.log'])
    if (existsSync(join(planeDir, file))) copyFileSync(join(planeDir, file), join(keptDir, file));
}

async function rayCrdNames(admin: KubeHttp): Promise<Set<string>> {
  const list = await admin.get<{ items: { metadata: { name: string } }[] }>(CRDS);
  return new Set(list.items.map((crd) => crd.metadata.name).filter((name) => name.endsWith('ray.io')));
}

async function removeCrdsAddedSince(admin: KubeHttp, before: Set<string>): Promise<void> {
  for (const name of await rayCrdNames(admin)) if (!before.has(name)) await admin.request('DELETE', `${CRDS}/${name}`);
}

async function commandTimings(cluster: TestCluster): Promise<Samples> {
  const tools: Tool[] = quick ? ['rayctl', 'helm3'] : ['rayctl', 'helm3', 'helm4'];
  log(`commands: ${tools.join(', ')}, ${cliRepeat} repetition(s)…`);
  const state = clusterState(cluster);
  const admin = adminClient(state);
  try {
    // A guard, like the scenarios' wait: on a shared plane the tests before may still keep it busy. A plane this run
    // just started was quiet at the first sample when checked.
    await controlPlaneQuiet(state.processes);
    return await cliTimings({
      admin,
      kubeconfig: cluster.kubeconfig,
      binDir: cluster.binDir,
      repeat: cliRepeat,
      tools,
      listReleases: quick || skipped.has('list') ? 0 : 200,
      listRevisions: 10,
    });
  } finally {
    admin.close();
  }
}

const failures: string[] = [];

const METHOD = {
  wall: 'from the first create (or scale) request to the watch event after which exactly the expected pods exist, all Running and Ready',
  cpu: "on-CPU time of the operator process's threads (/proc/<pid>/task/*/schedstat, in ns) over the same window, or utime+stime (10 ms ticks) where a thread ended within it (cpuExact false); the floor's process is node-watch-floor.mjs (Node.js, https and an operator's three watches, nothing else)",
  startedRss: 'VmRSS of the operator process once started and settled (4 s), right before the first RayCluster',
  idleRss:
    "VmRSS of the operator process at rest, 20 s after its start (once V8's memory reducer has run), before the first RayCluster; 1x10 only",
  idlePrivate:
    "RssAnon of the operator process at the same moment: its own pages, VmRSS less its executable's and libraries'",
  controlPlaneCpu:
    'utime+stime of the control plane (kube-apiserver, etcd, controller manager, scheduler, kwok) over the same window',
  machineBusy: 'share of all cores busy over the same window (/proc/stat: all but idle and iowait)',
  machineStolen: "share of all cores' time over the same window that the hypervisor gave to others (/proc/stat: steal)",
  kwokFailedStages:
    "kwok's log lines 'failed to apply stage' timed within the same window: its pod-ready stage replayed on stale Pending copies of Running pods, which the API server refuses (a second pod IP); many mean kwok fell behind, and the window's wall time includes its replays",
  peakRss: "VmHWM of the operator process at the window's end (its peak since it started)",
  requests:
    "kube-apiserver audit log: each contender has its own client certificate (user) in an audited group; requests received in the window, a watch counting once when opened; RayClusters are created and scaled by the harness's own identity, which is not counted",
  operators: 'both with reconcile concurrency 10 and client-side QPS 1000 / burst 2000; no autoscaling',
  ratios:
    'A/B of the medians; runs: the lowest and highest A/B within one repetition that both ran (for the operators the same scenario, phase and repetition; for the commands the same round), where there were at least two; a churn phase also has the wall ratios of each of its steps (step 1 scales 10 → 20 workers, step 2 20 → 5), against the floor',
  repeats: {
    operatorScenarios: operatorRepeat,
    operatorScenariosOver2000Pods: 1,
    lifecycleCommands: cliRepeat * LIFECYCLE_RUNS_PER_REPEAT,
    listCommand: cliRepeat,
    startup: cliRepeat * STARTUP_RUNS_PER_REPEAT,
  },
  controlPlanes: shared
    ? 'all on the shared cluster (RAYCTL_TEST_CLUSTER)'
    : 'one for the commands and the scenarios up to 2,000 pods; a fresh one for each contender in larger scenarios',
  skipped: quick ? ['100x10', '1000x10', 'list', 'helm4'] : [...skipped],
};

interface Collected {
  samples: Samples;
  measurements: Measurement[];
  load: { start: number[]; end: number[] };
}

/** Written after every step, so a run cut short still leaves what it measured. */
function writeResults(file: string, state: ClusterState, collected: Collected) {
  const rows = operatorRows(collected.measurements);
  const medians = cliMedians(collected.samples);
  const ratios = [...operatorRatios(collected.measurements), ...cliRatios(collected.samples)];
  mkdirSync(dirname(file), { recursive: true });
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: collected.load },
    cluster: { kwokNodes: state.nodes.length, shared: Boolean(process.env.RAYCTL_TEST_CLUSTER) },
    method: METHOD,
    operator: { rows, measurements: collected.measurements },
    commands: { medianMs: medians, samplesMs: collected.samples },
    ratios,
    failures,
  };
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return { rows, medians, ratios };
}

/**
 * On npm test's shared cluster, leaves the CRDs as it found them: KubeRay's rayclusters.ray.io would make
 * `kubectl get rayclusters` ambiguous for the test files after this one.
 */
async function restoringCrds(cluster: TestCluster, run: () => Promise<void>): Promise<void> {
  const admin = adminClient(clusterState(cluster));
  const before = await rayCrdNames(admin);
  try {
    await run();
  } finally {
    if (shared) await removeCrdsAddedSince(admin, before);
    admin.close();
  }
}

async function main(cluster: TestCluster): Promise<void> {
  const state = clusterState(cluster);
  const file = flags.json ?? join('test', 'bench', 'results', `compare-${new Date().toISOString().slice(0, 10)}.json`);
  const collected: Collected = { samples: {}, measurements: [], load: { start: loadavg(), end: [] } };
  // Commands first: short, and then a run cut short by time still has them.
  if (!skipped.has('commands')) collected.samples = await commandTimings(cluster);
  writeResults(file, state, collected);
  await operatorScenarios(cluster, (results) => {
    collected.measurements.push(...results);
    writeResults(file, state, collected);
  });
  collected.load.end = loadavg();
  const { rows, medians, ratios } = writeResults(file, state, collected);
  printReport(rows, medians, ratios);
  for (const failure of failures) log(`FAILED ${failure}`);
  log(`results in ${file}`);
}

const cluster = shared
  ? attachCluster(shared)
  : await startCluster({ nodes: NODES, processNodes: 0, timeoutMs: 180_000 });
try {
  await restoringCrds(cluster, () => main(cluster));
} finally {
  if (!shared) await stopCluster(cluster);
}
