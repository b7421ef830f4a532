// The three ways of getting the same pods: KubeRay's ray-operator, rayctl's operator, and the floor (the pods created
// directly, no operator). Each one creates clusters and scales them; the scenario runner measures them all alike.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { KubeHttp } from '../../cluster/kube-http.ts';
import type { ClusterState } from '../../cluster/cluster.ts';
import { buildHeadService, buildPod, type Role } from '../../../src/operator/build.ts';
import type { RayCluster } from '../../../src/operator/types.ts';
import type { Identity } from './identity.ts';
import { contenderEnv, inParallel } from './measure.ts';

export const rayctlBin = fileURLToPath(new URL('../../../bin/rayctl.cjs', import.meta.url));
/** What the chart's operator Deployment runs (`npm run build` makes it). */
const operatorBundle = fileURLToPath(new URL('../../../dist/operator.mjs', import.meta.url));
const nodeWatchFloor = fileURLToPath(new URL('./node-watch-floor.mjs', import.meta.url));
const leastOperatorFile = fileURLToPath(new URL('./least-operator.ts', import.meta.url));
/** Like the operators' clients and bench:operator: creates with 8 requests in flight. */
export const IN_FLIGHT = 8;
const IMAGE = 'rayproject/ray:2.40.0';
/** Same reconcile parallelism and client-side rate limit (rayctl's defaults) for both operators. */
const CONCURRENCY = 10;
const QPS = 1000;
const BURST = 2000;

export type ContenderName = 'floor' | 'floor-services' | 'kuberay' | 'rayctl' | 'least';

export interface Contender {
  name: ContenderName;
  /** Installs what it needs once per run (CRDs). */
  prepare(admin: KubeHttp): Promise<void>;
  /** Starts the contender's process as `identity`: the operator, or for the floor node-watch-floor.mjs. */
  start(identity: Identity, logFile: string): ChildProcess;
  /**
   * Makes ready to create `clusters` clusters of one head and `workers` workers each (pods are created as `identity`)
   * and returns what sends the requests: the window measured starts at the first request, so the objects (a `rayctl
   * template` run, ~200 ms) are built before it.
   */
  create(admin: KubeHttp, identity: Identity, namespace: string, clusters: number, workers: number): Send;
  /** As create, for setting every cluster's worker count. */
  scale(admin: KubeHttp, identity: Identity, namespace: string, clusters: number, workers: number): Send;
}

/** Sends the requests of one step. */
export type Send = () => Promise<void>;

// 'add' sets a member whether or not it is there yet (spec.maxWorkers may be absent).
type JsonPatch = { op: 'add'; path: string; value: unknown }[];

