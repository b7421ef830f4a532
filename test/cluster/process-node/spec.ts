// Pure decisions of the process node: which host runtime an image maps to, a container's environment as
// a kubelet computes it, the hosts file that stands in for cluster DNS, and the pod status to report.
import { parseQuantity } from '../../../src/chart/quantity.ts';
import type {
  Container,
  ContainerState,
  ContainerStatus,
  EnvVar,
  ObjectFieldSelector,
  Pod,
  PodCondition,
  PodStatus,
  ResourceFieldSelector,
} from './kube-types.ts';

// --- images ---

export interface HostRuntimes {
  /** The Ray venv (test/cluster/ray/build.sh); undefined when it is not built. */
  rayVenv?: string;
  /** The directory of the host's node binary. */
  nodeBinDir: string;
  nodeVersion: string;
}

export interface ImageRuntime {
  /** Directories put in front of the standard PATH. */
  path: string[];
  /** What the image's own ENV would set. */
  env: Record<string, string>;
}

export const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The repository of an image reference without registry, `library/`, tag or digest: "rayproject/ray". */
export function imageRepository(image: string): string {
  let name = image.split('@')[0]!;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const parts = name.split('/');
  // A first part with a dot or a port, or "localhost", is a registry.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** What this node can run: images are mapped to host runtimes, never pulled. */
export function runnableImages(runtimes: HostRuntimes): string {
  return `rayproject/ray:* (Ray venv${runtimes.rayVenv ? '' : ', not built: npm run cluster:build'}) and node:* (host Node.js ${runtimes.nodeVersion})`;
}

export function mapImage(
  image: string,
  runtimes: HostRuntimes,
): { runtime: ImageRuntime } | { reason: string; message: string } {
  const repository = imageRepository(image);
  if (repository === 'rayproject/ray' || repository === 'rayproject/ray-ml') {
    if (!runtimes.rayVenv)
      return {
        reason: 'ErrImageNeverPull',
        message: `process node: the Ray venv for ${image} is not built; run \`npm run cluster:build\``,
      };
    // Ray images set no usage-stats opt-out, but nothing here may try to reach the internet.
    return { runtime: { path: [`${runtimes.rayVenv}/bin`], env: { RAY_USAGE_STATS_ENABLED: '0' } } };
  }
  if (repository === 'node') return { runtime: { path: [runtimes.nodeBinDir], env: {} } };
  return {
    reason: 'ErrImageNeverPull',
    message: `process node: image ${image} is not available; this node runs ${runnableImages(runtimes)}`,
  };
}

// --- environment ---

export interface PodFacts {
  pod: Pod;
  podIP: string;
  hostIP: string;
}

/** A fieldRef value (metadata.name, status.podIP, metadata.labels['k'], ...), or undefined if unsupported. */
export function fieldValue(ref: ObjectFieldSelector, facts: PodFacts): string | undefined {
  const { pod } = facts;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(ref.fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[keyed[2]!] ?? '';
  switch (ref.fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      return undefined;
  }
}

/** A resourceFieldRef value as the kubelet gives it: ceil(quantity / divisor), limits defaulting to requests. */
export function resourceValue(ref: ResourceFieldSelector, container: Container | undefined): string | undefined {
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if (!resource || (kind !== 'limits' && kind !== 'requests')) return undefined;
  const resources = container?.resources ?? {};
  // A missing limit is the node's allocatable for the kubelet; the request is the closest stand-in here.
  const raw = resources[kind]?.[resource] ?? (kind === 'limits' ? resources.requests?.[resource] : undefined);
  const amount = raw === undefined ? 0 : (parseQuantity(raw) ?? 0);
  const divisor = parseQuantity(ref.divisor ?? 1) || 1;
  return String(Math.ceil(amount / divisor - 1e-9));
}

/** Replaces $(NAME) with a defined variable's value and $$( with $(, as the kubelet does for env, command, args. */
export function expandReferences(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in vars ? vars[name]! : match;
  });
}

export interface EnvLookups {
  /** Key/value data of a ConfigMap or Secret (Secret values already decoded), or undefined if missing. */
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
}

/**
 * The container's environment, in the kubelet's order: image env, envFrom, env (later wins), with $(VAR)
 * references expanded against what is defined before. Missing non-optional references throw, naming them.
 */
