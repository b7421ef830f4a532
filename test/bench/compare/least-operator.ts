// The least operator that makes rayctl's pods: what any Node.js operator would cost the scenarios, to tell the share
// of a gap to the floor that no code of ours can close. bench:compare runs it with --least-operator.
// - Node, node:http2 with the windows rayctl's client uses, and the two watches it cannot do without (its RayClusters;
//   its pods, whose events are parsed as JSON: they say when a cluster is done).
// - A new cluster: the head pod, then its workers with the head's uid, and the head Service, from rayctl's own
//   buildPod and buildHeadService. A changed spec: the difference created or deleted. 8 calls in flight in all, as the
//   floor sends them.
// - One status write per cluster and change, once its pods are all there and Ready: the least a `kubectl get -w` needs.
// - No cache of whole objects, no logs, no Events, no retries, no slow start, no resync: not a product.
// Run: node --import tsx least-operator.ts (KUBECONFIG: the JSON one bench:compare writes).
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { buildHeadService, buildPod, type Role } from '../../../src/operator/build.ts';
import { isReady } from '../../../src/operator/desired.ts';
import { CLUSTER_LABEL, NODE_TYPE_LABEL } from '../../../src/operator/labels.ts';
import type { Pod, RayCluster } from '../../../src/operator/types.ts';

const IN_FLIGHT = 8;
const WORKER_TYPE = 'rayWorkerType';

const config = JSON.parse(readFileSync(process.env.KUBECONFIG!, 'utf8')) as {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { 'client-certificate': string; 'client-key': string } }[];
};
const server = config.clusters[0]!.cluster;
const user = config.users[0]!.user;
const session = connect(server.server, {
  ca: readFileSync(server['certificate-authority']),
  cert: readFileSync(user['client-certificate']),
  key: readFileSync(user['client-key']),
  settings: { initialWindowSize: 4 << 20 },
});
session.on('connect', () => session.setLocalWindowSize(1 << 30));

function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': method,
      ':path': path,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': contentType }),
    });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () =>
      status < 300 ? resolve(JSON.parse(text) as T) : reject(new Error(`${method} ${path}: ${status} ${text}`)),
    );
    stream.on('error', reject);
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function watch<T>(path: string, onEvent: (type: string, object: T) => void): void {
  const stream = session.request({ ':method': 'GET', ':path': `${path}${path.includes('?') ? '&' : '?'}watch=1` });
  let partial = '';
  let watching = false;
  stream.setEncoding('utf8');
  // On a new control plane the RayCluster resource may not be served yet (404): asked again until it is.
  stream.on('response', (headers) => (watching = headers[':status'] === 200));
  stream.on('data', (chunk: string) => {
    if (!watching) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line) continue;
      const event = JSON.parse(line) as { type: string; object: T };
      onEvent(event.type, event.object);
    }
  });
  stream.on('end', () => setTimeout(() => watch(path, onEvent), watching ? 100 : 500));
}

/** Calls in flight over all clusters, at most IN_FLIGHT. */
const waiting: (() => void)[] = [];
let inFlight = 0;
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

interface Tracked {
  cluster: RayCluster;
  headUid?: string;
  pods: Map<string, { role: Role; ready: boolean; leaving: boolean }>;
  creating: number;
  statusFor?: number;
  busy: boolean;
  again: boolean;
}
const clusters = new Map<string, Tracked>();

const workerTarget = (cluster: RayCluster) =>
  cluster.spec.podTypes.find((t) => t.name === WORKER_TYPE)?.minWorkers ?? 0;

