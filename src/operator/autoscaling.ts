// The autoscaler's runtime: polls each cluster's GCS for Ray's load, runs the pure decision (autoscaler.ts), drains
// the idle workers it removes through Ray, and hands the result to the reconcile (plan() stays the only writer of
// pods). It talks to Ray only through GcsApi, so unit tests drive it with an in-memory GCS.
import { decide, formatBundles, formatDemand, type AutoscalerDecision, type WorkerType } from './autoscaler.ts';
import { rayResourcesOf } from './build.ts';
import type { Autoscaling } from './desired.ts';
import type { AutoscalingReport, ClusterResourceState } from './gcs-messages.ts';
import type { Logger, OperatorLog } from './log.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { AutoscalerStatus, RayCluster } from './types.ts';

/** What the runtime needs of a cluster's GCS (gcs.ts implements it over gRPC). */
export interface GcsApi {
  getClusterResourceState(): Promise<ClusterResourceState>;
  drainNode(nodeId: Uint8Array, message: string): Promise<{ accepted: boolean; rejection: string }>;
  reportAutoscalingState(report: AutoscalingReport): Promise<void>;
  close(): void;
}

/** One cluster as the controller's caches show it. */
export interface AutoscalingView {
  cluster: RayCluster;
  /** The current head pod, once it exists; its IP once it has one. */
  head?: { name: string; ip?: string };
  /** Worker pods that exist or are being created (not being deleted), by pod type. */
  workers: { name: string; podType: string }[];
}

