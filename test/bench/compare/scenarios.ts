// One operator scenario for one contender: a fresh namespace and identity, the operator started, clusters created
// (and, for churn, scaled), timed until every pod is Running and Ready; then CPU, peak RSS and API requests.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterState } from '../../cluster/cluster.ts';
import type { KubeHttp } from '../../cluster/kube-http.ts';
import { tailOf } from '../../cluster/processes.ts';
import type { Contender, ContenderName, Send } from './contenders.ts';
import { AUDIT_FLUSH_MS, auditedIdentity, countRequests, type Identity } from './identity.ts';
import { kwokFailedStages } from './kwok-log.ts';
import { cpuSecondsByName, cpuSince, machineTicks, readCpu, residentMb } from './measure.ts';
import { PodWatcher } from './pods.ts';

export interface Scenario {
  id: string;
  clusters: number;
  workers: number;
  /** Worker counts every cluster is scaled to in turn after creation, measured together as a churn phase. */
  churn?: number[];
  /** Measure the operator's memory at rest before the first RayCluster (OPERATOR_REST_MS after its start). */
  restingMemory?: boolean;
}

export interface Measurement {
  contender: ContenderName;
  scenario: string;
  phase: 'create' | 'churn';
  repetition: number;
  /** Pods at the end of the phase. */
  pods: number;
  wallSeconds: number;
  /** Wall time of each step of the phase (churn: one per scale), which adds up to wallSeconds. */
  stepSeconds: number[];
  /**
   * The contender's process's CPU during the phase (for the floor, the process that holds its watches): its threads'
   * on-CPU time, or utime + stime where a thread ended within the phase (cpuSince).
   */
  cpuSeconds: number | null;
  /**
   * Of that, the operator's main thread's. For the Node operators the rest is V8's compiler and garbage collector
   * threads; KubeRay's Go code runs on any of its threads, so there it says little.
   */
  mainThreadCpuSeconds: number | null;
  /** Whether those are the threads' exact time (true) or whole clock ticks of 10 ms (false). */
  cpuExact: boolean | null;
  /**
   * CPU seconds of the control plane's own processes (API server, etcd, controller manager, scheduler, kwok) during
   * the phase: the work the contender's requests and objects cause there.
   */
  controlPlaneCpuSeconds: number;
  /** The same, by process (kube-apiserver, etcd, …). */
  controlPlaneCpuByProcess: Record<string, number>;
  /** How busy the whole machine was during the phase, 0–1 of all its cores: near 1, wall time is CPU-bound. */
  machineBusy: number;
  /** Of all the cores' time over the phase, the share the hypervisor gave to others (steal): a slower machine. */
  machineStolen: number;
  /**
   * kwok's stage patches the API server refused during the phase (kwok-log.ts): its pod-ready replayed on stale
   * copies, when kwok fell behind. Null when its log is not at hand.
   */
  kwokFailedStages: number | null;
  /** The operator's VmRSS once started and settled (OPERATOR_SETTLE_MS), right before the first RayCluster. */
  startedRssMb: number | null;
  /** Its VmRSS at rest, before the first RayCluster (scenarios with restingMemory; else null). */
  idleRssMb: number | null;
  /**
   * Of that, RssAnon: the process's own memory. The rest is its executable's and libraries' pages, which a Node.js
   * process (node's ~100 MB executable) and a Go one (KubeRay's) touch in different amounts whatever they run.
   */
  idlePrivateMb: number | null;
  /** The operator's VmHWM at the end of the phase (its peak since it started). */
  peakRssMb: number | null;
  /** Requests the contender's own identity made during the phase (audit log); null when the cluster has no log. */
  requests: number | null;
  requestsByVerb: Record<string, number>;
}

export interface ScenarioContext {
  state: ClusterState;
  admin: KubeHttp;
  /** Operator logs go here. */
  logDir: string;
  /** The control plane is stopped after this run: its namespace is left, not deleted pod by pod (minutes at 11k). */
  disposable?: boolean;
}

/** Time an operator gets between starting and the first RayCluster: informers listed and watching. */
const OPERATOR_SETTLE_MS = 4_000;
/**
 * When an operator is at rest. A Node.js process keeps its start-up's garbage until V8's memory reducer collects it,
 * ~8 s after allocation slows: rayctl's operator holds 11.5 MB of its own at 4 s and 8.9 MB from 12 s on, the watch
 * floor 9.0 and 7.5 MB. KubeRay's stays at 8.9 MB from 2 s to 2 minutes.
 */
const OPERATOR_REST_MS = 20_000;

