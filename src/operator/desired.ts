import { buildHeadService, buildPod, launchHash, type Role } from './build.ts';
import {
  HEAD_UID_ANNOTATION,
  LAUNCH_CONFIG_LABEL,
  NODE_TYPE_LABEL,
  OPERATOR_KEYS,
  USER_NODE_TYPE_LABEL,
} from './labels.ts';
import { DEFAULT_POD_POLICY, podPolicyViolations, withoutReservedKeys, type PodPolicy } from './pod-policy.ts';
import type { AutoscalerStatus, Condition, NewPod, Pod, RayCluster, RayClusterStatus, Service } from './types.ts';

/** A pod the operator created that its cache has not shown yet (an "expectation"). */
export interface PendingPod {
  name: string;
  podType: string;
  role: Role;
  /** From the create's answer: a pending head's workers can be made before the cache shows it. */
  uid?: string;
}

/** Everything the plan is computed from: the cluster as written and the world as the cache sees it. */
export interface Observed {
  cluster: RayCluster;
  /** Pods of this cluster in the cache (by label and controller owner). */
  pods: readonly Pod[];
  service?: Service;
  pendingCreates: readonly PendingPod[];
  /** Pods deleted but still in the cache. */
  pendingDeletes: ReadonlySet<string>;
  now: Date;
  /** The autoscaler's latest decision for this cluster, when it runs (autoscaler.ts); plan() stays the only writer. */
  autoscaling?: Autoscaling;
  /** What podConfig may ask for (pod-policy.ts); baseline when not given. */
  podPolicy?: PodPolicy;
}

export interface Autoscaling {
  /**
   * Workers per type the autoscaler wants (already within each type's [minWorkers, maxWorkers]), from a fresh view
   * of Ray; undefined while it has none (GCS away, operator just started): then workers hold, once the autoscaler
   * has taken over this head (status.autoscaler.headPod).
   */
  targets?: ReadonlyMap<string, number>;
  /** Idle workers Ray accepted to drain: removed first when a type scales down, with this reason. */
  drained: ReadonlyMap<string, string>;
  status: AutoscalerStatus;
}

export interface PodAction<P = Pod> {
  pod: P;
  podType: string;
  role: Role;
  reason: string;
}

/** What to do now to move the cluster towards its spec, and the status that describes it. */
export interface Plan {
  create: PodAction<NewPod>[];
  delete: PodAction[];
  /** The head Service to apply, when it is missing or differs. */
  service?: Service;
  status: RayClusterStatus;
  /**
   * A human line per notable change, for events and logs (scaling, restarts, errors); `logOnly` when the Events of
   * the pods created or deleted for it already say it.
   */
  notes: { reason: string; message: string; warning?: boolean; logOnly?: boolean }[];
}

export const isReady = (pod: Pod) =>
  pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podName = (pod: Pod) => pod.metadata.name;
const newestFirst = (a: Pod, b: Pod) =>
  (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');

/** Why a spec cannot be run, or undefined. */
export function specProblem(cluster: RayCluster): string | undefined {
  const types = cluster.spec.podTypes ?? [];
  const names = types.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) return `podTypes has two entries named "${duplicate}"`;
  if (!names.includes(cluster.spec.headPodType))
    return `headPodType "${cluster.spec.headPodType}" is not one of podTypes (${names.join(', ')})`;
  for (const t of types) {
    if (!t.podConfig?.spec?.containers?.length) return `podTypes "${t.name}" has a podConfig without containers`;
    if (t.maxWorkers !== undefined && (t.minWorkers ?? 0) > t.maxWorkers) {
      return `podTypes "${t.name}": minWorkers (${t.minWorkers}) is above maxWorkers (${t.maxWorkers})`;
    }
  }
  return undefined;
}

/**
 * Workers wanted per type: clamp(wanted, min, max), then capped in order by spec.maxWorkers. Without an autoscaler
 * the wish is desiredWorkers ?? minWorkers; with one, the autoscaler's target, never below a manual desiredWorkers
 * (`rayctl scale` sets a floor the autoscaler keeps until it is changed).
 */
export function workerTargets(cluster: RayCluster, autoscaled?: ReadonlyMap<string, number>): Map<string, number> {
  let remaining = cluster.spec.maxWorkers ?? Number.POSITIVE_INFINITY;
  const targets = new Map<string, number>();
  for (const t of cluster.spec.podTypes) {
    const min = t.minWorkers ?? 0;
    const max = t.maxWorkers ?? Number.POSITIVE_INFINITY;
    const manual = t.desiredWorkers ?? min;
    const wish = autoscaled?.has(t.name) ? Math.max(autoscaled.get(t.name)!, manual) : manual;
    const wanted = Math.min(Math.max(wish, min), max);
    const granted = Math.max(0, Math.min(wanted, remaining));
    targets.set(t.name, granted);
    remaining -= granted;
  }
  return targets;
}

