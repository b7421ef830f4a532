import { createHash } from 'node:crypto';
import { kebabCase } from '../chart/helpers.ts';
import { parseQuantity } from '../chart/quantity.ts';
import {
  CLUSTER_LABEL,
  COMPONENT_LABEL,
  HEAD_UID_ANNOTATION,
  headComponent,
  headServiceName,
  LAUNCH_CONFIG_LABEL,
  NODE_NAME_LABEL,
  NODE_TYPE_LABEL,
  OPERATOR_KEYS,
  USER_NODE_TYPE_LABEL,
} from './labels.ts';
import { canonicalJson } from './canonical-json.ts';
import { withoutReservedKeys } from './pod-policy.ts';
import {
  RAYCLUSTER_API,
  type Container,
  type EnvVar,
  type NewPod,
  type PodType,
  type RayCluster,
  type Service,
} from './types.ts';

export type Role = 'head' | 'worker';

/** The head's DNS name, stable across head restarts (unlike its IP): what workers start Ray against. */
export function headAddress(cluster: RayCluster): string {
  return `${headServiceName(cluster.metadata.name)}.${cluster.metadata.namespace}.svc`;
}

/** The commands a pod of this type and role runs before its own command. */
function startScript(cluster: RayCluster, podType: PodType, role: Role): string[] {
  const { spec } = cluster;
  return role === 'head'
    ? [...(spec.headSetupCommands ?? []), ...(podType.setupCommands ?? []), ...(spec.headStartRayCommands ?? [])]
    : [
        ...(podType.setupCommands ?? []),
        ...(podType.workerSetupCommands ?? []),
        ...(spec.workerStartRayCommands ?? []),
      ];
}

/**
 * Workers run this first: `ray start --address=$RAY_HEAD_IP:6379` fails at once while the head's Service name does
 * not resolve or its GCS is not up yet (workers are created as soon as a head pod exists), leaving a pod without Ray.
 * So wait, as KubeRay's init container does, until `ray health-check` reaches the GCS. A failed health check takes
 * about 40 s (Ray 2.60 retries inside it), so bash's own TCP connect (instant when the name does not resolve or the
 * port is closed) gates it: the worker starts within a second of the GCS listening. Without `ray` on PATH (an image
 * whose setup commands install Ray) there is nothing to check with: go on rather than wait forever.
 */
const WAIT_FOR_HEAD = [
  'if command -v ray >/dev/null 2>&1; then',
  `  echo "rayctl: waiting for the head's GCS at $RAY_HEAD_IP:6379" >&2`,
  '  until (exec 3<>"/dev/tcp/$RAY_HEAD_IP/6379") 2>/dev/null &&',
  '    ray health-check --address "$RAY_HEAD_IP:6379" >/dev/null 2>&1; do sleep 1; done',
  'else',
  `  echo "rayctl: ray is not on PATH; not waiting for the head's GCS at $RAY_HEAD_IP:6379" >&2`,
  'fi',
];

/**
 * Everything the Ray container runs before its own command: for workers the wait for the head, then the setup and
 * start commands. The wait is the operator's, not the pod type's, so it is not part of the launch hash.
 */
export function podCommands(cluster: RayCluster, podType: PodType, role: Role): string[] {
  return [...(role === 'worker' ? WAIT_FOR_HEAD : []), ...startScript(cluster, podType, role)];
}

/**
 * A hash of everything that defines a pod of this type and role: when it changes, the pods are replaced.
 * min/max/desired workers are not part of it, so scaling never restarts anything.
 */
export function launchHash(cluster: RayCluster, podType: PodType, role: Role): string {
  // Every reconcile asks, for every pod type, of the same cached objects: hashed once per spec object. The cache
  // replaces a RayCluster's objects when it changes and nothing mutates them, so identity is enough.
  let memo = launchHashes.get(podType);
  if (!memo || memo.spec !== cluster.spec) {
    memo = { spec: cluster.spec };
    launchHashes.set(podType, memo);
  }
  return (memo[role] ??= computeLaunchHash(cluster, podType, role));
}

const launchHashes = new WeakMap<PodType, { spec: RayCluster['spec']; head?: string; worker?: string }>();

function computeLaunchHash(cluster: RayCluster, podType: PodType, role: Role): string {
  const defining = {
    podConfig: podType.podConfig,
    rayResources: podType.rayResources ?? {},
    start: startScript(cluster, podType, role),
  };
  // Pods carry this hash: the text hashed must stay the same for the same content, across key orders and versions,
  // or an operator upgrade would restart every pod.
  return createHash('sha256').update(canonicalJson(defining)).digest('hex').slice(0, 16);
}

