import type { KubeClient } from '../kube/client.ts';
import { EventApi, PodApi, RayClusterApi, ServiceApi } from './api.ts';
import { AutoscalerLoop, type AutoscalingView, type GcsApi } from './autoscaling.ts';
import { currentHeadsOf, isEnded, isReady, plan, serviceIPOf, type Autoscaling, type Plan } from './desired.ts';
import { Expectations } from './expectations.ts';
import { apiListWatch, Informer, type ChangeType } from './informer.ts';
import {
  CLUSTER_LABEL,
  HEAD_UID_ANNOTATION,
  headServiceName,
  NODE_TYPE_LABEL,
  OPERATOR_FIELD_MANAGER,
  rayClusterPath,
  USER_NODE_TYPE_LABEL,
} from './labels.ts';
import type { Logger, OperatorLog } from './log.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { PodPolicy } from './pod-policy.ts';
import { WorkQueue } from './queue.ts';
import { alreadyLeft, podChanged, podProgressed, slimCluster, slimPod, slimService } from './slim.ts';
import { inSlowStartBatches, MAX_BATCH } from './slow-start.ts';
import { STATUS_QUIET_MS, StatusWrites } from './status-writes.ts';
import { RAYCLUSTER_API, type Pod, type RayCluster, type RayClusterStatus, type Service } from './types.ts';

export interface ControllerOptions {
  client: KubeClient;
  log: OperatorLog;
  metrics: OperatorMetrics;
  /** Watch only this namespace (a namespaced operator); undefined = every namespace. */
  namespace?: string;
  concurrency: number;
  resyncMs: number;
  /** What podConfig may ask for; checked before every pod is created. */
  podPolicy: PodPolicy;
  /** The autoscaler: how often it reads each cluster's load, how many GCS polls at once; undefined = off. */
  autoscaler?: { pollMs: number; concurrency: number; connect(address: string): GcsApi };
}

/** What plan() gets for every cluster when the operator runs without an autoscaler. */
const AUTOSCALER_OFF: Autoscaling = {
  drained: new Map(),
  status: { state: 'Disabled', message: 'the operator runs with --autoscaler-poll-period 0' },
};

/**
 * The reconcile loop: caches of RayClusters and of the pods and Services labelled with a cluster name, a work queue
 * keyed by namespace/name, and `concurrency` workers that compute the plan and carry it out.
 */
export class RayController {
  private readonly queue = new WorkQueue();
  private readonly clusters: Informer<RayCluster>;
  private readonly pods: Informer<Pod>;
  private readonly services: Informer<Service>;
  private readonly expectations = new Expectations();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * The status this replica last computed, per cluster uid: what the next plan starts from, written or not yet (see
   * status-writes.ts). The leader is the only writer of status, so this is never older than the cache, which may not
   * have seen the write yet (a stale status would lose a restart count).
   */
  private readonly lastStatus = new Map<string, RayClusterStatus>();
  /** When each cluster's status is written: bursts of pod changes become one write. Keyed by uid. */
  private readonly statusWrites = new StatusWrites();
  /** A reconcile due later, per cluster key: for a status write that had to wait, or for pods' progress. */
  private readonly laterTimers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  /** The resourceVersion of this replica's last status write, per uid: its own watch event needs no reconcile. */
  private readonly ownWrites = new Map<string, string>();
  /**
   * Head Services this replica created that the cache has not shown yet, per cluster key: the next reconcile must
   * not create them again (as expectations do for pods).
   */
  private readonly createdServices = new Map<string, Service>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly autoscaler: AutoscalerLoop | undefined;
  private readonly api: { pods: PodApi; events: EventApi; rayClusters: RayClusterApi; services: ServiceApi };