export interface AutoscalerLoopOptions {
  pollMs: number;
  /** GCS polls in flight at once, over all clusters. */
  concurrency: number;
  connect(address: string): GcsApi;
  /** Keys (namespace/name) of the clusters to poll, and the view of one. */
  keys(): string[];
  view(key: string): AutoscalingView | undefined;
  /** The decision for this cluster changed: reconcile it. */
  changed(key: string): void;
  event(cluster: RayCluster, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  log: OperatorLog;
  metrics: OperatorMetrics;
}

/** The longest wait between polls of a GCS that does not answer. */
const MAX_BACKOFF_MS = 60_000;
/** Ray's default GCS port; the head's start command may name another with --port. */
const DEFAULT_GCS_PORT = 6379;

interface ClusterState {
  address?: string;
  gcs?: GcsApi;
  headPod?: string;
  /** What plan() gets; undefined until the first poll. */
  current?: Autoscaling;
  /** Pods Ray accepted to drain, with why: removed by the reconcile, never counted as capacity again. */
  drained: Map<string, string>;
  failures: number;
  nextPollAt: number;
  polling: boolean;
  reportVersion: number;
  lastInfeasible: string;
}

/** The port of the head's GCS: `--port` of its `ray start --head`, else Ray's default. */
export function gcsPort(cluster: RayCluster): number {
  const start = (cluster.spec.headStartRayCommands ?? []).find((c) => /\bray start\b/.test(c) && /--head\b/.test(c));
  const port = /--port[= ](\d+)/.exec(start ?? '')?.[1];
  return port ? Number(port) : DEFAULT_GCS_PORT;
}

/** The worker types as the decision sees them: what Ray gets for each, and its range with the manual floor. */
export function workerTypes(cluster: RayCluster): WorkerType[] {
  return cluster.spec.podTypes.map((t) => {
    const max = t.maxWorkers ?? Number.POSITIVE_INFINITY;
    // `rayctl scale` (desiredWorkers) is a floor: the autoscaler never drains below it.
    const min = Math.min(Math.max(t.minWorkers ?? 0, t.desiredWorkers ?? 0), max);
    return { name: t.name, resources: rayResourcesOf(t.podConfig.spec.containers[0]!, t), min, max };
  });
}

export class AutoscalerLoop {
  private readonly clusters = new Map<string, ClusterState>();
  private readonly due: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: AutoscalerLoopOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.pollMs);
    this.timer.unref();
    this.tick();
  }

  /** Stops polling, waits for polls in flight, closes every GCS connection. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopped = true;
    this.due.length = 0;
    await Promise.all(this.inFlight);
    for (const state of this.clusters.values()) state.gcs?.close();
    this.clusters.clear();
  }

  /** What plan() takes for this cluster; undefined before its first poll (plan() then reads the last status). */
  autoscaling(key: string): Autoscaling | undefined {
    return this.clusters.get(key)?.current;
  }

  /** Queues every cluster whose next poll is due, and forgets clusters that are gone. */
  tick(): void {
    const now = Date.now();
    const keys = new Set(this.options.keys());
    for (const [key, state] of this.clusters)
      if (!keys.has(key) && !state.polling) {
        state.gcs?.close();
        this.clusters.delete(key);
      }
    for (const key of keys) {
      const state = this.stateOf(key);
      if (state.polling || state.nextPollAt > now) continue;
      state.polling = true;
      this.due.push(key);
    }
    this.pump();
  }

  /** Polls of all clusters finished; for tests and the benchmark. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.due.length > 0) await Promise.all(this.inFlight);
  }

  private stateOf(key: string): ClusterState {
    let state = this.clusters.get(key);
    if (!state) {
      state = { drained: new Map(), failures: 0, nextPollAt: 0, polling: false, reportVersion: 0, lastInfeasible: '' };
      this.clusters.set(key, state);
    }
    return state;
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.due.length > 0) {
      const key = this.due.shift()!;
      const state = this.stateOf(key);
      this.active += 1;
      const run = this.poll(key, state)
        .catch((err: Error) => this.options.log.error(`autoscaler: ${key}: ${err.message}`))
        .finally(() => {
          this.active -= 1;
          state.polling = false;
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  private async poll(key: string, state: ClusterState): Promise<void> {
    const view = this.options.view(key);
    if (!view) return;
    const { cluster } = view;
    const log = this.options.log.forCluster(cluster.metadata.name, cluster.metadata.namespace ?? '');
    // The last status, also the one a previous operator wrote: it keeps headPod and the last scale times.
    const last: AutoscalerStatus | undefined = state.current?.status ?? cluster.status?.autoscaler;
    const kept = { ...(last?.lastScaleUp ? { lastScaleUp: last.lastScaleUp } : {}) };
    if (last?.lastScaleDown) Object.assign(kept, { lastScaleDown: last.lastScaleDown });

    if (cluster.spec.enableAutoscaling === false) {
      this.disconnect(state);
      return this.settle(key, state, {
        drained: new Map(),
        status: {
          state: 'Disabled',
          message: 'spec.enableAutoscaling is false: workers follow desiredWorkers and minWorkers',
          ...kept,
        },
      });
    }
    if (view.head?.name !== state.headPod) {
      // A new head is a new Ray: nothing drained in the old one applies.
      state.drained.clear();
      state.headPod = view.head?.name;
    }
    const ownsHead = !!view.head && last?.headPod === view.head.name;
    if (!view.head?.ip) {
      this.disconnect(state);
      return this.settle(key, state, {
        drained: state.drained,
        status: { state: 'WaitingForHead', message: 'no head pod with an IP yet', ...kept },
      });
    }

    const address = `${view.head.ip}:${gcsPort(cluster)}`;
    if (state.address !== address) {
      this.disconnect(state);
      state.gcs = this.options.connect(address);
      state.address = address;
    }
    const gcs = state.gcs!;
    const started = performance.now();
    let ray: ClusterResourceState;
    try {
      ray = await gcs.getClusterResourceState();
      this.options.metrics.gcsPollSeconds.observe((performance.now() - started) / 1000);
    } catch (err) {
      return this.unreachable(key, state, { log, address, ownsHead, error: err as Error, kept, head: view.head.name });
    }
    if (state.failures > 0) log.info(`autoscaler: Ray's GCS at ${address} answers again`);
    state.failures = 0;
    state.nextPollAt = 0;

    const decision = decide({
      types: workerTypes(cluster),
      maxWorkers: cluster.spec.maxWorkers ?? Number.POSITIVE_INFINITY,
      upscalingSpeed: cluster.spec.upscalingSpeed ?? 1,
      idleTimeoutMs: (cluster.spec.idleTimeoutMinutes ?? 5) * 60_000,
      // Drained workers are leaving: neither capacity nor part of any count.
      workers: view.workers.filter((w) => !state.drained.has(w.name)),
      nodes: ray.nodes,
      demand: ray.demand,
    });
    const drainedNow = await this.drain(state, gcs, decision, ray, log);
    for (const pod of state.drained.keys()) if (!view.workers.some((w) => w.name === pod)) state.drained.delete(pod);

    const status = await this.record(state, view, decision, ray, drainedNow, { log, kept });
    this.report(state, gcs, view, decision, ray, log);
    this.settle(key, state, { targets: decision.targets, drained: new Map(state.drained), status });
  }

  /** Drains what the decision removes; a node Ray refuses to drain (busy after all) stays, and its type with it. */
  private async drain(
    state: ClusterState,
    gcs: GcsApi,
    decision: AutoscalerDecision,
    ray: ClusterResourceState,
    log: Logger,
  ): Promise<AutoscalerDecision['remove']> {
    const drained: AutoscalerDecision['remove'] = [];
    for (const removal of decision.remove) {
      if (state.drained.has(removal.pod)) continue;
      const node = ray.nodes.find((n) => n.instanceId === removal.pod && n.status !== 'DEAD');
      if (node && node.status !== 'DRAINING') {
        const reply = await gcs
          .drainNode(node.nodeId, `rayctl autoscaler: ${removal.reason}`)
          .catch((err: Error) => ({ accepted: false, rejection: err.message }));
        if (!reply.accepted) {
          log.info(`autoscaler: Ray did not drain ${removal.pod}: ${reply.rejection || 'refused'}; keeping it`);
          const kept = (decision.targets.get(removal.podType) ?? 0) + 1;
          decision.targets.set(removal.podType, kept);
          continue;
        }
      }
      state.drained.set(removal.pod, removal.reason);
      drained.push(removal);
    }
    return drained;
  }

  /** Events, metrics and log lines for what changed; returns the status to write. */
  private async record(
    state: ClusterState,
    view: AutoscalingView,
    decision: AutoscalerDecision,
    ray: ClusterResourceState,
    drained: AutoscalerDecision['remove'],
    context: { log: Logger; kept: Pick<AutoscalerStatus, 'lastScaleUp' | 'lastScaleDown'> },
  ): Promise<AutoscalerStatus> {
    const { cluster } = view;
    const { log, kept } = context;
    const { metrics } = this.options;
    const time = new Date().toISOString();
    const demand = formatDemand(ray.demand);
    const infeasible = formatBundles(decision.infeasible);
    const waiting = decision.deferred.length > 0;
    let { lastScaleUp, lastScaleDown } = kept;

    // Launches repeat in every poll until the new pods show in the cache: record them once, when targets rise.
    const before = state.current?.targets;
    const rises = [...decision.launches].filter(
      ([type, n]) => n > 0 && (decision.targets.get(type) ?? 0) > (before?.get(type) ?? -1),
    );
    if (rises.length > 0) {
      const message = `${rises.map(([type, n]) => `+${n} ${type}`).join(', ')} for ${demand || 'minWorkers'}`;
      lastScaleUp = { time, message };
      for (const [, n] of rises) metrics.decisions.inc({ action: 'scale_up' }, n);
      log.info(`autoscaler: scaling up: ${message}`);
      await this.options.event(cluster, 'Normal', 'ScaledUp', message);
    }
    for (const removal of drained) {
      const message = `${removal.pod} (${removal.podType}): ${removal.reason}`;
      lastScaleDown = { time, message };
      metrics.decisions.inc({ action: 'scale_down' });
      log.info(`autoscaler: scaling down: drained ${message}`);
      await this.options.event(cluster, 'Normal', 'ScaledDown', message);
    }
    if (infeasible !== state.lastInfeasible) {
      state.lastInfeasible = infeasible;
      if (infeasible) {
        const message = `no pod type can hold ${infeasible}: add a pod type with these resources or change the request`;
        metrics.decisions.inc({ action: 'infeasible' });
        log.warn(`autoscaler: ${message}`);
        await this.options.event(cluster, 'Warning', 'InfeasibleDemand', message);
      }
    }
    // Keys in one order: the status is compared as text to know whether it changed.
    return {
      state: 'Active',
      message: `reading Ray's load every ${this.options.pollMs / 1000}s${waiting ? `; ${formatBundles(decision.deferred)} must wait: maxWorkers reached or upscalingSpeed` : ''}`,
      headPod: view.head!.name,
      ...(demand ? { pendingDemand: demand } : {}),
      ...(infeasible ? { infeasibleDemand: infeasible } : {}),
      ...(lastScaleUp ? { lastScaleUp } : {}),
      ...(lastScaleDown ? { lastScaleDown } : {}),
    };
  }

  /** Tells Ray what the autoscaler does, so `ray status` on the head shows pending workers and infeasible demand. */
  private report(
    state: ClusterState,
    gcs: GcsApi,
    view: AutoscalingView,
    decision: AutoscalerDecision,
    ray: ClusterResourceState,
    log: Logger,
  ): void {
    const inRay = new Set(ray.nodes.filter((n) => n.status !== 'DEAD').map((n) => n.instanceId));
    const pending = [
      ...view.workers.filter((w) => !inRay.has(w.name)).map((w) => ({ instanceId: w.name, nodeType: w.podType })),
      ...[...decision.launches].flatMap(([nodeType, n]) =>
        Array.from({ length: n }, () => ({ instanceId: '', nodeType })),
      ),
    ];
    state.reportVersion += 1;
    gcs
      .reportAutoscalingState({
        clusterResourceStateVersion: ray.version,
        autoscalerStateVersion: state.reportVersion,
        pending,
        infeasible: decision.infeasible,
      })
      .catch((err: Error) => log.debug(`autoscaler: report to Ray failed: ${err.message}`));
  }

  /** The GCS did not answer: hold every worker (plan() does, given no targets), back off, say so. */
  private unreachable(
    key: string,
    state: ClusterState,
    facts: {
      log: Logger;
      address: string;
      ownsHead: boolean;
      error: Error;
      kept: Pick<AutoscalerStatus, 'lastScaleUp' | 'lastScaleDown'>;
      head: string;
    },
  ): void {
    const { log, address, ownsHead, error, kept, head } = facts;
    this.options.metrics.gcsPollErrors.inc();
    state.failures += 1;
    const backoff = Math.min(this.options.pollMs * 2 ** (state.failures - 1), MAX_BACKOFF_MS);
    state.nextPollAt = Date.now() + backoff;
    // Before the autoscaler has read this head's Ray, a refused connection is Ray still starting, not an outage.
    const status: AutoscalerStatus = ownsHead
      ? {
          state: 'Unreachable',
          message: `Ray's GCS at ${address} does not answer: no worker is removed until it does`,
          headPod: head,
          ...kept,
        }
      : { state: 'WaitingForHead', message: `waiting for Ray's GCS on head pod ${head} (${address})`, ...kept };
    if (ownsHead && state.failures === 1)
      log.warn(`autoscaler: ${status.message} (${error.message}); retrying with back-off`);
    else log.debug(`autoscaler: poll failed (${error.message}); next in ${backoff} ms`);
    this.settle(key, state, { drained: new Map(state.drained), status });
  }

  private disconnect(state: ClusterState): void {
    state.gcs?.close();
    state.gcs = undefined;
    state.address = undefined;
  }

  /** Stores what plan() gets, and asks for a reconcile when it differs from before. */
  private settle(key: string, state: ClusterState, next: Autoscaling): void {
    const text = (a: Autoscaling | undefined) =>
      a && JSON.stringify([a.targets ? [...a.targets] : null, [...a.drained], a.status]);
    const changed = text(state.current) !== text(next);
    state.current = next;
    if (changed) this.options.changed(key);
  }
}