/** Quotes one word for bash. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The first container's command: setup and start commands, then the container's own command. Ray starts without
 * pods/exec. A `bash -c SCRIPT` command (what the original chart and its examples use, e.g. `sleep infinity` to
 * keep the container alive) continues as that script; any other command is exec'd; no command keeps the pod alive.
 */
export function wrapCommand(
  container: Container,
  commands: readonly string[],
  headIp: string,
): Pick<Container, 'command' | 'args'> {
  const own = [...(container.command ?? []), ...(container.args ?? [])];
  const isShellScript = own.length >= 3 && /(^|\/)(ba)?sh$/.test(own[0]!) && own[1] === '-c';
  const tail = isShellScript
    ? own.slice(own[2] === '--' ? 3 : 2).join(' ')
    : own.length > 0
      ? `exec ${own.map(shellQuote).join(' ')}`
      : 'trap : TERM INT; sleep infinity & wait';
  const script = [`export RAY_HEAD_IP=${headIp}`, ...commands, tail].join('\n');
  return { command: ['/bin/bash', '-c', '--'], args: [script] };
}

/**
 * A pod of `podType` for `cluster`, ready to create: labels, owner reference, start commands. Pods of one type and
 * role differ only in their head's uid, so the rest is built once per spec object (as launchHash) and shared: a pod
 * made here is only ever sent, never changed.
 */
export function buildPod(cluster: RayCluster, podType: PodType, role: Role, headUid?: string): NewPod {
  const pod = podOfType(cluster, podType, role);
  if (!headUid) return pod;
  const { metadata } = pod;
  return {
    ...pod,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [HEAD_UID_ANNOTATION]: headUid } },
  };
}

function podOfType(cluster: RayCluster, podType: PodType, role: Role): NewPod {
  const { spec, metadata } = cluster;
  let memo = podsOfType.get(podType);
  // One spec object may serve two clusters (a fixture of tests): a pod is named after and owned by its own cluster.
  if (
    memo?.spec !== spec ||
    memo.name !== metadata.name ||
    memo.namespace !== metadata.namespace ||
    memo.uid !== metadata.uid
  ) {
    memo = { spec, name: metadata.name, namespace: metadata.namespace, uid: metadata.uid };
    podsOfType.set(podType, memo);
  }
  return (memo[role] ??= newPod(cluster, podType, role));
}

const podsOfType = new WeakMap<
  PodType,
  { spec: RayCluster['spec']; name: string; namespace?: string; uid?: string; head?: NewPod; worker?: NewPod }
>();

function newPod(cluster: RayCluster, podType: PodType, role: Role): NewPod {
  const name = cluster.metadata.name;
  const config = podType.podConfig;
  const [first, ...rest] = config.spec.containers;
  if (!first) throw new Error(`pod type ${podType.name} has no containers`);
  const headIp = headAddress(cluster);
  const env = rayEnv(first, podType, headIp);
  const { labels, annotations } = withoutReservedKeys(config.metadata, OPERATOR_KEYS);
  const container: Container = { ...first, ...wrapCommand(first, podCommands(cluster, podType, role), headIp), env };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // No name: the API server appends a random suffix to generateName.
    metadata: {
      generateName: `${name}-${kebabCase(podType.name)}-`,
      namespace: cluster.metadata.namespace,
      labels: {
        ...labels,
        [CLUSTER_LABEL]: name,
        [NODE_TYPE_LABEL]: role,
        [USER_NODE_TYPE_LABEL]: podType.name,
        [NODE_NAME_LABEL]: `ray-${name}-${role}`,
        [LAUNCH_CONFIG_LABEL]: launchHash(cluster, podType, role),
        ...(role === 'head' ? { [COMPONENT_LABEL]: headComponent(name) } : {}),
      },
      annotations,
      ownerReferences: [ownerReference(cluster)],
    },
    spec: { ...config.spec, containers: [container, ...rest] },
  };
}

/** Variables the operator always sets itself: a user's value for them is dropped. */
const OPERATOR_ENV = new Set([
  'RAY_HEAD_IP',
  'RAY_CLOUD_INSTANCE_ID',
  'RAY_NODE_TYPE_NAME',
  'RAY_enable_autoscaler_v2',
]);