const podsOf = (clusters: number, workers: number) => clusters * (workers + 1);
/**
 * Generous: 150 ms a pod, at least 2 minutes; a stuck run fails instead of hanging. On 2 cores the control plane
 * itself (scheduler, kwok) makes ~17 pods a second Ready at 11,000 pods, so 1000×10 needs ~11 minutes.
 */
const timeoutFor = (pods: number) => Math.max(120_000, pods * 150);

async function createNamespace(admin: KubeHttp, name: string): Promise<void> {
  await admin.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // Pods are refused until the namespace's default ServiceAccount exists.
  const deadline = Date.now() + 30_000;
  while ((await admin.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`namespace ${name}: no default ServiceAccount after 30 s`);
    await sleep(100);
  }
}

/** Idle, 110 kwok nodes' heartbeats cost the control plane ~2.5% of a core; busier than this is not yet quiet. */
const QUIET_CORE_SHARE = 0.1;
const QUIET_SAMPLE_MS = 2_000;
// Past a minute, waiting has bought nothing: on some days the control plane idles above the line after a run for as
// long as it is watched (kube-apiserver alone at 21% of a core, 300 s on, with ~1 request a second), and runs
// waited out all 300 s of the old timeout.
const QUIET_TIMEOUT_MS = 60_000;

/**
 * Waits until the control plane is quiet: once a namespace is gone, kube-controller-manager still works through its
 * deleted objects (the garbage collector, the endpoint controllers). In rayctl's 1,000×10 window right after
 * KubeRay's it used 143 s of CPU, against 105 s in another run: whoever ran second paid for whoever ran first.
 */
export async function controlPlaneQuiet(processes: ClusterState['processes']): Promise<void> {
  const used = () => Object.values(cpuSecondsByName(processes)).reduce((a, b) => a + b, 0);
  const started = Date.now();
  for (let samples = 1; ; samples++) {
    const before = used();
    await sleep(QUIET_SAMPLE_MS);
    if (used() - before < (QUIET_CORE_SHARE * QUIET_SAMPLE_MS) / 1000) {
      if (samples > 1)
        process.stderr.write(
          `  waited ${((Date.now() - started) / 1000).toFixed(0)} s for the control plane to go quiet\n`,
        );
      return;
    }
    if (Date.now() - started > QUIET_TIMEOUT_MS) {
      process.stderr.write(`  the control plane is still busy after ${QUIET_TIMEOUT_MS / 1000} s; going on\n`);
      return;
    }
  }
}