  constructor(private readonly options: ControllerOptions) {
    const { client, namespace, log } = options;
    this.api = {
      pods: new PodApi(client),
      events: new EventApi(client),
      rayClusters: new RayClusterApi(client),
      services: new ServiceApi(client),
    };
    if (options.autoscaler)
      this.autoscaler = new AutoscalerLoop({
        ...options.autoscaler,
        keys: () => this.clusters.list().map((c) => Informer.key(c.metadata.namespace, c.metadata.name)),
        view: (key) => this.autoscalingView(key),
        changed: (key) => this.queue.add(key),
        event: (cluster, type, reason, message) => this.event(cluster, type, reason, message),
        log,
        metrics: options.metrics,
      });
    const scope = namespace ? `/namespaces/${namespace}` : '';
    this.clusters = new Informer<RayCluster>(
      apiListWatch(client, 'rayclusters', rayClusterPath(namespace)),
      (type, c) => this.onCluster(type, c),
      log,
      undefined,
      { transform: (c) => this.keepSpec(slimCluster(c)) },
    );
    this.pods = new Informer<Pod>(
      apiListWatch(client, 'pods', `/api/v1${scope}/pods`, CLUSTER_LABEL),
      (type, pod, old) => this.onPod(type, pod, old),
      log,
      clusterKeyOf,
      // A pod's spec is half of what is left once managedFields are dropped, and no reconcile reads it.
      { transform: slimPod, withoutSpec: true },
    );
    this.services = new Informer<Service>(
      apiListWatch(client, 'services', `/api/v1${scope}/services`, CLUSTER_LABEL),
      (_type, s) => {
        const cluster = s.metadata.labels?.[CLUSTER_LABEL];
        if (cluster) this.createdServices.delete(Informer.key(s.metadata.namespace, cluster));
        this.enqueueOwner(s);
      },
      log,
      undefined,
      { transform: slimService },
    );
  }

  /** Starts the caches and resolves once all three have listed. */
  async startCaches(): Promise<void> {
    this.clusters.start();
    this.pods.start();
    this.services.start();
    await Promise.all([this.clusters.synced, this.pods.synced, this.services.synced]);
  }

  /** Starts the workers (call once leader) and the periodic resync that catches anything missed. */
  startWorkers(): void {
    for (let i = 0; i < this.options.concurrency; i++) void this.work();
    for (const cluster of this.clusters.list()) this.enqueue(cluster.metadata.namespace, cluster.metadata.name);
    this.resyncTimer = setInterval(() => {
      for (const cluster of this.clusters.list()) this.enqueue(cluster.metadata.namespace, cluster.metadata.name);
    }, this.options.resyncMs);
    this.resyncTimer.unref();
    this.autoscaler?.start();
  }