async function reconcile(tracked: Tracked): Promise<void> {
  const { cluster } = tracked;
  const { namespace = '' } = cluster.metadata;
  const pods = `/api/v1/namespaces/${namespace}/pods`;
  const podType = (typeName: string) => cluster.spec.podTypes.find((t) => t.name === typeName)!;
  if (!tracked.headUid) {
    const head = await limited(() =>
      call<Pod>('POST', pods, buildPod(cluster, podType(cluster.spec.headPodType), 'head')),
    );
    tracked.headUid = head.metadata.uid;
    void limited(() => call('POST', `/api/v1/namespaces/${namespace}/services`, buildHeadService(cluster)));
  }
  const live = [...tracked.pods].filter(([, p]) => p.role === 'worker' && !p.leaving).map(([podName]) => podName);
  const have = live.length + tracked.creating;
  const target = workerTarget(cluster);
  const jobs: Promise<unknown>[] = [];
  for (let i = have; i < target; i++) {
    tracked.creating++;
    const create = limited(() =>
      call<Pod>('POST', pods, buildPod(cluster, podType(WORKER_TYPE), 'worker', tracked.headUid)),
    );
    jobs.push(
      create.then((pod) => {
        tracked.creating--;
        if (!tracked.pods.has(pod.metadata.name))
          tracked.pods.set(pod.metadata.name, { role: 'worker', ready: false, leaving: false });
      }),
    );
  }
  for (const podName of live.slice(0, Math.max(0, have - target))) {
    tracked.pods.get(podName)!.leaving = true;
    jobs.push(limited(() => call('DELETE', `${pods}/${podName}`)));
  }
  await Promise.all(jobs);
  writeStatusIfDone(tracked);
}

function writeStatusIfDone(tracked: Tracked): void {
  const { generation } = tracked.cluster.metadata;
  if (tracked.statusFor === generation || tracked.creating > 0 || generation === undefined) return;
  const live = [...tracked.pods.values()].filter((p) => !p.leaving);
  const workers = live.filter((p) => p.role === 'worker').length;
  const headThere = live.some((p) => p.role === 'head');
  if (!headThere || workers !== workerTarget(tracked.cluster) || !live.every((p) => p.ready)) return;
  tracked.statusFor = generation;
  const { namespace, name } = tracked.cluster.metadata;
  const status = {
    phase: 'Running',
    observedGeneration: generation,
    workers: [{ podType: WORKER_TYPE, ready: workers, desired: workers }],
  };
  const path = `/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters/${name}/status`;
  void limited(() => call('PATCH', path, { status }, 'application/merge-patch+json'));
}

function run(tracked: Tracked): void {
  if (tracked.busy) {
    tracked.again = true;
    return;
  }
  tracked.busy = true;
  reconcile(tracked)
    .catch((error: Error) => process.stderr.write(`${tracked.cluster.metadata.name}: ${error.message}\n`))
    .finally(() => {
      tracked.busy = false;
      if (tracked.again) {
        tracked.again = false;
        run(tracked);
      }
    });
}

watch<RayCluster>('/apis/cluster.ray.io/v1/rayclusters', (type, cluster) => {
  const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
  const tracked = clusters.get(key);
  if (type === 'DELETED') clusters.delete(key);
  else if (!tracked) {
    const added: Tracked = { cluster, pods: new Map(), creating: 0, busy: false, again: false };
    clusters.set(key, added);
    run(added);
  } else if (tracked.cluster.metadata.generation !== cluster.metadata.generation) {
    tracked.cluster = cluster;
    run(tracked);
  }
});

watch<Pod>(`/api/v1/pods?labelSelector=${CLUSTER_LABEL}`, (type, pod) => {
  const { namespace, name, labels, deletionTimestamp } = pod.metadata;
  const tracked = clusters.get(`${namespace}/${labels?.[CLUSTER_LABEL]}`);
  if (!tracked) return;
  if (type === 'DELETED') tracked.pods.delete(name);
  else {
    const leaving = !!deletionTimestamp || !!tracked.pods.get(name)?.leaving;
    tracked.pods.set(name, { role: labels?.[NODE_TYPE_LABEL] as Role, ready: isReady(pod), leaving });
  }
  writeStatusIfDone(tracked);
});

process.on('SIGTERM', () => process.exit(0));
