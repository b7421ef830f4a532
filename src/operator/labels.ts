/** Labels the original Ray operator put on its pods; users and tools select on them. */
export const CLUSTER_LABEL = 'ray-cluster-name';
export const NODE_TYPE_LABEL = 'ray-node-type';
export const USER_NODE_TYPE_LABEL = 'ray-user-node-type';
export const NODE_NAME_LABEL = 'ray-node-name';
export const LAUNCH_CONFIG_LABEL = 'ray-launch-config';
export const COMPONENT_LABEL = 'cluster.ray.io/component';
/** On worker pods: the uid of the head pod they joined, so a new head restarts them. */
export const HEAD_UID_ANNOTATION = 'ray.rayctl.io/head-uid';

export const headComponent = (cluster: string) => `${cluster}-ray-head`;
export const headServiceName = (cluster: string) => `${cluster}-ray-head`;