/** Deletes the namespace and waits until it (and so every pod in it) is gone, so the next contender starts clean. */
export async function deleteNamespace(admin: KubeHttp, name: string, timeoutMs = 900_000): Promise<void> {
  await admin.request('DELETE', `/api/v1/namespaces/${name}`);
  const deadline = Date.now() + timeoutMs;
  while ((await admin.request('GET', `/api/v1/namespaces/${name}`)).status !== 404) {
    if (Date.now() > deadline) throw new Error(`namespace ${name} still there after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

async function startOperator(contender: Contender, identity: Identity, logFile: string) {
  const operator = contender.start(identity, logFile);
  if (!operator) return undefined;
  await sleep(OPERATOR_SETTLE_MS);
  if (operator.exitCode !== null || operator.signalCode !== null)
    throw new Error(`${contender.name} exited at start:\n${await tailOf(logFile)}`);
  return operator;
}

async function stopOperator(operator: ChildProcess | undefined): Promise<void> {
  if (!operator || operator.exitCode !== null || operator.signalCode !== null) return;
  const exited = new Promise((resolve) => operator.once('exit', resolve));
  operator.kill('SIGTERM');
  const timer = setTimeout(() => operator.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface PhaseRun {
  contender: Contender;
  scenario: Scenario;
  phase: Measurement['phase'];
  repetition: number;
  operator: ChildProcess | undefined;
  startedRssMb: number | null;
  idleRssMb: number | null;
  idlePrivateMb: number | null;
  identity: Identity;
  watcher: PodWatcher;
  pods: number;
}

/** Runs the phase's steps (each waits until the pods settle) and measures the whole of it. */
async function measurePhase(ctx: ScenarioContext, run: PhaseRun, steps: [pods: number, act: Send][]) {
  const pid = run.operator?.pid;
  const cpuBefore = pid ? readCpu(pid) : undefined;
  const controlPlaneBefore = cpuSecondsByName(ctx.state.processes);
  const machineBefore = machineTicks();
  const fromMs = Date.now();
  const started = performance.now();
  let finished = started;
  const stepSeconds: number[] = [];
  for (const [pods, act] of steps) {
    const stepStarted = finished;
    // Registered before acting: settled() only resolves at exactly `pods` pods, all ready.
    const settled = run.watcher.settled(pods, timeoutFor(pods));
    settled.catch(() => undefined); // awaited below; an error of act() must not leave it unhandled
    await act();
    finished = await settled;
    stepSeconds.push((finished - stepStarted) / 1000);
  }
  const toMs = Date.now();
  const cpu = cpuBefore ? cpuSince(cpuBefore) : undefined;
  const controlPlaneAfter = cpuSecondsByName(ctx.state.processes);
  const controlPlaneCpuByProcess = Object.fromEntries(
    Object.entries(controlPlaneAfter).map(([name, after]) => [name, after - (controlPlaneBefore[name] ?? 0)]),
  );
  const controlPlaneCpu = Object.values(controlPlaneCpuByProcess).reduce((a, b) => a + b, 0);
  const machineAfter = machineTicks();
  const machineTotal = machineAfter.total - machineBefore.total || 1;
  const machineBusy = (machineAfter.busy - machineBefore.busy) / machineTotal;
  const machineStolen = (machineAfter.stolen - machineBefore.stolen) / machineTotal;
  const rss = pid ? residentMb(pid, 'VmHWM') : null;
  await sleep(AUDIT_FLUSH_MS);
  const counted = ctx.state.auditLog
    ? await countRequests(ctx.state.auditLog, run.identity.user, fromMs, toMs)
    : undefined;
  const kwok = ctx.state.processes.find((p) => p.name === 'kwok');
  const kwokFailed = kwok ? await kwokFailedStages(kwok.log, fromMs, toMs) : null;
  return {
    contender: run.contender.name,
    scenario: run.scenario.id,
    phase: run.phase,
    repetition: run.repetition,
    pods: run.pods,
    wallSeconds: (finished - started) / 1000,
    stepSeconds,
    cpuSeconds: cpu?.seconds ?? null,
    mainThreadCpuSeconds: cpu?.mainThreadSeconds ?? null,
    cpuExact: cpu?.exact ?? null,
    controlPlaneCpuSeconds: controlPlaneCpu,
    controlPlaneCpuByProcess,
    machineBusy,
    machineStolen,
    kwokFailedStages: kwokFailed,
    startedRssMb: run.startedRssMb,
    idleRssMb: run.idleRssMb,
    idlePrivateMb: run.idlePrivateMb,
    peakRssMb: rss,
    requests: counted?.total ?? null,
    requestsByVerb: counted?.byVerb ?? {},
  } satisfies Measurement;
}

export async function runScenario(
  ctx: ScenarioContext,
  contender: Contender,
  scenario: Scenario,
  repetition: number,
): Promise<Measurement[]> {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `cmp-${contender.name}-${scenario.id}-${suffix}`;
  const identity = await auditedIdentity(ctx.state, `bench-${contender.name}-${scenario.id}-${suffix}`);
  await createNamespace(ctx.admin, namespace);
  const watcher = await PodWatcher.start(ctx.admin, namespace);
  let operator: ChildProcess | undefined;
  try {
    operator = await startOperator(contender, identity, join(ctx.logDir, `${namespace}.log`));
    const { clusters, workers } = scenario;
    const pid = operator?.pid;
    const startedRssMb = pid ? residentMb(pid, 'VmRSS') : null;
    const atRest = pid && scenario.restingMemory ? pid : undefined;
    if (atRest) await sleep(OPERATOR_REST_MS - OPERATOR_SETTLE_MS);
    const idleRssMb = atRest ? residentMb(atRest, 'VmRSS') : null;
    const idlePrivateMb = atRest ? residentMb(atRest, 'RssAnon') : null;
    const base = {
      contender,
      scenario,
      repetition,
      operator,
      startedRssMb,
      idleRssMb,
      idlePrivateMb,
      identity,
      watcher,
    };
    // Each step's requests are made ready before its phase is timed.
    const create = contender.create(ctx.admin, identity, namespace, clusters, workers);
    const results = [
      await measurePhase(ctx, { ...base, phase: 'create', pods: podsOf(clusters, workers) }, [
        [podsOf(clusters, workers), create],
      ]),
    ];
    if (scenario.churn?.length) {
      const churn = scenario.churn;
      const last = churn[churn.length - 1]!;
      const steps = churn.map((to): [number, Send] => [
        podsOf(clusters, to),
        contender.scale(ctx.admin, identity, namespace, clusters, to),
      ]);
      results.push(await measurePhase(ctx, { ...base, phase: 'churn', pods: podsOf(clusters, last) }, steps));
    }
    return results;
  } finally {
    watcher.stop();
    await stopOperator(operator);
    if (!ctx.disposable) {
      await deleteNamespace(ctx.admin, namespace);
      await controlPlaneQuiet(ctx.state.processes);
    }
  }
}