export const isEnded = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Head pods with the head type's current launch config, oldest first: the first one is the cluster's head. */
export function currentHeadsOf(cluster: RayCluster, pods: readonly Pod[]): Pod[] {
  const headType = cluster.spec.podTypes.find((t) => t.name === cluster.spec.headPodType);
  if (!headType) return [];
  const hash = launchHash(cluster, headType, 'head');
  return pods
    .filter((p) => p.metadata.labels?.[NODE_TYPE_LABEL] === 'head' && p.metadata.labels[LAUNCH_CONFIG_LABEL] === hash)
    .sort(newestFirst)
    .reverse();
}

/**
 * specProblem and the pod policy's verdict on a spec. Every reconcile of a cluster asks them of the same cached spec
 * object (the cache keeps one per generation), so they are worked out once per spec object and policy, as launchHash
 * is.
 */
function checkSpec(cluster: RayCluster, policy: PodPolicy): { problem: string | undefined; violations: string[] } {
  const known = specChecks.get(cluster.spec);
  if (known?.policy === policy) return known;
  const problem = specProblem(cluster);
  const violations = problem ? [] : cluster.spec.podTypes.flatMap((t) => podPolicyViolations(t, policy));
  const checked = { policy, problem, violations };
  specChecks.set(cluster.spec, checked);
  return checked;
}

const specChecks = new WeakMap<
  RayCluster['spec'],
  { policy: PodPolicy; problem: string | undefined; violations: string[] }
>();

/** The head Service a cluster wants, and its ports as plan() compares them: once per spec object, as checkSpec. */
function headServiceOf(cluster: RayCluster): { service: Service; ports: string } {
  const { name, namespace, uid } = cluster.metadata;
  const known = headServices.get(cluster.spec);
  // One spec object may serve two clusters (a fixture of tests): the Service is named and owned by its own cluster.
  if (known && known.name === name && known.namespace === namespace && known.uid === uid) return known;
  const service = buildHeadService(cluster);
  const built = { name, namespace, uid, service, ports: JSON.stringify(servicePorts(service)) };
  headServices.set(cluster.spec, built);
  return built;
}

const headServices = new WeakMap<
  RayCluster['spec'],
  { name: string; namespace: string | undefined; uid: string | undefined; service: Service; ports: string }
>();

/**
 * The reconcile as a pure function: level-triggered, so it only looks at what is, never at what happened.
 * Pods created but not yet cached count as present and deleted ones as gone, so a stale cache never makes a
 * second pod for one slot.
 */
