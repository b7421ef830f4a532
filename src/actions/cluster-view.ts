import { parseManifest } from '../chart/manifest.ts';
import type { KubeObject } from '../chart/objects.ts';
import type { Release } from '../release/model.ts';
import { isReady } from '../operator/desired.ts';
import { clusterPodSelector, LEADER_LEASE, NODE_TYPE_LABEL, USER_NODE_TYPE_LABEL } from '../operator/labels.ts';
import { RAYCLUSTER_API, type AutoscalerStatus, type Pod, type RayCluster, type Service } from '../operator/types.ts';
import { KubeError } from '../kube/errors.ts';
import { apiListWatch, Informer } from '../operator/informer.ts';
import type { ActionContext, ReleaseContext } from './context.ts';
import { findOperators, renderedOperator, serves, type OperatorInstance } from './operators.ts';
import { ownerOf } from './ownership.ts';

/** A RayCluster as users look at it: phase, workers, the operator serving it, and its pods. */
export interface ClusterView {
  name: string;
  namespace: string;
  release?: string;
  phase: string;
  restarts: number;
  workers: { podType: string; ready: number; desired: number }[];
  /** What the operator's autoscaler reads from Ray and did last. */
  autoscaler?: AutoscalerStatus;
  /** The operator serving the cluster; Unknown when the lookup was refused (e.g. no right to list Deployments). */
  operator?: OperatorInstance | Unknown;
  createdAt: string;
  headService?: { name: string; clusterIP: string; ports: string[] };
  pods: {
    type: string;
    role: string;
    name: string;
    phase: string;
    ready: boolean;
    node: string;
    ip: string;
    createdAt: string;
  }[];
}

export interface OperatorView {
  operator: OperatorInstance;
  available: string;
  leader: string;
  serving: { name: string; namespace: string }[] | Unknown;
}

/** An answer the cluster would not give: shown as "unknown (forbidden)", never as a wrong "none". */
export interface Unknown {
  unknown: string;
}

export const isUnknown = (value: object | undefined): value is Unknown => value !== undefined && 'unknown' in value;

/**
 * A lookup that only adds detail to a view: its failure makes that detail unknown instead of failing the command.
 * The reason is "forbidden" for an RBAC denial; --debug's call log has the request itself.
 */
async function detail<T>(lookup: Promise<T>): Promise<T | Unknown> {
  try {
    return await lookup;
  } catch (err) {
    return { unknown: err instanceof KubeError && err.status === 403 ? 'forbidden' : (err as Error).message };
  }
}

/** Which RayClusters: those of one namespace (or all), optionally by label selector. */
export interface ClusterScope {
  namespace?: string;
  labelSelector?: string;
}

/** Every RayCluster in scope; `known` operators spare a second lookup when the caller has them. */
export async function listClusters(
  ctx: ReleaseContext,
  scope: ClusterScope = {},
  known?: OperatorInstance[],
): Promise<ClusterView[]> {
  const clusters = await ctx.objects.list<RayCluster>(RAYCLUSTER_API, 'RayCluster', {
    ...(scope.namespace ? { namespace: scope.namespace } : {}),
    ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
  });
  const operators = known ?? (await detail(findOperators(ctx)));
  return clusters.map((c) => summary(c, operators));
}

export type ClusterChange = 'added' | 'modified' | 'deleted';

/**
 * Follows the RayClusters in scope, like `kubectl get -w`: `initial` resolves with the clusters as listed, then
 * `onChange` hears each change. The informer behind it relists after an expired watch and reconnects after an API
 * server restart; its complaints go to progress warnings. `stop` ends it.
 */
export function watchClusters(
  ctx: ActionContext,
  scope: ClusterScope,
  onChange: (change: ClusterChange, view: ClusterView) => void,
): { initial: Promise<ClusterView[]>; stop: () => void } {
  let synced = false;
  let operators: OperatorInstance[] | Unknown = [];
  const path = scope.namespace
    ? `/apis/${RAYCLUSTER_API}/namespaces/${encodeURIComponent(scope.namespace)}/rayclusters`
    : `/apis/${RAYCLUSTER_API}/rayclusters`;
  const quiet = () => {};
  const warn = (message: string) => ctx.progress.warn(message);
  const informer = new Informer<RayCluster>(
    apiListWatch(ctx.client, 'rayclusters', path, scope.labelSelector),
    (change, cluster) => {
      if (synced) onChange(change, summary(cluster, operators));
    },
    { debug: quiet, info: quiet, warn, error: warn },
  );
  const initial = (async () => {
    operators = await detail(findOperators(ctx));
    informer.start();
    await informer.synced;
    synced = true;
    return informer.list().map((c) => summary(c, operators));
  })();
  return { initial, stop: () => informer.stop() };
}

