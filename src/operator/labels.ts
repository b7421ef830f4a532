// What rayctl shares with the cluster: the RayCluster API, and the labels and annotations the original Ray operator
// put on its pods, which users and tools select on. Spelled here only.
import { RAYCLUSTER_API } from './types.ts';

/** Labels the original Ray operator put on its pods; users and tools select on them. */
export const CLUSTER_LABEL = 'ray-cluster-name';
export const NODE_TYPE_LABEL = 'ray-node-type';
export const USER_NODE_TYPE_LABEL = 'ray-user-node-type';
export const NODE_NAME_LABEL = 'ray-node-name';
export const LAUNCH_CONFIG_LABEL = 'ray-launch-config';
export const COMPONENT_LABEL = 'cluster.ray.io/component';
/** The operator's name as a field manager and as the source of its Events. */
export const OPERATOR_FIELD_MANAGER = 'rayctl-operator';
/** The Lease the operator's replicas elect their leader with. */
export const LEADER_LEASE = 'ray-operator-leader';
/** On worker pods: the uid of the head pod they joined, so a new head restarts them. */
export const HEAD_UID_ANNOTATION = 'ray.rayctl.io/head-uid';

/** Every label and annotation key the operator sets on its pods: podConfig may not set them. */
export const OPERATOR_KEYS: ReadonlySet<string> = new Set([
  CLUSTER_LABEL,
  NODE_TYPE_LABEL,
  USER_NODE_TYPE_LABEL,
  NODE_NAME_LABEL,
  LAUNCH_CONFIG_LABEL,
  COMPONENT_LABEL,
  HEAD_UID_ANNOTATION,
]);

export const headComponent = (cluster: string) => `${cluster}-ray-head`;
export const headServiceName = (cluster: string) => `${cluster}-ray-head`;

/** Selects a cluster's pods, or only its head or its workers. */
export const clusterPodSelector = (cluster: string, role?: 'head' | 'worker') =>
  `${CLUSTER_LABEL}=${cluster}${role ? `,${NODE_TYPE_LABEL}=${role}` : ''}`;

/** API path of RayClusters: all, a namespace's, or one (with a subresource such as "status"). */
export function rayClusterPath(namespace?: string, name?: string, subresource?: string): string {
  const scope = namespace ? `/namespaces/${namespace}` : '';
  return `/apis/${RAYCLUSTER_API}${scope}/rayclusters${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
}
