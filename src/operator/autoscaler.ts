// The autoscaler's decision, as a pure function (DESIGN.md: beside desired.ts; its output feeds plan(), never pods
// directly). From Ray's view of the cluster (node states, pending demand) and the RayCluster's worker types, it
// decides how many workers of each type to launch and which idle workers to remove, as Ray's own autoscaler did for
// the original operator: bin-pack the demand onto free resources first, launch only what the rest needs, stay within
// [minWorkers, maxWorkers] per type and spec.maxWorkers in all, launch at most what upscalingSpeed allows at once, and
// remove only workers Ray reports idle for longer than idleTimeoutMinutes, above their type's minimum.

export type Resources = Record<string, number>;

/** A worker type as Ray sees it: the resources the operator passes to Ray for its pods. */
export interface WorkerType {
  name: string;
  resources: Resources;
  min: number;
  max: number;
}

/** One Ray node, from the GCS's cluster resource state. */
export interface RayNode {
  /** RAY_CLOUD_INSTANCE_ID: the pod's name. */
  instanceId: string;
  /** RAY_NODE_TYPE_NAME: the pod type. */
  nodeType: string;
  status: 'RUNNING' | 'IDLE' | 'DRAINING' | 'DEAD';
  idleMs: number;
  total: Resources;
  available: Resources;
}

export type GangStrategy = 'PACK' | 'SPREAD' | 'STRICT_PACK' | 'STRICT_SPREAD';

export interface Demand {
  /** Tasks and actors Ray cannot place: `count` times `bundle`. */
  requests: { bundle: Resources; count: number }[];
  /** Placement groups waiting for resources. */
  gangs: { bundles: Resources[]; strategy: GangStrategy }[];
  /** ray.autoscaler.sdk.request_resources: capacity the cluster must have, busy or not. */
  constraints: { bundle: Resources; count: number }[];
}

export interface AutoscalerInput {
  types: WorkerType[];
  /** spec.maxWorkers: all worker types together. */
  maxWorkers: number;
  upscalingSpeed: number;
  idleTimeoutMs: number;
  /** Worker pods that exist (not being deleted), by pod type. */
  workers: { name: string; podType: string }[];
  /** Every Ray node the GCS reports, the head's included. */
  nodes: RayNode[];
  demand: Demand;
}

export interface AutoscalerDecision {
  /** Workers each type should have: what plan() creates or keeps. */
  targets: Map<string, number>;
  /** Idle workers to drain in Ray and then delete, exactly these pods. */
  remove: { pod: string; podType: string; reason: string }[];
  /** New workers, by type: what the targets add (for events and status). */
  launches: Map<string, number>;
  /** Demand no worker type can ever hold. */
  infeasible: Resources[];
  /** Demand that fits a type but not within maxWorkers or upscalingSpeed now. */
  deferred: Resources[];
}

/** How many nodes may be launching at once, as Ray's autoscaler allowed: upscalingSpeed × running, at least 5. */
export function launchBudget(upscalingSpeed: number, running: number): number {
  return Math.max(5, Math.floor(upscalingSpeed * Math.max(1, running)));
}

const EPSILON = 1e-9;

export function fits(bundle: Resources, free: Resources): boolean {
  return Object.entries(bundle).every(([name, amount]) => amount <= EPSILON || (free[name] ?? 0) + EPSILON >= amount);
}

function take(free: Resources, bundle: Resources): void {
  for (const [name, amount] of Object.entries(bundle)) free[name] = (free[name] ?? 0) - amount;
}

/** A node that demand can be packed onto: an existing Ray node, a worker still joining, or one we decide to add. */
interface Slot {
  free: Resources;
  /** For new slots: the type launched. */
  newType?: string;
  /** Pod name, to know which nodes demand keeps busy. */
  pod?: string;
}