export function containerEnv(
  container: Container,
  facts: PodFacts,
  base: Record<string, string>,
  lookups: EnvLookups,
): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const data = source.configMapRef ? lookups.configMap(ref.name) : lookups.secret(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new Error(`envFrom: ${source.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) env[variable.name] = envValue(variable, container, facts, env, lookups);
  return env;
}

function envValue(
  variable: EnvVar,
  container: Container,
  facts: PodFacts,
  defined: Record<string, string>,
  lookups: EnvLookups,
): string {
  if (variable.value !== undefined) return expandReferences(variable.value, defined);
  const from = variable.valueFrom;
  if (!from) return '';
  if (from.fieldRef) {
    const value = fieldValue(from.fieldRef, facts);
    if (value === undefined) throw new Error(`env ${variable.name}: unsupported fieldPath ${from.fieldRef.fieldPath}`);
    return value;
  }
  if (from.resourceFieldRef) {
    const target = from.resourceFieldRef.containerName
      ? facts.pod.spec.containers.find((c) => c.name === from.resourceFieldRef!.containerName)
      : container;
    const value = resourceValue(from.resourceFieldRef, target);
    if (value === undefined)
      throw new Error(`env ${variable.name}: unsupported resource ${from.resourceFieldRef.resource}`);
    return value;
  }
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (keyRef) {
    const data = from.configMapKeyRef ? lookups.configMap(keyRef.name) : lookups.secret(keyRef.name);
    const value = data?.[keyRef.key];
    if (value === undefined && !keyRef.optional)
      throw new Error(`env ${variable.name}: key "${keyRef.key}" of "${keyRef.name}" not found`);
    return value ?? '';
  }
  return '';
}

// --- cluster DNS as a hosts file ---

export interface ServiceEndpoints {
  namespace: string;
  service: string;
  /** Ready endpoint addresses. */
  addresses: string[];
}

/**
 * The /etc/hosts of one pod: itself, the API server as kubernetes.default, and every Service with ready
 * endpoints under <svc>.<ns>.svc.cluster.local, <svc>.<ns>.svc, <svc>.<ns>, and <svc> in the pod's namespace.
 */
export function hostsFile(
  pod: { name: string; namespace: string; ip: string },
  apiServerIp: string,
  services: readonly ServiceEndpoints[],
): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${pod.ip}\t${pod.name}`];
  const all: ServiceEndpoints[] = [
    { namespace: 'default', service: 'kubernetes', addresses: [apiServerIp] },
    ...services.filter((s) => !(s.namespace === 'default' && s.service === 'kubernetes')),
  ];
  const sorted = [...all].sort((a, b) =>
    `${a.namespace}/${a.service}`.localeCompare(`${b.namespace}/${b.service}`, 'en'),
  );
  for (const { namespace, service, addresses } of sorted) {
    const names = [
      `${service}.${namespace}.svc.cluster.local`,
      `${service}.${namespace}.svc`,
      `${service}.${namespace}`,
    ];
    if (namespace === pod.namespace) names.push(service);
    for (const address of [...new Set(addresses)].sort()) lines.push(`${address}\t${names.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

// --- status ---

export interface ContainerRecord {
  name: string;
  image: string;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
}

export interface PodRecord {
  podIP?: string;
  hostIP: string;
  startTime: string;
  init: ContainerRecord[];
  containers: ContainerRecord[];
  /** Set once the pod is done: all containers ended and none will restart. */
  phase?: 'Succeeded' | 'Failed';
  /** Conditions' first times, so lastTransitionTime only moves when the status flips. */
  transitions: Record<string, { status: 'True' | 'False'; at: string }>;
}

function toStatus(record: ContainerRecord): ContainerStatus {
  return {
    name: record.name,
    image: record.image,
    imageID: record.state.running || record.state.terminated ? `process-node://${record.image}` : '',
    ready: record.ready,
    started: record.started,
    restartCount: record.restartCount,
    state: record.state,
    lastState: record.lastState,
  };
}

/** Pending → Running → Succeeded/Failed as the kubelet decides it, with its four conditions. */
export function podStatus(record: PodRecord, now: string): PodStatus {
  const initDone = record.init.every((c) => c.state.terminated?.exitCode === 0);
  // A crash-looping container keeps the pod Running, as with the kubelet: it ran and is about to run again.
  const started = record.containers.some((c) => c.state.running || c.restartCount > 0);
  const phase: PodStatus['phase'] = record.phase ?? (initDone && started ? 'Running' : 'Pending');
  const containersReady = initDone && record.containers.length > 0 && record.containers.every((c) => c.ready);
  const condition = (type: string, ok: boolean, reason?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const seen = record.transitions[type];
    if (!seen || seen.status !== status) record.transitions[type] = { status, at: now };
    return { type, status, lastTransitionTime: record.transitions[type]!.at, ...(ok || !reason ? {} : { reason }) };
  };
  const notReady = record.phase ? 'PodCompleted' : 'ContainersNotReady';
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', !!record.podIP && !record.phase),
      condition('Initialized', initDone, 'ContainersNotInitialized'),
      condition('ContainersReady', containersReady, notReady),
      condition('Ready', containersReady, notReady),
      condition('PodScheduled', true),
    ],
    ...(record.podIP ? { podIP: record.podIP, podIPs: [{ ip: record.podIP }] } : {}),
    hostIP: record.hostIP,
    hostIPs: [{ ip: record.hostIP }],
    startTime: record.startTime,
    ...(record.init.length ? { initContainerStatuses: record.init.map(toStatus) } : {}),
    containerStatuses: record.containers.map(toStatus),
  };
}

/** Whether a container that exited with `exitCode` starts again under the pod's restartPolicy. */
export function restarts(restartPolicy: Pod['spec']['restartPolicy'], exitCode: number): boolean {
  const policy = restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** The kubelet's crash-loop back-off before restart number restartCount + 1: 10 s, doubling, at most 5 min. */
export function restartDelayMs(restartCount: number): number {
  return Math.min(10_000 * 2 ** restartCount, 300_000);
}
