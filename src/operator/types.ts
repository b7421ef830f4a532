import type { ObjectMeta } from '../chart/objects.ts';

/** The parts of a Pod the operator builds and reads. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  resources?: ResourceRequirements;
  [key: string]: unknown;
}

/** A container's environment variable: a literal `value`, or `valueFrom` (e.g. the downward API). */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
  [key: string]: unknown;
}

export interface EnvVarSource {
  /** The downward API: a field of the pod itself, e.g. `metadata.name`. */
  fieldRef?: { apiVersion?: string; fieldPath: string };
  [key: string]: unknown;
}

/** Kubernetes quantities by resource name ("cpu", "memory", "nvidia.com/gpu"): "500m", "1Gi", 2. */
export interface ResourceRequirements {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
  [key: string]: unknown;
}

export interface PodConfig {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: PodSpec;
}

export interface PodType {
  name: string;
  minWorkers?: number;
  maxWorkers?: number;
  desiredWorkers?: number;
  rayResources?: Record<string, number>;
  setupCommands?: string[];
  workerSetupCommands?: string[];
  podConfig: PodConfig;
}

export interface RayClusterSpec {
  maxWorkers?: number;
  upscalingSpeed?: number;
  idleTimeoutMinutes?: number;
  /** false: worker counts are only desiredWorkers/minWorkers, never Ray's load (default true). */
  enableAutoscaling?: boolean;
  headPodType: string;
  podTypes: PodType[];
  headServicePorts?: { name: string; port: number; targetPort?: number | string }[];
  headSetupCommands?: string[];
  headStartRayCommands?: string[];
  workerStartRayCommands?: string[];
}

export interface Condition {
  type: 'HeadPodReady' | 'WorkersReady' | 'AutoscalerActive' | 'PodPolicyAllowed' | 'HeadServiceOwned';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** What the autoscaler sees and did, for `kubectl get -o yaml` and `rayctl status`. */
export interface AutoscalerStatus {
  /** Active: reading Ray's load; WaitingForHead: no head pod with an IP yet; Unreachable: the GCS does not answer. */
  state: 'Active' | 'WaitingForHead' | 'Unreachable' | 'Disabled';
  message: string;
  /**
   * The head pod whose Ray the autoscaler has read. From then on Ray's load sets the worker counts, and they hold
   * while the GCS is away (so an operator restart or a GCS outage never removes workers it cannot see).
   */
  headPod?: string;
  /** Demand Ray cannot place now, e.g. "3 × {CPU: 1}". */
  pendingDemand?: string;
  /** Demand no pod type can ever hold. */
  infeasibleDemand?: string;
  lastScaleUp?: { time: string; message: string };
  lastScaleDown?: { time: string; message: string };
}

export interface RayClusterStatus {
  phase?: 'Updating' | 'Running' | 'Error' | 'AutoscalingExceptionRecovery' | '';
  reason?: string;
  autoscalerRetries?: number;
  observedGeneration?: number;
  readyWorkers?: number;
  desiredWorkers?: number;
  workers?: { podType: string; ready: number; desired: number }[];
  head?: { podName?: string; podIP?: string };
  serviceIP?: string;
  conditions?: Condition[];
  autoscaler?: AutoscalerStatus;
}

export interface RayCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { uid: string; generation?: number; resourceVersion?: string; deletionTimestamp?: string };
  spec: RayClusterSpec;
  status?: RayClusterStatus;
}

/** A pod as the operator sees it in its cache. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & {
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    ownerReferences?: { uid: string; controller?: boolean }[];
  };
  spec?: PodSpec & { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
  };
}

export interface Service {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { clusterIP?: string; [key: string]: unknown };
}

export const RAYCLUSTER_API = 'cluster.ray.io/v1';

/** A pod to create: named by the API server from generateName. */
export interface NewPod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    generateName: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller: boolean;
      blockOwnerDeletion: boolean;
    }[];
  };
  spec: PodSpec;
}