export function decide(input: AutoscalerInput): AutoscalerDecision {
  const typeByName = new Map(input.types.map((t) => [t.name, t]));
  const count = new Map(input.types.map((t) => [t.name, 0]));
  for (const w of input.workers) if (count.has(w.podType)) count.set(w.podType, count.get(w.podType)! + 1);
  const nodeOf = new Map(input.nodes.filter((n) => n.status !== 'DEAD').map((n) => [n.instanceId, n]));
  const joining = input.workers.filter((w) => !nodeOf.has(w.name));
  const running = input.workers.length - joining.length;
  let budget = launchBudget(input.upscalingSpeed, running) - joining.length;
  let total = input.workers.length;

  const joiningSlots = () =>
    joining.map((w) => ({ free: { ...(typeByName.get(w.podType)?.resources ?? {}) }, pod: w.name }));
  // Free resources now: alive nodes' available resources, and whole shapes of workers still joining.
  const free: Slot[] = [
    ...[...nodeOf.values()]
      .filter((n) => n.status !== 'DRAINING')
      .map((n) => ({ free: { ...n.available }, pod: n.instanceId })),
    ...joiningSlots(),
  ];
  // Constraints ask for capacity, not free resources: they are packed onto every node's totals.
  const capacity: Slot[] = [
    ...[...nodeOf.values()].map((n) => ({ free: { ...n.total }, pod: n.instanceId })),
    ...joiningSlots(),
  ];
  const launches = new Map<string, number>();
  const infeasible: Resources[] = [];
  const deferred: Resources[] = [];
  const busy = new Set<string>();

  /** A new worker (added to `pool`) that can hold `bundle`, within every limit, or why there is none. */
  const launch = (bundle: Resources, pool: Slot[]): Slot | 'infeasible' | 'deferred' => {
    const candidates = input.types.filter((t) => fits(bundle, t.resources));
    if (candidates.length === 0) return 'infeasible';
    if (budget <= 0 || total >= input.maxWorkers) return 'deferred';
    const type = candidates.find((t) => count.get(t.name)! < t.max);
    if (!type) return 'deferred';
    count.set(type.name, count.get(type.name)! + 1);
    launches.set(type.name, (launches.get(type.name) ?? 0) + 1);
    budget -= 1;
    total += 1;
    const slot: Slot = { free: { ...type.resources }, newType: type.name };
    pool.push(slot);
    return slot;
  };

  /** Places one bundle: on the first slot of `pool` where it fits (not in `avoid`), else on a new worker. */
  const place = (bundle: Resources, pool: Slot[] = free, avoid: ReadonlySet<Slot> = new Set()): Slot | undefined => {
    let slot: Slot | 'infeasible' | 'deferred' | undefined = pool.find((s) => !avoid.has(s) && fits(bundle, s.free));
    if (!slot) slot = launch(bundle, pool);
    if (slot === 'infeasible') {
      infeasible.push(bundle);
      return undefined;
    }
    if (slot === 'deferred') {
      deferred.push(bundle);
      return undefined;
    }
    take(slot.free, bundle);
    if (slot.pod) busy.add(slot.pod);
    return slot;
  };

  for (const { bundle, count: times } of input.demand.constraints)
    for (let i = 0; i < times; i++) place(bundle, capacity);
  // Workers launched for constraints hold demand too, with what the constraints left of them.
  free.push(...capacity.filter((s) => s.newType));

  for (const gang of input.demand.gangs) {
    if (gang.strategy === 'STRICT_PACK') {
      const sum: Resources = {};
      for (const bundle of gang.bundles) for (const [k, v] of Object.entries(bundle)) sum[k] = (sum[k] ?? 0) + v;
      place(sum);
    } else if (gang.strategy === 'STRICT_SPREAD') {
      const used = new Set<Slot>();
      for (const bundle of gang.bundles) {
        const slot = place(bundle, free, used);
        if (slot) used.add(slot);
      }
    } else {
      for (const bundle of gang.bundles) place(bundle);
    }
  }
  for (const { bundle, count: times } of input.demand.requests) for (let i = 0; i < times; i++) place(bundle);

  // Scale down: idle long enough, above the type's minimum, and not holding any demand or constraint just placed
  // (an idle node has all its resources free, so demand it could hold was placed on it). A type that is launching
  // keeps its idle workers: demand for it exceeds what it has.
  const remove: AutoscalerDecision['remove'] = [];
  for (const worker of input.workers) {
    const node = nodeOf.get(worker.name);
    const type = typeByName.get(worker.podType);
    if (!node || !type) continue;
    // A node Ray drains is leaving (drained by us before an operator restart, or by Ray itself): its pod goes.
    if (node.status === 'DRAINING') {
      count.set(type.name, count.get(type.name)! - 1);
      remove.push({ pod: worker.name, podType: type.name, reason: 'drained in Ray' });
      continue;
    }
    if (node.status !== 'IDLE' || node.idleMs < input.idleTimeoutMs) continue;
    if (busy.has(worker.name) || (launches.get(type.name) ?? 0) > 0) continue;
    if (count.get(type.name)! - 1 < type.min) continue;
    count.set(type.name, count.get(type.name)! - 1);
    remove.push({
      pod: worker.name,
      podType: type.name,
      reason: `idle for ${formatMs(node.idleMs)} (idleTimeoutMinutes ${formatMs(input.idleTimeoutMs)})`,
    });
  }

  // Targets: at least each type's minimum, at most its maximum.
  const targets = new Map<string, number>();
  for (const type of input.types) targets.set(type.name, Math.min(Math.max(count.get(type.name)!, type.min), type.max));
  return { targets, remove, launches, infeasible, deferred };
}

function formatMs(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

/** "{CPU: 1, GPU: 1}": a bundle as events and status show it. */
export function formatResources(resources: Resources): string {
  // Ray's maps come in no fixed order: CPU, GPU, memory first, then the rest by name, so equal bundles read equal.
  const rank = (name: string) => {
    const builtin = ['CPU', 'GPU', 'memory'].indexOf(name);
    return builtin >= 0 ? String(builtin) : `9${name}`;
  };
  const entries = Object.entries(resources)
    .filter(([, amount]) => amount > 0)
    .sort(([a], [b]) => rank(a).localeCompare(rank(b)));
  return `{${entries.map(([name, amount]) => `${name}: ${name === 'memory' ? formatBytes(amount) : amount}`).join(', ')}}`;
}

function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${+gib.toFixed(2)}Gi` : `${+(bytes / 1024 ** 2).toFixed(2)}Mi`;
}

/** Bundles grouped by shape: "3 × {CPU: 1}, 1 × {GPU: 1}". */
export function formatBundles(bundles: readonly Resources[]): string {
  const counts = new Map<string, number>();
  for (const bundle of bundles) {
    const text = formatResources(bundle);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].map(([text, n]) => `${n} × ${text}`).join(', ');
}

/** Ray's pending demand in one line: tasks and actors, placement groups, request_resources constraints. */
export function formatDemand(demand: Demand): string {
  const parts: string[] = [];
  const requests = demand.requests.flatMap(({ bundle, count }) => Array<Resources>(count).fill(bundle));
  if (requests.length > 0) parts.push(formatBundles(requests));
  for (const gang of demand.gangs) parts.push(`placement group ${gang.strategy} [${formatBundles(gang.bundles)}]`);
  const constraints = demand.constraints.flatMap(({ bundle, count }) => Array<Resources>(count).fill(bundle));
  if (constraints.length > 0) parts.push(`requested ${formatBundles(constraints)}`);
  return parts.join('; ');
}