/**
 * The Ray container's environment: the user's, then what `ray start` reads. RAY_CLOUD_INSTANCE_ID (the pod's own
 * name, known only once the API server has named it from generateName) and RAY_NODE_TYPE_NAME become the node's
 * `instance_id` and `ray_node_type_name` in Ray's autoscaler state: how a Ray node is matched to its pod, so they are
 * always ours. RAY_OVERRIDE_RESOURCES is the user's if they set it (they asked for exactly those resources; the
 * pod type's rayResources then do not reach Ray), else ours from the pod type. RAY_enable_autoscaler_v2=1 makes the
 * GCS the autoscaler's one source and sink (ADR 0007): `request_resources` reaches the state the operator reads, and
 * `ray status` shows what the operator reports back (with --no-monitor, no Python autoscaler starts).
 */
function rayEnv(container: Container, podType: PodType, headIp: string): EnvVar[] {
  const own = container.env ?? [];
  const resources = rayResourcesOf(container, podType);
  const setResources = !own.some((e) => e.name === 'RAY_OVERRIDE_RESOURCES') && Object.keys(resources).length > 0;
  return [
    ...own.filter((e) => !OPERATOR_ENV.has(e.name)),
    { name: 'RAY_HEAD_IP', value: headIp },
    ...(setResources ? [{ name: 'RAY_OVERRIDE_RESOURCES', value: JSON.stringify(resources) }] : []),
    { name: 'RAY_CLOUD_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'RAY_NODE_TYPE_NAME', value: podType.name },
    { name: 'RAY_enable_autoscaler_v2', value: '1' },
  ];
}

/** Ray's built-in resources and the Kubernetes resource each comes from. */
const BUILTIN_RESOURCES = [
  ['CPU', 'cpu'],
  ['GPU', 'nvidia.com/gpu'],
  ['memory', 'memory'],
] as const;

/**
 * What a node of this type offers Ray, as the original operator passed it in RAY_OVERRIDE_RESOURCES: CPU, GPU and
 * memory (bytes) from the container's limits, or its requests where a limit is missing, then the pod type's
 * rayResources over and beside them. Quantities round up to whole numbers (500m CPU → 1), as the original operator
 * and KubeRay did: Ray 2.60's `ray start` rejects any fractional node resource ("Resource quantities must all be
 * whole numbers"). Keys come in a fixed order (CPU, GPU, memory, then the rest sorted) so the same pod type always
 * gives the same text.
 */
export function rayResourcesOf(container: Container, podType: PodType): Record<string, number> {
  const { limits, requests } = container.resources ?? {};
  const merged = new Map<string, number>();
  for (const [ray, kube] of BUILTIN_RESOURCES) {
    const quantity = parseQuantity(limits?.[kube] ?? requests?.[kube]);
    if (quantity !== undefined && quantity >= 0) merged.set(ray, wholeUp(quantity));
  }
  for (const [name, amount] of Object.entries(podType.rayResources ?? {})) merged.set(name, amount);
  const builtin: string[] = BUILTIN_RESOURCES.map(([ray]) => ray);
  const custom = [...merged.keys()].filter((k) => !builtin.includes(k)).sort();
  return Object.fromEntries(
    [...builtin, ...custom].flatMap((name) => (merged.has(name) ? [[name, merged.get(name)!]] : [])),
  );
}

/** Rounds up to a whole number, ignoring float noise from a decimal suffix ("1.07G" is 1070000000, not one more). */
function wholeUp(value: number): number {
  const nearest = Math.round(value);
  return Math.abs(value - nearest) <= 1e-12 * Math.max(1, value) ? nearest : Math.ceil(value);
}

/** Ray's default head ports, by name; spec.headServicePorts merge over them. */
const DEFAULT_HEAD_PORTS = [
  { name: 'gcs', port: 6379 },
  { name: 'client', port: 10001 },
  { name: 'dashboard', port: 8265 },
  { name: 'serve', port: 8000 },
];

export function buildHeadService(cluster: RayCluster): Service {
  const name = cluster.metadata.name;
  const ports = new Map<string, { name: string; port: number; targetPort?: number | string }>(
    DEFAULT_HEAD_PORTS.map((p) => [p.name, p]),
  );
  for (const port of cluster.spec.headServicePorts ?? []) ports.set(port.name, port);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: headServiceName(name),
      namespace: cluster.metadata.namespace,
      labels: { [CLUSTER_LABEL]: name },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      type: 'ClusterIP',
      selector: { [COMPONENT_LABEL]: headComponent(name) },
      ports: [...ports.values()].map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: 'TCP',
      })),
    },
  };
}

/** Controller owner reference: deleting the RayCluster garbage-collects its pods and Service, no finalizer needed. */
export function ownerReference(cluster: RayCluster) {
  return {
    apiVersion: RAYCLUSTER_API,
    kind: 'RayCluster',
    name: cluster.metadata.name,
    uid: cluster.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