function summary(cluster: RayCluster, operators: OperatorInstance[] | Unknown): ClusterView {
  const namespace = cluster.metadata.namespace ?? '';
  const release = ownerOf(cluster)?.name;
  const operator = isUnknown(operators) ? operators : operators.find((o) => serves(o, namespace));
  return {
    name: cluster.metadata.name,
    namespace,
    ...(release ? { release } : {}),
    phase: cluster.status?.phase || 'Pending',
    restarts: cluster.status?.autoscalerRetries ?? 0,
    workers: cluster.status?.workers ?? [],
    ...(cluster.status?.autoscaler ? { autoscaler: cluster.status.autoscaler } : {}),
    ...(operator ? { operator } : {}),
    createdAt: (cluster.metadata as { creationTimestamp?: string }).creationTimestamp ?? '',
    pods: [],
  };
}

/** The live clusters and operator of a release, for `rayctl status`. */
export async function releaseView(
  ctx: ReleaseContext,
  release: Release,
): Promise<{ clusters: ClusterView[]; operator?: OperatorView }> {
  const objects = parseManifest(release.manifest, release.namespace).map((o) => o.object);
  const operators = await detail(findOperators(ctx));
  const clusters: ClusterView[] = [];
  for (const object of objects.filter((o) => o.kind === 'RayCluster')) {
    const live = (await ctx.objects.get(object)) as RayCluster | undefined;
    if (!live) continue;
    const view = summary(live, operators);
    const namespace = view.namespace;
    const service = (await ctx.objects.get({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${view.name}-ray-head`, namespace },
    })) as Service | undefined;
    if (service) {
      const spec = service.spec as { clusterIP?: string; ports?: { name: string; port: number }[] };
      view.headService = {
        name: service.metadata.name,
        clusterIP: spec.clusterIP ?? '',
        ports: (spec.ports ?? []).map((p) => `${p.name}:${p.port}`),
      };
    }
    const pods = await ctx.objects.list<Pod & { spec?: { nodeName?: string } }>('v1', 'Pod', {
      namespace,
      labelSelector: clusterPodSelector(view.name),
    });
    view.pods = pods.map((p) => ({
      type: p.metadata.labels?.[USER_NODE_TYPE_LABEL] ?? '',
      role: p.metadata.labels?.[NODE_TYPE_LABEL] ?? '',
      name: p.metadata.name,
      phase: p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending'),
      ready: isReady(p),
      node: p.spec?.nodeName ?? '',
      ip: p.status?.podIP ?? '',
      createdAt: p.metadata.creationTimestamp ?? '',
    }));
    clusters.push(view);
  }
  const wanted = renderedOperator(objects);
  if (!wanted) return { clusters };
  const operator =
    (isUnknown(operators)
      ? undefined
      : operators.find((o) => o.release?.name === release.name && o.release.namespace === release.namespace)) ?? wanted;
  const deployment = (await ctx.objects.get({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: operator.deployment, namespace: operator.namespace },
  })) as { spec?: { replicas?: number }; status?: { availableReplicas?: number } } | undefined;
  const lease = (await ctx.objects.get({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: LEADER_LEASE, namespace: operator.namespace },
  })) as { spec?: { holderIdentity?: string } } | undefined;
  const all = await detail(listClusters(ctx, {}, isUnknown(operators) ? [] : operators));
  return {
    clusters,
    operator: {
      operator,
      available: deployment
        ? `${deployment.status?.availableReplicas ?? 0}/${deployment.spec?.replicas ?? 1}`
        : 'missing',
      leader: lease?.spec?.holderIdentity || 'none',
      serving: isUnknown(all)
        ? all
        : all.filter((c) => serves(operator, c.namespace)).map((c) => ({ name: c.name, namespace: c.namespace })),
    },
  };
}

/** One object of a release as it is in the cluster, for `status --show-resources`. */
export interface ResourceState {
  kind: string;
  name: string;
  namespace: string;
  /** `missing`, or a word on its state where the kind has one (ready replicas, phase), else `present`. */
  state: string;
  createdAt: string;
}

export async function resourcesOf(ctx: ReleaseContext, release: Release): Promise<ResourceState[]> {
  const objects = parseManifest(release.manifest, release.namespace).map((o) => o.object);
  const live = await Promise.all(objects.map((o) => detail(ctx.objects.get(o))));
  return objects.map((object, i) => {
    const found = live[i];
    const base = { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace ?? '' };
    if (isUnknown(found)) return { ...base, state: `unknown (${found.unknown})`, createdAt: '' };
    if (!found) return { ...base, state: 'missing', createdAt: '' };
    return { ...base, state: stateOf(found), createdAt: creationTime(found) };
  });
}

function creationTime(object: KubeObject): string {
  const time = object.metadata.creationTimestamp;
  return typeof time === 'string' ? time : '';
}

function stateOf(object: KubeObject): string {
  const status = (object as { status?: { readyReplicas?: number; phase?: string } }).status ?? {};
  if (object.kind === 'Deployment') {
    const replicas = (object.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    return `${status.readyReplicas ?? 0}/${replicas} ready`;
  }
  if (object.kind === 'RayCluster') return status.phase || 'Pending';
  return 'present';
}