  /**
   * Stops taking work and waits for reconciles in progress to finish; with `flush` (still the leader), then writes the
   * statuses that were waiting to be written.
   */
  async stop(flush = false): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const { timer } of this.laterTimers.values()) clearTimeout(timer);
    this.laterTimers.clear();
    this.queue.shutDown();
    await Promise.all([...this.inFlight, this.autoscaler?.stop()]);
    if (flush) await this.flushStatus();
    this.clusters.stop();
    this.pods.stop();
    this.services.stop();
  }

  /** Numbers for /metrics, read from the caches. */
  updateGauges(): void {
    const { metrics } = this.options;
    metrics.queueDepth.set({}, this.queue.depth);
    metrics.clusters.reset();
    for (const c of this.clusters.list()) metrics.clusters.inc({ phase: c.status?.phase || 'Pending' });
    metrics.pods.reset();
    for (const p of this.pods.list()) metrics.pods.inc({ phase: p.status?.phase ?? 'Unknown' });
  }

  /** The pods of a cluster that it owns (by label and controller reference). */
  private podsOf(cluster: RayCluster): Pod[] {
    const { namespace, name, uid } = cluster.metadata;
    return this.pods
      .byIndex(Informer.key(namespace, name))
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.controller && o.uid === uid));
  }

  /** Whether every pod the cache holds for a cluster `key`, but those leaving or ended, is Running and Ready. */
  private allPodsReady(key: string): boolean {
    return this.pods.byIndex(key).every((p) => p.metadata.deletionTimestamp !== undefined || isEnded(p) || isReady(p));
  }

  /** The cluster's head Service as the cache shows it, or as this replica created it while the cache catches up. */
  private headService(key: string, namespace: string, name: string): Service | undefined {
    const cached = this.services.get(namespace, headServiceName(name));
    if (cached) this.createdServices.delete(key);
    return cached ?? this.createdServices.get(key);
  }

  /** A cluster as the autoscaler sees it: its head, and the workers that exist or are being created. */
  private autoscalingView(key: string): AutoscalingView | undefined {
    const [namespace = '', name = ''] = key.split('/');
    const cluster = this.clusters.get(namespace, name);
    if (!cluster || cluster.metadata.deletionTimestamp) return undefined;
    const deleting = this.expectations.pendingDeletes(key);
    const live = this.podsOf(cluster).filter(
      (p) => !p.metadata.deletionTimestamp && !deleting.has(p.metadata.name) && !isEnded(p),
    );
    const head = currentHeadsOf(cluster, live)[0];
    const workers = live
      .filter(
        (p) =>
          p.metadata.labels?.[NODE_TYPE_LABEL] === 'worker' &&
          !!head &&
          p.metadata.annotations?.[HEAD_UID_ANNOTATION] === head.metadata.uid,
      )
      .map((p) => ({ name: p.metadata.name, podType: p.metadata.labels?.[USER_NODE_TYPE_LABEL] ?? '' }));
    for (const pending of this.expectations.pendingCreates(key))
      if (pending.role === 'worker' && !workers.some((w) => w.name === pending.name))
        workers.push({ name: pending.name, podType: pending.podType });
    return {
      cluster: this.lastStatus.has(cluster.metadata.uid)
        ? { ...cluster, status: this.lastStatus.get(cluster.metadata.uid)! }
        : cluster,
      ...(head ? { head: { name: head.metadata.name, ...(head.status?.podIP ? { ip: head.status.podIP } : {}) } } : {}),
      workers,
    };
  }

  private enqueue(namespace: string | undefined, name: string): void {
    this.queue.add(Informer.key(namespace, name));
  }

  private enqueueOwner(object: { metadata: { namespace?: string; labels?: Record<string, string> } }): void {
    const cluster = object.metadata.labels?.[CLUSTER_LABEL];
    if (cluster) this.enqueue(object.metadata.namespace, cluster);
  }

  /**
   * The cached spec object again when the generation says the spec did not change (a status write, a label): plans
   * memoise what they derive from the spec by its identity (launchHash), and the cache holds one copy.
   */
  private keepSpec(cluster: RayCluster): RayCluster {
    const { namespace = '', name, uid, generation } = cluster.metadata;
    const old = this.clusters.get(namespace, name);
    if (old && generation !== undefined && old.metadata.uid === uid && old.metadata.generation === generation)
      cluster.spec = old.spec;
    return cluster;
  }

  private onCluster(type: ChangeType, cluster: RayCluster): void {
    const { uid, resourceVersion } = cluster.metadata;
    if (type === 'deleted') this.forgetStatus(uid);
    // This replica's own status write coming back: the reconcile that wrote it already saw everything else.
    if (type === 'modified' && resourceVersion !== undefined && this.ownWrites.get(uid) === resourceVersion) {
      this.ownWrites.delete(uid);
      return;
    }
    this.enqueue(cluster.metadata.namespace, cluster.metadata.name);
  }

  private onPod(type: ChangeType, pod: Pod, old: Pod | undefined): void {
    const cluster = clusterKeyOf(pod);
    const deleting = !!cluster && this.expectations.isDeleting(cluster, pod.metadata.name);
    // The cache has caught up with what we did: those expectations are met.
    if (cluster) this.expectations.observed(type, cluster, pod.metadata.namespace ?? '', pod.metadata.name);
    // Most pod updates (scheduled to a node, a container status) change nothing a reconcile reads, nor does a pod that
    // was already leaving, as it goes.
    if (type === 'modified' && old && !podChanged(old, pod)) return;
    if (alreadyLeft(type, old, pod, deleting)) return;
    // A pod that started or became Ready changes only the status, and a changing cluster's status waits until it has
    // been quiet for STATUS_QUIET_MS: its pods' progress over that time is one reconcile, not one each. The event that
    // may make the cluster Running is reconciled at once, for those who wait for that phase.
    if (cluster && type === 'modified' && old && podProgressed(old, pod) && !this.allPodsReady(cluster)) {
      this.reconcileLater(cluster, STATUS_QUIET_MS);
      return;
    }
    this.enqueueOwner(pod);
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.next(); key !== undefined; key = await this.queue.next()) {
      const run = this.reconcileKey(key);
      this.inFlight.add(run);
      await run;
      this.inFlight.delete(run);
      this.queue.done(key);
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const log = this.options.log.forCluster(name, namespace);
    const started = performance.now();
    try {
      const requeue = await this.reconcile(namespace, name, log);
      this.queue.forget(key);
      this.options.metrics.reconciles.inc({ result: 'success' });
      if (requeue) this.queue.addAfter(key, 2_000);
    } catch (err) {
      this.options.metrics.reconciles.inc({ result: 'error' });
      this.options.metrics.errors.inc();
      log.error(`reconcile failed: ${(err as Error).message}; retrying with backoff`);
      this.queue.retry(key);
    } finally {
      this.options.metrics.duration.observe((performance.now() - started) / 1000);
    }
  }

  /** One pass over one cluster. Returns true if it should look again soon (work still in flight). */
  private async reconcile(namespace: string, name: string, log: Logger): Promise<boolean> {
    const key = Informer.key(namespace, name);
    const cluster = this.clusters.get(namespace, name);
    if (!cluster || cluster.metadata.deletionTimestamp) {
      // Its pods and Service go by garbage collection (owner references): nothing to do, nothing to block.
      this.expectations.forget(key);
      this.createdServices.delete(key);
      if (cluster) this.forgetStatus(cluster.metadata.uid);
      return false;
    }
    const written = this.lastStatus.get(cluster.metadata.uid);
    const current: RayCluster = written ? { ...cluster, status: written } : cluster;
    const autoscaling = this.autoscaler ? this.autoscaler.autoscaling(key) : AUTOSCALER_OFF;
    const planNow = (from: RayCluster, service: Service | undefined) =>
      plan({
        cluster: from,
        pods: this.podsOf(cluster),
        service,
        pendingCreates: this.expectations.pendingCreates(key),
        pendingDeletes: this.expectations.pendingDeletes(key),
        now: new Date(),
        podPolicy: this.options.podPolicy,
        ...(autoscaling ? { autoscaling } : {}),
      });
    const liveService = this.headService(key, namespace, name);
    const events = new ReconcileEvents();
    let result = planNow(current, liveService);
    // The head Service is made alongside the pods, and the workers do not wait for it: when many clusters start at
    // once the API server takes up to a second for each new Service (it allocates its ClusterIP one at a time), and
    // a pod create ~50 ms.
    const service = result.service
      ? this.keepHeadService(current, result.service, liveService, log)
      : Promise.resolve(undefined);
    // Handled from now on, so a failure while the pods are still being made is not an unhandled rejection.
    const serviceSettled = Promise.allSettled([service]);
    let acted: boolean;
    try {
      await this.carryOut(current, result, log, events);
      acted = result.create.length > 0 || result.delete.length > 0;
      if (result.create.some((c) => c.role === 'head')) {
        // The new head's uid came with its create: its workers go now, not a watch event and a reconcile later. This
        // pass starts from the status the first one made (a restart it counted). The head's create was slow start's
        // first batch, and the namespace took it: the workers' batches go on from 2.
        const next: RayCluster = { ...current, status: result.status };
        result = planNow(next, liveService);
        await this.carryOut(next, result, log, events, 2);
        acted ||= result.create.length > 0 || result.delete.length > 0;
      }
    } finally {
      // Whatever failed is thrown once the Service's call has settled too. The Events come after the pods, so none
      // delays them; one per kind for both passes (a new cluster's head and workers: one); and when a pass failed
      // too, so what it did is still said.
      await serviceSettled;
      for (const event of events.all()) await this.event(cluster, event.type, event.reason, event.message);
    }
    const conflict = await service;
    // The plans saw no Service when this pass made it: the status gives its address all the same.
    const made = liveService ? undefined : this.headService(key, namespace, name);
    const planned = made ? { ...result.status, serviceIP: serviceIPOf(made) } : result.status;
    const status = conflict ? withServiceConflict(current, planned, conflict) : planned;
    await this.writeStatus(key, cluster, status, log);
    return acted || this.expectations.pendingCreates(key).length > 0;
  }

  /**
   * Carries the plan's pod calls out: deletes before creates, deletes in full batches, creates in slow-start batches
   * from `firstCreateBatch` (slow-start.ts); what was done goes to `events`. A failure is thrown once the other calls
   * have settled, their expectations recorded.
   */
  private async carryOut(
    cluster: RayCluster,
    result: Plan,
    log: Logger,
    events: ReconcileEvents,
    firstCreateBatch = 1,
  ): Promise<void> {
    const { namespace = '', name } = cluster.metadata;
    const key = Informer.key(namespace, name);
    for (const note of result.notes) {
      if (note.warning) log.warn(note.message);
      else log.info(note.message);
      if (!note.logOnly) events.note(note.warning ? 'Warning' : 'Normal', note.reason, note.message);
    }
    // Deletes are not slow-started (nor are they in the ReplicaSet controller): no quota or admission refuses them.
    await inSlowStartBatches(
      result.delete,
      async (action) => {
        const podName = action.pod.metadata.name;
        await this.api.pods.delete(namespace, podName, action.pod.metadata.uid);
        this.expectations.deleted(key, podName);
        this.options.metrics.podActions.inc({ action: 'delete' });
        log.info(`deleted ${action.role} pod ${podName} (${action.podType}): ${action.reason}`);
        events.deleted.add(action.role, podName, action.reason);
      },
      MAX_BATCH,
    );
    await inSlowStartBatches(
      result.create,
      async (action) => {
        const pod = await this.api.pods.create(namespace, action.pod);
        this.expectations.created(key, namespace, {
          name: pod.metadata.name,
          podType: action.podType,
          role: action.role,
          ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
        });
        this.options.metrics.podActions.inc({ action: 'create' });
        log.info(`created ${action.role} pod ${pod.metadata.name} (${action.podType}): ${action.reason}`);
        events.created.add(action.role, pod.metadata.name, action.reason);
      },
      firstCreateBatch,
    );
  }

  /**
   * Makes the head Service `desired`, or brings `live` (or one the cache has not shown) in line with it; returns why
   * it was left alone, if it belongs to someone else.
   */
  private async keepHeadService(
    cluster: RayCluster,
    desired: Service,
    live: Service | undefined,
    log: Logger,
  ): Promise<string | undefined> {
    const { namespace = '', name } = cluster.metadata;
    let target = live;
    if (!target) {
      const created = await this.api.services.create(desired, OPERATOR_FIELD_MANAGER);
      if (created) {
        this.createdServices.set(Informer.key(namespace, name), created);
        log.info(`created head service ${desired.metadata.name}`);
        return undefined;
      }
      // One of that name exists and the cache (labelled Services only) has not shown it: someone else's unless this
      // RayCluster controls it, and never taken over (re-pointed, it would go with the cluster). Ours, with its label
      // gone, gets the label back, and with it the cache; one gone again since the create is made next time.
      target = await this.api.services.find(namespace, desired.metadata.name);
      if (!target) return undefined;
      if (!isControlledBy(target, cluster)) {
        const conflict = `Service ${target.metadata.name} exists and is not controlled by RayCluster ${name}: left alone; delete or rename it so the operator can create the head Service`;
        if (cluster.status?.conditions?.find((c) => c.type === 'HeadServiceOwned')?.status !== 'False') {
          log.warn(conflict);
          await this.event(cluster, 'Warning', 'HeadServiceConflict', conflict);
        }
        return conflict;
      }
    }
    await this.api.services.update(desired, target, OPERATOR_FIELD_MANAGER);
    log.info(`updated head service ${desired.metadata.name}`);
    return undefined;
  }

  /**
   * Writes status through the status subresource, only when it changed (a write would wake the watch again), and a
   * burst of changes as one write: a status that has to wait is what the next plan starts from all the same, and a
   * reconcile is queued for when it is due (status-writes.ts).
   */
  private async writeStatus(key: string, cluster: RayCluster, status: RayClusterStatus, log: Logger): Promise<void> {
    const { uid } = cluster.metadata;
    this.lastStatus.set(uid, status);
    const decision = this.statusWrites.offer(uid, status, cluster.status);
    if (!decision.write) {
      if (decision.retryInMs !== undefined) this.reconcileLater(key, decision.retryInMs);
      return;
    }
    const before = this.statusWrites.lastWritten(uid) ?? cluster.status;
    await this.putStatus(cluster, status);
    if (status.phase !== before?.phase) {
      log.info(`phase ${before?.phase || '(none)'} → ${status.phase}${status.reason ? `: ${status.reason}` : ''}`);
      if (status.phase === 'Error') await this.event(cluster, 'Warning', 'Error', status.reason ?? 'error');
    }
  }

  private async putStatus(cluster: RayCluster, status: RayClusterStatus): Promise<void> {
    const { namespace = '', name, uid } = cluster.metadata;
    const resourceVersion = await this.api.rayClusters.replaceStatus(namespace, name, status);
    this.statusWrites.wrote(uid, status);
    if (resourceVersion) this.ownWrites.set(uid, resourceVersion);
  }

  /** Reconciles `key` in `delayMs` at the latest: one timer per cluster, kept when it is due sooner. */
  private reconcileLater(key: string, delayMs: number): void {
    const dueAt = performance.now() + delayMs;
    const set = this.laterTimers.get(key);
    if (set && set.dueAt <= dueAt) return;
    if (set) clearTimeout(set.timer);
    const timer = setTimeout(() => {
      this.laterTimers.delete(key);
      this.queue.add(key);
    }, delayMs);
    timer.unref();
    this.laterTimers.set(key, { timer, dueAt });
  }

  /** Writes every status still waiting (on a clean stop, while still the leader): nothing computed is lost. */
  private async flushStatus(): Promise<void> {
    const waiting = new Set(this.statusWrites.unwritten());
    if (waiting.size === 0) return;
    for (const cluster of this.clusters.list()) {
      const status = this.lastStatus.get(cluster.metadata.uid);
      if (!waiting.has(cluster.metadata.uid) || !status || cluster.metadata.deletionTimestamp) continue;
      await this.putStatus(cluster, status).catch((err: Error) =>
        this.options.log
          .forCluster(cluster.metadata.name, cluster.metadata.namespace ?? '')
          .debug(`status not written: ${err.message}`),
      );
    }
  }

  private forgetStatus(uid: string): void {
    this.lastStatus.delete(uid);
    this.statusWrites.forget(uid);
    this.ownWrites.delete(uid);
  }

  /** An Event on the RayCluster (`kubectl describe raycluster` shows them); failing to write one is not fatal. */
  private async event(cluster: RayCluster, type: EventType, reason: string, message: string): Promise<void> {
    const { namespace = '', name, uid } = cluster.metadata;
    await this.api.events
      .record(
        { apiVersion: RAYCLUSTER_API, kind: 'RayCluster', name, namespace, uid },
        { type, reason, message, component: OPERATOR_FIELD_MANAGER },
      )
      .catch((err: Error) => this.options.log.forCluster(name, namespace).debug(`event not recorded: ${err.message}`));
  }
}

