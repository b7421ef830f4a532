import type { RenderedObject } from './objects.ts';

/**
 * Install order by kind: what others depend on first (namespaces, CRDs, identities and their permissions),
 * workloads after, custom resources last so their CRDs and operator exist. Helm's order, with CRDs moved up.
 */
const INSTALL_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  // The admission policy for RayClusters before the operator and any RayCluster, so the first one is checked too.
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const RANK = new Map(INSTALL_ORDER.map((kind, index) => [kind, index]));

/** Sorts into install order; unknown kinds (custom resources) go last, by kind; ties keep file then name order. */
export function sortForInstall(objects: readonly RenderedObject[]): RenderedObject[] {
  return [...objects].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      compare(a.object.kind, b.object.kind) ||
      compare(a.source, b.source) ||
      compare(a.object.metadata.name, b.object.metadata.name),
  );
}

/** Uninstall goes the other way: custom resources first (while their operator still runs), namespaces last. */
export function sortForUninstall(objects: readonly RenderedObject[]): RenderedObject[] {
  return sortForInstall(objects).reverse();
}

function rank(rendered: RenderedObject): number {
  return RANK.get(rendered.object.kind) ?? INSTALL_ORDER.length;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