export function plan(observed: Observed): Plan {
  const { cluster } = observed;
  const { problem, violations } = checkSpec(cluster, observed.podPolicy ?? DEFAULT_POD_POLICY);
  if (problem) return errorPlan(cluster, problem, [{ reason: 'InvalidSpec', message: problem, warning: true }]);
  if (violations.length > 0) return refused(observed, violations);
  const create: PodAction<NewPod>[] = [];
  const remove: PodAction[] = [];
  const notes: Plan['notes'] = [];
  const typeOf = (name: string) => cluster.spec.podTypes.find((t) => t.name === name);
  const live = observed.pods.filter((p) => !p.metadata.deletionTimestamp && !observed.pendingDeletes.has(podName(p)));
  const action = (pod: Pod, reason: string): PodAction => ({
    pod,
    podType: pod.metadata.labels?.[USER_NODE_TYPE_LABEL] ?? '',
    role: (pod.metadata.labels?.[NODE_TYPE_LABEL] as Role | undefined) ?? 'worker',
    reason,
  });

  // Pods that ended are replaced.
  const running: Pod[] = [];
  for (const pod of live) {
    if (isEnded(pod)) remove.push(action(pod, `pod ${pod.status?.phase ?? 'ended'}`));
    else running.push(pod);
  }

  // The head: exactly one pod of the head type with the current launch config.
  const headType = typeOf(cluster.spec.headPodType)!;
  const heads = running.filter((p) => p.metadata.labels?.[NODE_TYPE_LABEL] === 'head');
  const currentHeads = currentHeadsOf(cluster, heads);
  for (const pod of heads.filter((p) => !currentHeads.includes(p)))
    remove.push(action(pod, 'head type config changed'));
  for (const pod of currentHeads.slice(1)) remove.push(action(pod, 'more than one head'));
  const head = currentHeads[0];
  const pendingHead = observed.pendingCreates.find((p) => p.role === 'head');
  const headPending = pendingHead !== undefined;
  if (!head && !headPending)
    create.push({ pod: buildPod(cluster, headType, 'head'), podType: headType.name, role: 'head', reason: 'no head' });
  // The head the status names is no longer the head (config change, failure or deletion): one restart. Counted from
  // what is, not from the create, so a pass that replaced the head and then failed before its status was kept still
  // counts it, once: the status this plan makes names the new head, or none.
  let restarts = cluster.status?.autoscalerRetries ?? 0;
  const lastHead = cluster.status?.head?.podName;
  if (lastHead && head?.metadata.name !== lastHead) {
    restarts += 1;
    notes.push({
      reason: 'Restarting',
      message: `replacing head pod ${lastHead}; workers restart with the new head`,
      warning: true,
    });
  }

  // Workers join one head: with no current head (or a new one), the old head's workers go. A head just created
  // counts as current: its workers wait for its GCS anyway, so they need not wait for the cache as well.
  const headUid = head?.metadata.uid ?? pendingHead?.uid;
  const workers = new Map<string, { current: Pod[]; have: number }>();
  for (const podType of cluster.spec.podTypes) {
    const hash = launchHash(cluster, podType, 'worker');
    const ofType = running.filter(
      (p) =>
        p.metadata.labels?.[NODE_TYPE_LABEL] === 'worker' && p.metadata.labels[USER_NODE_TYPE_LABEL] === podType.name,
    );
    const current: Pod[] = [];
    for (const pod of ofType) {
      if (pod.metadata.labels?.[LAUNCH_CONFIG_LABEL] !== hash)
        remove.push(action(pod, `${podType.name} config changed`));
      else if (!headUid || pod.metadata.annotations?.[HEAD_UID_ANNOTATION] !== headUid)
        remove.push(action(pod, 'its head is gone'));
      else current.push(pod);
    }
    const pending = observed.pendingCreates.filter((p) => p.role === 'worker' && p.podType === podType.name).length;
    workers.set(podType.name, { current, have: current.length + pending });
  }
  const autoscalerStatus = observed.autoscaling?.status ?? cluster.status?.autoscaler;
  const holding =
    !observed.autoscaling?.targets &&
    !!head &&
    autoscalerStatus?.state !== 'Disabled' &&
    autoscalerStatus?.headPod === head.metadata.name;
  const autoscaled = holding
    ? new Map([...workers].map(([type, { have }]) => [type, have]))
    : observed.autoscaling?.targets;
  const targets = workerTargets(cluster, autoscaled);
  const drained = observed.autoscaling?.drained ?? new Map<string, string>();
  const workerStatus: NonNullable<RayClusterStatus['workers']> = [];
  for (const podType of cluster.spec.podTypes) {
    const target = targets.get(podType.name) ?? 0;
    const { current, have } = workers.get(podType.name)!;
    if (have > target) {
      // Drained idle workers first (exactly the pods the autoscaler chose), then newest first: the oldest workers
      // have the most state worth keeping.
      const order = [...current]
        .sort(newestFirst)
        .sort((a, b) => Number(drained.has(podName(b))) - Number(drained.has(podName(a))));
      for (const pod of order.slice(0, have - target))
        remove.push(action(pod, drained.get(podName(pod)) ?? `scaling ${podType.name} down to ${target}`));
    } else if (have < target && headUid) {
      for (let i = have; i < target; i++)
        create.push({
          pod: buildPod(cluster, podType, 'worker', headUid),
          podType: podType.name,
          role: 'worker',
          reason: `scaling ${podType.name} up to ${target}`,
        });
    }
    if (have !== target && headUid)
      notes.push({ reason: 'Scaling', message: `${podType.name}: ${have} → ${target} workers`, logOnly: true });
    workerStatus.push({ podType: podType.name, ready: current.filter(isReady).length, desired: target });
  }

  // Reserved labels and annotations never reach a pod (buildPod drops them): say so when pods are made.
  for (const typeName of new Set(create.map((c) => c.podType))) {
    const { dropped } = withoutReservedKeys(typeOf(typeName)?.podConfig.metadata, OPERATOR_KEYS);
    if (dropped.length > 0)
      notes.push({
        reason: 'ReservedKeysDropped',
        message: `podTypes[${typeName}].podConfig.metadata: dropped reserved ${dropped.join(', ')} (only the operator and Kubernetes set these)`,
        warning: true,
      });
  }

  const { service, ports } = headServiceOf(cluster);
  const serviceChanged = !observed.service || JSON.stringify(servicePorts(observed.service)) !== ports;
  return {
    create,
    delete: remove,
    ...(serviceChanged ? { service } : {}),
    status: status(observed, {
      head,
      workerStatus,
      restarts,
      converged: create.length === 0 && remove.length === 0 && !headPending,
      autoscaler: autoscalerStatus,
    }),
    notes,
  };
}