type EventType = 'Normal' | 'Warning';

/**
 * The Events of one reconcile: its plan's notes, then one Event for the pods it deleted and one for those it created,
 * not one per pod (client-go's event correlator does the like for KubeRay). A new cluster's head and workers are one
 * API call, not eleven.
 */
export class ReconcileEvents {
  private readonly notes: { type: EventType; reason: string; message: string }[] = [];
  readonly deleted = new PodEventBatch('DeletedPod', 'Deleted');
  readonly created = new PodEventBatch('CreatedPod', 'Created');

  note(type: EventType, reason: string, message: string): void {
    this.notes.push({ type, reason, message });
  }

  all(): { type: EventType; reason: string; message: string }[] {
    const pods = [this.deleted.event(), this.created.event()].filter((e) => e !== undefined);
    return [...this.notes, ...pods.map((e) => ({ type: 'Normal' as const, ...e }))];
  }
}

/** Pods created (or deleted) by one reconcile as one Event, grouped by role and reason, each group counted and named. */
export class PodEventBatch {
  private readonly groups = new Map<string, { role: string; reason: string; pods: string[] }>();

  constructor(
    private readonly eventReason: string,
    private readonly verb: string,
  ) {}

  add(role: string, pod: string, reason: string): void {
    const key = `${role}\n${reason}`;
    const group = this.groups.get(key) ?? { role, reason, pods: [] };
    group.pods.push(pod);
    this.groups.set(key, group);
  }