function spawnLogged(command: string, args: string[], kubeconfig: string, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(command, args, {
      env: contenderEnv(kubeconfig),
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

async function createAll(admin: KubeHttp, path: string, objects: unknown[]): Promise<void> {
  await inParallel(
    objects.map((object) => () => admin.json('POST', path, object)),
    IN_FLIGHT,
  );
}

async function patchAll(admin: KubeHttp, path: (i: number) => string, clusters: number, patch: JsonPatch) {
  await inParallel(
    Array.from(
      { length: clusters },
      (_, i) => () => admin.json('PATCH', path(i), patch, 'application/json-patch+json'),
    ),
    IN_FLIGHT,
  );
}

/** Waits until a CRD is Established, so its objects can be created right after. */
async function established(admin: KubeHttp, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const crd = await admin.request<{ status?: { conditions?: { type: string; status: string }[] } }>(
      'GET',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    if (crd.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not established in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// --- rayctl ---

/** The documents `rayctl template placeholder -n placeholder ...flags` renders. */
function rendered(flags: string[]): unknown[] {
  const args = ['template', 'placeholder', '-n', 'placeholder', ...flags];
  const result = spawnSync(process.execPath, [rayctlBin, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`rayctl template failed: ${result.stderr}`);
  return yaml.loadAll(result.stdout);
}

/** rayctl's RayCluster and CRD as `rayctl template --cluster-only` renders them, with the small pod resources. */
function rayctlTemplate(workers: number): { crd: object; cluster: RayCluster } {
  const small = ['rayWorkerType', 'rayHeadType'].map((t) => `podTypes.${t}.CPU=100m,podTypes.${t}.memory=128Mi`);
  const flags = ['--cluster-only', '--include-crds', '--set', small.join(',')];
  flags.push('--min-workers', `rayWorkerType=${workers}`, '--max-workers', `rayWorkerType=${workers}`);
  const [crd, cluster] = rendered(flags) as [object, RayCluster];
  return { crd, cluster };
}

let nodeOptions: string[] | undefined;

/**
 * The options the chart's operator Deployment gives node (those before its inline script, but the one that says how
 * to read that script), so that the bundle runs here as it does in the cluster.
 */
function chartNodeOptions(): string[] {
  if (nodeOptions) return nodeOptions;
  type Deployment = { kind: string; spec: { template: { spec: { containers: { command?: string[] }[] } } } };
  const deployment = (rendered(['--operator-only']) as Deployment[]).find((o) => o?.kind === 'Deployment');
  const command = deployment?.spec.template.spec.containers[0]?.command ?? [];
  const script = command.indexOf('-e');
  if (command[0] !== 'node' || script < 0)
    throw new Error(`the chart's operator runs ${command.join(' ')}, not node -e`);
  nodeOptions = command.slice(1, script).filter((option) => !option.startsWith('--input-type='));
  return nodeOptions;
}

/** The pod template of each of rayctl's pod types: what KubeRay's RayClusters are given, so both start from it. */
export function rayctlPodSpecs(): { head: object; worker: object } {
  const { cluster } = rayctlTemplate(1);
  const spec = (name: string): object => {
    const podType = cluster.spec.podTypes.find((t) => t.name === name);
    if (!podType) throw new Error(`rayctl template has no pod type ${name}`);
    return (podType.podConfig as { spec: object }).spec;
  };
  return { head: spec('rayHeadType'), worker: spec('rayWorkerType') };
}

export const rayctl: Contender = {
  name: 'rayctl',
  async prepare(admin) {
    const { crd } = rayctlTemplate(1);
    const name = (crd as { metadata: { name: string } }).metadata.name;
    await admin.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, crd, 'rayctl-bench');
    await established(admin, name);
  },
  start(identity, logFile) {
    // The operator bundle, with node's options, as the chart's Deployment runs it (`rayctl operator` is the same code
    // behind the CLI's entry, ~4 MB more at rest).
    const args = ['--metrics-addr', '0', '--log-level', 'warn', '--concurrency', String(CONCURRENCY)];
    // No autoscaling: a simulated head has no GCS to poll. QPS and burst are the defaults, said here for clarity.
    args.push('--autoscaler-poll-period', '0', '--qps', String(QPS), '--burst-limit', String(BURST));
    return spawnLogged(
      process.execPath,
      [...chartNodeOptions(), operatorBundle, ...args],
      identity.kubeconfig,
      logFile,
    );
  },
  create(admin, _identity, namespace, clusters, workers) {
    const { cluster } = rayctlTemplate(workers);
    const objects = Array.from({ length: clusters }, (_, i) => ({
      ...cluster,
      metadata: { ...cluster.metadata, name: `c${i}`, namespace },
      // No autoscaling, as for KubeRay: the worker counts are minWorkers.
      spec: { ...cluster.spec, enableAutoscaling: false },
    }));
    return () => createAll(admin, `/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters`, objects);
  },
  scale(admin, _identity, namespace, clusters, workers) {
    const index = rayctlTemplate(workers).cluster.spec.podTypes.findIndex((t) => t.name === 'rayWorkerType');
    const patch: JsonPatch = [
      { op: 'add', path: `/spec/podTypes/${index}/minWorkers`, value: workers },
      { op: 'add', path: `/spec/podTypes/${index}/maxWorkers`, value: workers },
      { op: 'add', path: '/spec/maxWorkers', value: workers },
    ];
    const path = (i: number) => `/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters/c${i}`;
    return () => patchAll(admin, path, clusters, patch);
  },
};

/**
 * rayctl's RayClusters, run by the least operator that makes rayctl's pods (least-operator.ts) instead of rayctl's,
 * with the same node options.
 */
export const leastOperator: Contender = {
  ...rayctl,
  name: 'least',
  start: (identity, logFile) =>
    spawnLogged(
      process.execPath,
      [...chartNodeOptions(), '--import', 'tsx', leastOperatorFile],
      identity.kubeconfig,
      logFile,
    ),
};

// --- KubeRay ---

export interface KubeRayBuild {
  binary: string;
  crdDir: string;
}

/** KubeRay's RayCluster with the same container, resources and volume as rayctl's pods; no autoscaling. */
function kubeRayCluster(
  name: string,
  namespace: string,
  workers: number,
  { head, worker }: ReturnType<typeof rayctlPodSpecs>,
): object {
  const container = (spec: object) => (spec as { containers: object[] }).containers[0];
  const template = (spec: object, name: string) => ({
    spec: { ...spec, containers: [{ ...container(spec), name }] },
  });
  return {
    apiVersion: 'ray.io/v1',
    kind: 'RayCluster',
    metadata: { name, namespace },
    spec: {
      rayVersion: IMAGE.split(':')[1],
      headGroupSpec: { rayStartParams: { 'dashboard-host': '0.0.0.0' }, template: template(head, 'ray-head') },
      workerGroupSpecs: [
        {
          groupName: 'workers',
          replicas: workers,
          minReplicas: workers,
          maxReplicas: workers,
          rayStartParams: {},
          template: template(worker, 'ray-worker'),
        },
      ],
    },
  };
}

export function kubeRay(build: KubeRayBuild): Contender {
  return {
    name: 'kuberay',
    async prepare(admin) {
      // All three: the manager starts the RayJob and RayService controllers too, and they fail without their CRDs.
      for (const file of readdirSync(build.crdDir).filter((f) => f.endsWith('.yaml'))) {
        const [group, plural] = file.replace(/\.yaml$/, '').split('_');
        const name = `${plural}.${group}`;
        const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
        await admin.apply(path, readFileSync(join(build.crdDir, file), 'utf8'), 'rayctl-bench');
        await established(admin, name);
      }
    },
    start(identity, logFile) {
      const args = ['--metrics-addr', '0', '--health-probe-bind-address', '0', '--enable-leader-election=false'];
      args.push('--reconcile-concurrency', String(CONCURRENCY), '--qps', String(QPS), '--burst', String(BURST));
      // Its logger has info and error only: error is the nearest to rayctl's --log-level warn.
      args.push('--zap-log-level', 'error');
      return spawnLogged(build.binary, args, identity.kubeconfig, logFile);
    },
    create(admin, _identity, namespace, clusters, workers) {
      const specs = rayctlPodSpecs();
      const objects = Array.from({ length: clusters }, (_, i) => kubeRayCluster(`c${i}`, namespace, workers, specs));
      return () => createAll(admin, `/apis/ray.io/v1/namespaces/${namespace}/rayclusters`, objects);
    },
    scale(admin, _identity, namespace, clusters, workers) {
      const patch: JsonPatch = ['replicas', 'minReplicas', 'maxReplicas'].map((field) => ({
        op: 'add',
        path: `/spec/workerGroupSpecs/0/${field}`,
        value: workers,
      }));
      return () => patchAll(admin, (i) => `/apis/ray.io/v1/namespaces/${namespace}/rayclusters/c${i}`, clusters, patch);
    },
  };
}

// --- the floor ---

function floorClient(state: ClusterState, identity: Identity): KubeHttp {
  return new KubeHttp({ server: state.server, caFile: state.caFile, certFile: identity.cert, keyFile: identity.key });
}

/** Stands in for the head's uid in the floor's workers, which have no head to point at: a uid's length. */
const NO_HEAD_UID = '00000000-0000-0000-0000-000000000000';

/** The template as cluster `c<cluster>` of `namespace`: what the floor's pods and Services are built from. */
function clusterNamed(template: RayCluster, namespace: string, cluster: number): RayCluster {
  return { ...template, metadata: { ...template.metadata, name: `c${cluster}`, namespace } };
}

/**
 * One of the pods rayctl's operator makes for cluster `cluster` (buildPod: its Ray start command, environment, labels
 * and annotation), so that each write and watch event of the floor's pods costs the control plane what an operator's
 * does; a pod type's podConfig alone is ~2 KB smaller. Named, since the floor deletes by name; no owner, since no
 * RayCluster exists.
 */
function floorPod(template: RayCluster, namespace: string, cluster: number, role: Role, name: string): object {
  const named = clusterNamed(template, namespace, cluster);
  const podType = named.spec.podTypes.find((t) => t.name === (role === 'head' ? 'rayHeadType' : 'rayWorkerType'));
  if (!podType) throw new Error(`rayctl template has no pod type for the ${role}`);
  const { metadata, spec } = buildPod(named, podType, role, role === 'worker' ? NO_HEAD_UID : undefined);
  const { generateName: _generated, ownerReferences: _owned, ...rest } = metadata;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...rest, name }, spec };
}

/** The head Service rayctl's operator makes for cluster `cluster` (buildHeadService), without an owner as its pods. */
function floorService(template: RayCluster, namespace: string, cluster: number): object {
  const { metadata, ...service } = buildHeadService(clusterNamed(template, namespace, cluster));
  const { ownerReferences: _owned, ...rest } = metadata;
  return { ...service, metadata: rest };
}

/**
 * The pods themselves, as the contender's own identity, with no operator: the least any operator can do. Its process
 * holds an operator's watches and nothing else (node-watch-floor.mjs): the least memory and CPU of a Node.js operator.
 * With `headServices` (named floor-services), each cluster's head Service is created alongside its pods: what the
 * control plane does for the Service that Ray's workers reach their head by, which every operator makes and the plain
 * floor does not.
 */
export function floor(state: ClusterState, { headServices = false } = {}): Contender {
  const workersNow = new Map<string, number>(); // namespace → workers per cluster
  const { cluster: template } = rayctlTemplate(1);
  const workerPods = (namespace: string, clusters: number, from: number, to: number) =>
    Array.from({ length: clusters }, (_, c) =>
      Array.from({ length: to - from }, (_, w) =>
        floorPod(template, namespace, c, 'worker', `c${c}-worker-${from + w}`),
      ),
    ).flat();
  const asIdentity = async (identity: Identity, work: (client: KubeHttp) => Promise<void>) => {
    const client = floorClient(state, identity);
    try {
      await work(client);
    } finally {
      client.close();
    }
  };
  return {
    name: headServices ? 'floor-services' : 'floor',
    prepare: () => Promise.resolve(),
    start: (identity, logFile) =>
      spawnLogged(process.execPath, [nodeWatchFloor, identity.kubeconfig], identity.kubeconfig, logFile),
    create(_admin, identity, namespace, clusters, workers) {
      const heads = Array.from({ length: clusters }, (_, c) => floorPod(template, namespace, c, 'head', `c${c}-head`));
      const pods = [...heads, ...workerPods(namespace, clusters, 0, workers)];
      const services = headServices
        ? Array.from({ length: clusters }, (_, c) => floorService(template, namespace, c))
        : [];
      return async () => {
        await asIdentity(identity, async (client) => {
          await Promise.all([
            createAll(client, `/api/v1/namespaces/${namespace}/pods`, pods),
            createAll(client, `/api/v1/namespaces/${namespace}/services`, services),
          ]);
        });
        workersNow.set(namespace, workers);
      };
    },
    scale(_admin, identity, namespace, clusters, workers) {
      // The count now is known only when the step before has run: the pods are made when sent (plain objects, no
      // template run).
      return async () => {
        const now = workersNow.get(namespace) ?? 0;
        const path = `/api/v1/namespaces/${namespace}/pods`;
        await asIdentity(identity, async (client) => {
          if (workers > now) await createAll(client, path, workerPods(namespace, clusters, now, workers));
          const gone = workerPods(namespace, clusters, workers, now) as { metadata: { name: string } }[];
          await inParallel(
            gone.map((pod) => () => client.json('DELETE', `${path}/${pod.metadata.name}`)),
            IN_FLIGHT,
          );
        });
        workersNow.set(namespace, workers);
      };
    },
  };
}