/**
 * podConfig breaks the pod policy: no pod is created or deleted; the status says which field, with condition
 * PodPolicyAllowed False. The Warning event is written once per new refusal, not on every reconcile.
 */
function refused(observed: Observed, violations: string[]): Plan {
  const { cluster } = observed;
  const reason = `refused by the operator's pod policy: ${violations[0]}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`;
  const before = cluster.status?.conditions?.find((c) => c.type === 'PodPolicyAllowed');
  const condition: Condition = {
    type: 'PodPolicyAllowed',
    status: 'False',
    reason: 'Forbidden',
    message: violations.join('; '),
    lastTransitionTime: before?.status === 'False' ? before.lastTransitionTime : observed.now.toISOString(),
  };
  const isNew = cluster.status?.reason !== reason;
  return errorPlan(
    cluster,
    reason,
    isNew ? [{ reason: 'PodPolicyViolation', message: violations.join('; '), warning: true }] : [],
    [...(cluster.status?.conditions ?? []).filter((c) => c.type !== 'PodPolicyAllowed'), condition],
  );
}

/** A plan that touches no pod and puts the cluster in phase Error, saying why (and with `conditions`, if given). */
function errorPlan(cluster: RayCluster, reason: string, notes: Plan['notes'], conditions?: Condition[]): Plan {
  return {
    create: [],
    delete: [],
    status: {
      ...cluster.status,
      phase: 'Error',
      reason,
      observedGeneration: cluster.metadata.generation ?? 0,
      ...(conditions ? { conditions } : {}),
    },
    notes,
  };
}

/** The head Service's address as the status gives it: '' until the Service exists. */
export function serviceIPOf(service: Service | undefined): string {
  return service?.spec?.clusterIP ?? '';
}

function servicePorts(service: Service): unknown {
  const spec = service.spec as
    { ports?: { name: string; port: number; targetPort?: unknown }[]; selector?: unknown } | undefined;
  return { selector: spec?.selector, ports: (spec?.ports ?? []).map((p) => [p.name, p.port, p.targetPort ?? p.port]) };
}

function status(
  observed: Observed,
  facts: {
    head: Pod | undefined;
    workerStatus: NonNullable<RayClusterStatus['workers']>;
    restarts: number;
    converged: boolean;
    autoscaler: AutoscalerStatus | undefined;
  },
): RayClusterStatus {
  const { cluster } = observed;
  const headReady = !!facts.head && isReady(facts.head);
  const workersReady = facts.workerStatus.every((w) => w.ready >= w.desired);
  const readyWorkers = facts.workerStatus.reduce((n, w) => n + w.ready, 0);
  const desiredWorkers = facts.workerStatus.reduce((n, w) => n + w.desired, 0);
  const running = headReady && workersReady && facts.converged;
  const previous = cluster.status?.conditions ?? [];
  const condition = (type: Condition['type'], ok: boolean, reason: string, message: string): Condition => {
    const before = previous.find((c) => c.type === type);
    const value = ok ? 'True' : 'False';
    return {
      type,
      status: value,
      reason,
      message,
      // The time it last changed, not the time it was last written.
      lastTransitionTime: before?.status === value ? before.lastTransitionTime : observed.now.toISOString(),
    };
  };
  return {
    phase: running ? 'Running' : 'Updating',
    reason: '',
    autoscalerRetries: facts.restarts,
    observedGeneration: cluster.metadata.generation ?? 0,
    readyWorkers,
    desiredWorkers,
    workers: facts.workerStatus,
    head: { podName: facts.head?.metadata.name ?? '', podIP: facts.head?.status?.podIP ?? '' },
    serviceIP: serviceIPOf(observed.service),
    conditions: [
      condition(
        'HeadPodReady',
        headReady,
        headReady ? 'PodReady' : facts.head ? 'PodNotReady' : 'NoHeadPod',
        facts.head ? `head pod ${facts.head.metadata.name}` : 'no head pod yet',
      ),
      condition(
        'WorkersReady',
        workersReady,
        workersReady ? 'AllReady' : 'Waiting',
        `${readyWorkers}/${desiredWorkers} workers ready`,
      ),
      ...(facts.autoscaler
        ? [
            condition(
              'AutoscalerActive',
              facts.autoscaler.state === 'Active',
              facts.autoscaler.state,
              facts.autoscaler.message,
            ),
          ]
        : []),
    ],
    ...(facts.autoscaler ? { autoscaler: facts.autoscaler } : {}),
  };
}