  /** E.g. "Created head pod c-head-x: no head pod; created 2 worker pods (c-worker-a, c-worker-b): …"; none if empty. */
  event(): { reason: string; message: string } | undefined {
    if (this.groups.size === 0) return undefined;
    const parts = [...this.groups.values()].map(({ role, reason, pods }, i) => {
      const verb = i === 0 ? this.verb : this.verb.toLowerCase();
      const what = pods.length === 1 ? `${role} pod ${pods[0]}` : `${pods.length} ${role} pods (${pods.join(', ')})`;
      return `${verb} ${what}: ${reason}`;
    });
    return { reason: this.eventReason, message: parts.join('; ') };
  }
}

/** Whether `object` has `cluster` as its controller owner. */
function isControlledBy(object: Service, cluster: RayCluster): boolean {
  const owners = (object.metadata.ownerReferences ?? []) as { uid?: string; controller?: boolean }[];
  return owners.some((o) => o.controller === true && o.uid === cluster.metadata.uid);
}

/** The planned status with condition HeadServiceOwned False: the head Service is someone else's. */
function withServiceConflict(cluster: RayCluster, status: RayClusterStatus, message: string): RayClusterStatus {
  const before = cluster.status?.conditions?.find((c) => c.type === 'HeadServiceOwned');
  const condition = {
    type: 'HeadServiceOwned' as const,
    status: 'False' as const,
    reason: 'NotOwned',
    message,
    lastTransitionTime: before?.status === 'False' ? before.lastTransitionTime : new Date().toISOString(),
  };
  return {
    ...status,
    conditions: [...(status.conditions ?? []).filter((c) => c.type !== 'HeadServiceOwned'), condition],
  };
}

/** The namespace/name of the RayCluster a pod belongs to, by its label. */
function clusterKeyOf(pod: Pod): string | undefined {
  const cluster = pod.metadata.labels?.[CLUSTER_LABEL];
  return cluster ? Informer.key(pod.metadata.namespace, cluster) : undefined;
}
