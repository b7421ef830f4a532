import { createHash } from 'node:crypto';
import { kebabCase } from '../chart/helpers.ts';
import {
  CLUSTER_LABEL,
  COMPONENT_LABEL,
  HEAD_UID_ANNOTATION,
  headComponent,
  headServiceName,
  LAUNCH_CONFIG_LABEL,
  NODE_NAME_LABEL,
  NODE_TYPE_LABEL,
  USER_NODE_TYPE_LABEL,
} from './labels.ts';
import { RAYCLUSTER_API, type Container, type NewPod, type PodType, type RayCluster, type Service } from './types.ts';

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
 * A hash of everything that defines a pod of this type and role: when it changes, the pods are replaced.
 * min/max/desired workers are not part of it, so scaling never restarts anything.
 */
export function launchHash(cluster: RayCluster, podType: PodType, role: Role): string {
  const defining = {
    podConfig: podType.podConfig,
    rayResources: podType.rayResources ?? {},
    start: startScript(cluster, podType, role),
  };
  return createHash('sha256').update(stableJson(defining)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
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

/** A pod of `podType` for `cluster`, ready to create: labels, owner reference, start commands. */
export function buildPod(cluster: RayCluster, podType: PodType, role: Role, headUid?: string): NewPod {
  const name = cluster.metadata.name;
  const config = podType.podConfig;
  const [first, ...rest] = config.spec.containers;
  if (!first) throw new Error(`pod type ${podType.name} has no containers`);
  const headIp = headAddress(cluster);
  const env = [...(first.env ?? []).filter((e) => e.name !== 'RAY_HEAD_IP'), { name: 'RAY_HEAD_IP', value: headIp }];
  const container: Container = { ...first, ...wrapCommand(first, startScript(cluster, podType, role), headIp), env };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // No name: the API server appends a random suffix to generateName.
    metadata: {
      generateName: `${name}-${kebabCase(podType.name)}-`,
      namespace: cluster.metadata.namespace,
      labels: {
        ...config.metadata?.labels,
        [CLUSTER_LABEL]: name,
        [NODE_TYPE_LABEL]: role,
        [USER_NODE_TYPE_LABEL]: podType.name,
        [NODE_NAME_LABEL]: `ray-${name}-${role}`,
        [LAUNCH_CONFIG_LABEL]: launchHash(cluster, podType, role),
        ...(role === 'head' ? { [COMPONENT_LABEL]: headComponent(name) } : {}),
      },
      annotations: { ...config.metadata?.annotations, ...(headUid ? { [HEAD_UID_ANNOTATION]: headUid } : {}) },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: { ...config.spec, containers: [container, ...rest] },
  };
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
