// A real Kubernetes control plane on loopback for end-to-end tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes whose pods become Running and Ready).
// Everything lives in one temp dir; all that another process needs to use or stop the cluster is in
// <dir>/cluster.json, so test files can attach to a cluster started by with-cluster.ts.
import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertBinariesBuilt,
  binDir as defaultBinDir,
  clusterSourceDir,
  kwokAssetsDir,
  rayVenvBuilt,
  rayVenvDir,
} from './paths.ts';
import { cgroupRoot, choosePodNetwork, type PodNetwork } from './process-node/host.ts';
import { claimSimulatedPodCidr, LOOPBACK_POD_CIDR, simulatedPodLink } from './simulated-pods.ts';
import type { AgentConfig } from './process-node/config.ts';
import { createPki, writeKubeconfig, type ClusterPki } from './pki.ts';
import { KubeHttp } from './kube-http.ts';
import {
  groupAlive,
  killGroupsNow,
  startComponent,
  startReaper,
  stopGroup,
  tailOf,
  writePidsFile,
  type ComponentProcess,
} from './processes.ts';

export interface TestCluster {
  /** One temp dir with all state and a log file per component (<name>.log). */
  dir: string;
  /** Admin kubeconfig (system:masters). */
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Holds kubectl, helm3 and helm4 (and the control plane binaries). */
  binDir: string;
  /** <dir>/cluster.json: what attachCluster() and RAYCTL_TEST_CLUSTER point at. */
  stateFile: string;
  /** Makes pods/log of that pod return the content of `file` (CRI log format), via a kwok Logs object. */
  setPodLog(namespace: string, pod: string, file: string): Promise<void>;
  /** Stops kube-apiserver and starts it again on the same port; resolves when /readyz is ok. */
  restartApiServer(): Promise<void>;
  /** A kubeconfig file with the admin credentials that impersonates `user` (and `groups`). */
  impersonatedKubeconfig(user: string, groups?: string[]): Promise<string>;
}

export interface StartOptions {
  /** Fake kwok nodes (32 CPU, 128Gi, 110 pods each). Default 3. */
  nodes?: number;
  /**
   * Process nodes, whose pods really run (each in its own network and mount namespaces; needs root). Only pods
   * that select the label test.rayctl.io/process-node=true and tolerate its taint land there. Default 2.
   */
  processNodes?: number;
  /** Kill the cluster on SIGINT/SIGTERM/SIGHUP and exit. Default true; callers with their own handling pass false. */
  handleSignals?: boolean;
  /** Readiness timeout per component in ms. Default 60 s (a cold page cache on 2 cores can be slow). */
  timeoutMs?: number;
}

/** The JSON in <dir>/cluster.json. */
export interface ClusterState {
  version: 1;
  dir: string;
  kubeconfig: string;
  server: string;
  binDir: string;
  ownerPid: number;
  reaperPid: number;
  caFile: string;
  adminCert: string;
  adminKey: string;
  ports: { etcdClient: number; etcdPeer: number; apiServer: number; kwok: number };
  nodes: string[];
  processNodes: string[];
  /** The pods' bridge and /24, and the cgroup that holds every pod process (for the reaper). */
  podNetwork?: PodNetwork & { cgroup: string };
  /** As root: the link whose route makes the simulated pods' addresses local (see simulated-pods.ts). */
  simulatedPodLink?: string;
  /** In start order; stopped in reverse. */
  processes: ComponentProcess[];
  startupMs: number;
  /** ms from startCluster() to each milestone, to see what a slow start waited for. */
  milestonesMs: Record<string, number>;
  /** kube-apiserver's audit log (JSON lines): only requests of users in AUDITED_GROUP are written. */
  auditLog?: string;
}

/**
 * Clients whose certificate puts them in this group (O=) are written to the audit log, at Metadata level, one event
 * per request: benchmarks count an operator's API requests by giving it an identity of its own in this group.
 * Everyone else is not logged, so the log costs the other tests nothing.
 */
export const AUDITED_GROUP = 'rayctl:audited';

function auditPolicy(): string {
  return [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: [RequestReceived, ResponseStarted]',
    'rules:',
    '  - level: Metadata',
    `    userGroups: ["${AUDITED_GROUP}"]`,
    '  - level: None',
    '',
  ].join('\n');
}

const stateFileName = 'cluster.json';
const pidsFileName = 'pids';
const kwokNodeAnnotation = 'kwok.x-k8s.io/node';

export async function freePorts(count: number): Promise<number[]> {
  // Hold all listeners open together so the kernel cannot hand out the same port twice.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolvePromise, reject) => {
          const server = createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolvePromise(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  return ports;
}

function readState(stateFile: string): ClusterState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
}

function writeState(state: ClusterState): void {
  const file = join(state.dir, stateFileName);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  writePidsFile(
    join(state.dir, pidsFileName),
    state.processes.map((p) => p.pid),
  );
}

export function adminClient(state: Pick<ClusterState, 'server' | 'caFile' | 'adminCert' | 'adminKey'>): KubeHttp {
  return new KubeHttp({
    server: state.server,
    caFile: state.caFile,
    certFile: state.adminCert,
    keyFile: state.adminKey,
  });
}

/** Polls check() until it returns true; the timeout error names the component and shows its log. */
async function waitFor(
  component: string,
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; log: string; pid?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    const exited = options.pid !== undefined && !groupAlive(options.pid);
    if (exited || Date.now() > deadline) {
      const why = exited ? 'exited' : `not ready after ${Math.round(options.timeoutMs / 1000)} s`;
      throw new Error(
        `${component} ${why} (waiting for ${what})${lastError ? `; last error: ${lastError}` : ''}\n` +
          `--- last lines of ${options.log} ---\n${await tailOf(options.log)}`,
      );
    }
    await sleep(100);
  }
}

function httpGetJson(url: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolvePromise(JSON.parse(text));
        } catch {
          reject(new Error(`GET ${url}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

interface Condition {
  type: string;
  status: string;
}
interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[];
}

/** True when every node named is Ready. */
async function nodesReady(admin: KubeHttp, names: string[]): Promise<boolean> {
  const nodes = await admin.get<NodeList>('/api/v1/nodes');
  const ready = new Set(
    nodes.items
      .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name),
  );
  return names.every((name) => ready.has(name));
}

// --- processes owned by this Node process, killed on exit or signal ---

/** The command that removes what the cluster left on the host (see reap.sh). */
function reapCommand(state: ClusterState): string[] {
  const { podNetwork, simulatedPodLink: link = '' } = state;
  if (!podNetwork && !link) return [];
  const [cgroup, bridge, nodesDir] = podNetwork
    ? [podNetwork.cgroup, podNetwork.bridge, join(state.dir, 'process-nodes')]
    : ['', '', ''];
  return ['bash', join(clusterSourceDir, 'reap.sh'), cgroup, bridge, nodesDir, link];
}

const ownedClusters = new Map<string, ClusterState>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

function killOwnedNow(): void {
  for (const state of ownedClusters.values()) {
    // Re-read: an attached process may have restarted kube-apiserver under a new pid.
    let current = state;
    try {
      current = readState(join(state.dir, stateFileName));
    } catch {
      // Keep what we knew.
    }
    killGroupsNow(current.processes.map((p) => p.pid));
    killGroupsNow([current.reaperPid]);
    const [command, ...args] = reapCommand(current);
    if (command) execFileSync(command, args, { stdio: 'ignore' });
    if (!process.env.RAYCTL_KEEP_CLUSTER) rmSync(current.dir, { recursive: true, force: true });
  }
  ownedClusters.clear();
}

function installHooks(handleSignals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killOwnedNow);
  }
  if (handleSignals && !signalHooksInstalled) {
    signalHooksInstalled = true;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killOwnedNow();
        process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
      });
    }
  }
}

// --- start ---

function nodeObject(name: string): unknown {
  const resources = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [kwokNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
    // The node-initialize stage keeps capacity and allocatable that are already set.
    status: { capacity: resources, allocatable: resources },
  };
}

async function installKwokCrds(admin: KubeHttp, crdDir: string, timeoutMs: number, log: string): Promise<void> {
  const files = (await readdir(crdDir)).filter((f) => f.endsWith('.yaml'));
  const names: string[] = [];
  for (const file of files) {
    // kwok.x-k8s.io_logs.yaml holds the CRD logs.kwok.x-k8s.io; the API server takes YAML as is.
    const [group, plural] = file.replace(/\.yaml$/, '').split('_');
    const name = `${plural}.${group}`;
    names.push(name);
    await admin.apply(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      await readFile(join(crdDir, file), 'utf8'),
    );
  }
  await waitFor(
    'kube-apiserver',
    `kwok CRDs ${names.join(', ')} established`,
    async () => {
      for (const name of names) {
        const crd = await admin.get<{ status?: { conditions?: Condition[] } }>(
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
      }
      return true;
    },
    { timeoutMs, log },
  );
}

const controllers = [
  'serviceaccount-token-controller',
  'serviceaccount-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'disruption-controller',
  'endpointslice-controller',
  'endpoints-controller',
  'pod-garbage-collector-controller',
  'resourcequota-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  // Not node-lifecycle: kwok sends no heartbeats here, and that controller would evict every pod.
];

export async function startCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const started = performance.now();
  const nodeCount = opts.nodes ?? 3;
  const processNodeCount = opts.processNodes ?? 2;
  const isRoot = process.getuid?.() === 0;
  if (processNodeCount > 0 && !isRoot)
    throw new Error(
      'process nodes need root (network namespaces, mounts, cgroups): run as root, or pass processNodes: 0',
    );
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const bin = defaultBinDir();
  assertBinariesBuilt(bin);
  const kwokAssets = kwokAssetsDir();

  const dir = await mkdtemp(join(tmpdir(), 'rayctl-cluster-'));
  const [etcdClient, etcdPeer, apiServer, kwokPort] = (await freePorts(4)) as [number, number, number, number];
  const net = processNodeCount > 0 ? await choosePodNetwork(randomBytes(3).toString('hex')) : undefined;
  const pki: ClusterPki = await createPki(join(dir, 'pki'), net ? { bridgeIp: net.bridgeIp } : {});
  const server = `https://127.0.0.1:${apiServer}`;
  await mkdir(join(dir, 'kubeconfigs'));
  await mkdir(join(dir, 'home'));
  const kubeconfigFor = (name: string, client: ClusterPki['admin']) =>
    writeKubeconfig(join(dir, 'kubeconfigs', `${name}.json`), { server, caFile: pki.ca.cert, client });
  const [kubeconfig, kcmKubeconfig, schedulerKubeconfig, kwokKubeconfig] = await Promise.all([
    kubeconfigFor('admin', pki.admin),
    kubeconfigFor('controller-manager', pki.controllerManager),
    kubeconfigFor('scheduler', pki.scheduler),
    kubeconfigFor('kwok', pki.kwok),
  ]);

  const stagesFile = join(dir, 'kwok-stages.yaml');
  const stageDir = join(kwokAssets, 'stages');
  const stageTexts = await Promise.all(
    (await readdir(stageDir)).sort().map((f) => readFile(join(stageDir, f), 'utf8')),
  );
  await writeFile(stagesFile, stageTexts.join('\n---\n'));
  const auditPolicyFile = join(dir, 'audit-policy.yaml');
  await writeFile(auditPolicyFile, auditPolicy());

  const state: ClusterState = {
    version: 1,
    dir,
    kubeconfig,
    server,
    binDir: bin,
    ownerPid: process.pid,
    reaperPid: 0,
    caFile: pki.ca.cert,
    adminCert: pki.admin.cert,
    adminKey: pki.admin.key,
    ports: { etcdClient, etcdPeer, apiServer, kwok: kwokPort },
    nodes: Array.from({ length: nodeCount }, (_, i) => `kwok-node-${i + 1}`),
    processNodes: Array.from({ length: processNodeCount }, (_, i) => `process-node-${i + 1}`),
    ...(net ? { podNetwork: { ...net, cgroup: join(cgroupRoot(), `rayctl-${net.id}`) } } : {}),
    ...(isRoot ? { simulatedPodLink: simulatedPodLink(randomBytes(3).toString('hex')) } : {}),
    processes: [],
    startupMs: 0,
    milestonesMs: {},
    auditLog: join(dir, 'audit.log'),
  };
  // HOME inside the temp dir: kwok reads ~/.kwok/kwok.yaml, and nothing should see the user's ~/.kube.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home') };
  const start = (name: string, args: string[]): ComponentProcess => {
    const proc = startComponent(name, [join(bin, name), ...args], env, join(dir, `${name}.log`));
    state.processes.push(proc);
    writeState(state);
    return proc;
  };

  const mark = (milestone: string) => (state.milestonesMs[milestone] = Math.round(performance.now() - started));
  mark('certificates and files');
  writeState(state);
  ownedClusters.set(dir, state);
  installHooks(opts.handleSignals ?? true);
  state.reaperPid = startReaper(process.pid, join(dir, pidsFileName), dir, reapCommand(state));
  writeState(state);

  const admin = adminClient(state);
  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = start('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor(
      'etcd',
      `${etcdUrl}/health`,
      async () => {
        const health = (await httpGetJson(`${etcdUrl}/health`)) as { health?: string };
        return health.health === 'true';
      },
      { timeoutMs, log: etcd.log, pid: etcd.pid },
    );
    mark('etcd healthy');

    const apiServerProc = start('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiServer}`,
      '--advertise-address=127.0.0.1',
      `--tls-cert-file=${pki.apiServerServing.cert}`,
      `--tls-private-key-file=${pki.apiServerServing.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      `--kubelet-client-certificate=${pki.apiServerKubeletClient.cert}`,
      `--kubelet-client-key=${pki.apiServerKubeletClient.key}`,
      // kwok's kubelet server listens on the node's InternalIP (127.0.0.1) with a self-signed cert.
      '--kubelet-preferred-address-types=InternalIP',
      // The default reconciler would publish 127.0.0.1 as the endpoint of the kubernetes Service,
      // which Endpoints validation rejects; nothing in tests reaches the API server through it.
      '--endpoint-reconciler-type=none',
      // That plugin taints new nodes not-ready until node-lifecycle-controller sees them Ready; we run
      // no node-lifecycle-controller (see controllers), so the taint would never go and nothing would schedule.
      '--disable-admission-plugins=TaintNodesByCondition',
      '--allow-privileged=true',
      '--profiling=false',
      `--audit-policy-file=${auditPolicyFile}`,
      `--audit-log-path=${state.auditLog}`,
      // Batched, flushed within a second: requests never wait for the log, and a reader sees them soon.
      '--audit-log-mode=batch',
      '--audit-log-batch-max-wait=1s',
      // Never rotated (by default at 100 MB, which one bench run's log passes): the request counts
      // (test/bench/compare/identity.ts) read this one file.
      '--audit-log-maxsize=0',
      `--cert-dir=${join(dir, 'kube-apiserver-certs')}`,
    ]);
    await waitFor(
      'kube-apiserver',
      `${server}/readyz`,
      async () => (await admin.request('GET', '/readyz')).status === 200,
      {
        timeoutMs,
        log: apiServerProc.log,
        pid: apiServerProc.pid,
      },
    );
    mark('kube-apiserver ready');

    const kcm = start('kube-controller-manager', [
      `--kubeconfig=${kcmKubeconfig}`,
      `--controllers=${controllers.join(',')}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      '--cluster-name=rayctl-test',
      '--leader-elect=false',
      '--secure-port=0',
    ]);
    const scheduler = start('kube-scheduler', [
      `--kubeconfig=${schedulerKubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);

    await installKwokCrds(admin, join(kwokAssets, 'crds'), timeoutMs, apiServerProc.log);
    mark('kwok CRDs established');
    await Promise.all(state.nodes.map((name) => admin.json('POST', '/api/v1/nodes', nodeObject(name))));
    const simulatedPodCidr = state.simulatedPodLink
      ? await claimSimulatedPodCidr(state.simulatedPodLink)
      : LOOPBACK_POD_CIDR;
    const kwok = start('kwok', [
      `--kubeconfig=${kwokKubeconfig}`,
      `--config=${stagesFile}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
      // Node InternalIP and daemonEndpoints.kubeletEndpoint.Port: where the API server proxies pods/log.
      '--node-ip=127.0.0.1',
      // Addresses local to this host: a connection to a simulated pod is refused here (see simulated-pods.ts).
      `--cidr=${simulatedPodCidr}`,
      `--node-port=${kwokPort}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      // Logs/ClusterLogs as CRDs (not --config) so setPodLog works while kwok runs.
      '--enable-crds=Logs,ClusterLogs',
    ]);

    await waitFor('kwok', `nodes ${state.nodes.join(', ')} Ready`, () => nodesReady(admin, state.nodes), {
      timeoutMs,
      log: kwok.log,
      pid: kwok.pid,
    });
    mark('nodes ready');

    if (net && pki.processNode) {
      const agentConfig: AgentConfig = {
        nodes: state.processNodes,
        net,
        server,
        caFile: pki.ca.cert,
        certFile: pki.processNode.client.cert,
        keyFile: pki.processNode.client.key,
        apiServerPort: apiServer,
        kubeletPort: 10250,
        kubeletCert: pki.processNode.serving.cert,
        kubeletKey: pki.processNode.serving.key,
        stateDir: join(dir, 'process-nodes'),
        runtimes: {
          ...(rayVenvBuilt() ? { rayVenv: rayVenvDir() } : {}),
          nodeBinDir: dirname(process.execPath),
          nodeVersion: process.version,
        },
        capacity: { cpu: '8', memory: '16Gi', pods: '50' },
      };
      const configFile = join(dir, 'process-nodes.json');
      await writeFile(configFile, JSON.stringify(agentConfig, null, 2));
      const agent = startComponent(
        'process-node',
        [
          process.execPath,
          '--import',
          import.meta.resolve('tsx'),
          join(clusterSourceDir, 'process-node', 'agent.ts'),
          configFile,
        ],
        env,
        join(dir, 'process-node.log'),
      );
      state.processes.push(agent);
      writeState(state);
      await waitFor(
        'process-node',
        `process nodes ${state.processNodes.join(', ')} Ready`,
        () => nodesReady(admin, state.processNodes),
        { timeoutMs, log: agent.log, pid: agent.pid },
      );
      mark('process nodes ready');
    }

    // The default ServiceAccount shows the controller manager's controllers are running; pods need it.
    await waitFor(
      'kube-controller-manager',
      'ServiceAccount default/default',
      async () => {
        return (await admin.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200;
      },
      { timeoutMs, log: kcm.log, pid: kcm.pid },
    );
    mark('controllers running');
    if (!groupAlive(scheduler.pid)) {
      throw new Error(`kube-scheduler exited\n--- last lines of ${scheduler.log} ---\n${await tailOf(scheduler.log)}`);
    }

    state.startupMs = Math.round(performance.now() - started);
    writeState(state);
    return handleFor(state);
  } catch (error) {
    await stopState(state).catch(() => undefined);
    throw error;
  } finally {
    admin.close();
  }
}

// --- handles (owner and attached processes alike) ---

/** A TestCluster for the cluster described by a state file written by startCluster(). */
export function attachCluster(stateFile: string): TestCluster {
  if (!existsSync(stateFile)) throw new Error(`no cluster state at ${stateFile}`);
  return handleFor(readState(stateFile));
}

function handleFor(initial: ClusterState): TestCluster {
  const stateFile = join(initial.dir, stateFileName);
  return {
    dir: initial.dir,
    kubeconfig: initial.kubeconfig,
    server: initial.server,
    binDir: initial.binDir,
    stateFile,
    setPodLog: (namespace, pod, file) => setPodLog(readState(stateFile), namespace, pod, file),
    restartApiServer: () => restartApiServer(stateFile),
    impersonatedKubeconfig: async (user, groups) => {
      const state = readState(stateFile);
      const slug = user.replace(/[^a-zA-Z0-9.-]+/g, '_');
      const path = join(state.dir, 'kubeconfigs', `as-${slug}-${randomBytes(4).toString('hex')}.json`);
      return writeKubeconfig(path, {
        server: state.server,
        caFile: state.caFile,
        client: { cert: state.adminCert, key: state.adminKey },
        asUser: user,
        ...(groups ? { asGroups: groups } : {}),
      });
    },
  };
}

async function setPodLog(state: ClusterState, namespace: string, pod: string, file: string): Promise<void> {
  const admin = adminClient(state);
  try {
    await admin.apply(`/apis/kwok.x-k8s.io/v1alpha1/namespaces/${namespace}/logs/${pod}`, {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: pod, namespace },
      // No container list: the entry applies to every container of the pod.
      spec: { logs: [{ logsFile: file, follow: true }] },
    });
    // kwok learns about the object through a watch; when the pod already runs on a node, wait until
    // its kubelet server serves the file, so the caller can read logs right away.
    const podObject = await admin.request<{ spec?: { nodeName?: string } }>(
      'GET',
      `/api/v1/namespaces/${namespace}/pods/${pod}`,
    );
    if (podObject.status !== 200 || !podObject.body.spec?.nodeName) return;
    const kwok = state.processes.find((p) => p.name === 'kwok');
    await waitFor(
      'kwok',
      `pods/log of ${namespace}/${pod} served from ${file}`,
      async () => {
        const res = await admin.request('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log?limitBytes=1`);
        return res.status === 200;
      },
      { timeoutMs: 15_000, log: kwok?.log ?? join(state.dir, 'kwok.log') },
    );
  } finally {
    admin.close();
  }
}

async function restartApiServer(stateFile: string): Promise<void> {
  const state = readState(stateFile);
  const index = state.processes.findIndex((p) => p.name === 'kube-apiserver');
  const old = state.processes[index];
  if (!old) throw new Error('kube-apiserver is not part of this cluster');
  // With clients' watches open, a SIGTERMed kube-apiserver stops listening at once but takes
  // 10+ s to exit; 2 s of grace, then SIGKILL, keeps restarts quick.
  await stopGroup(old.pid, 2_000);
  const fresh = startComponent(old.name, old.argv, old.env, old.log);
  state.processes[index] = fresh;
  writeState(state);
  const admin = adminClient(state);
  try {
    await waitFor(
      'kube-apiserver',
      `${state.server}/readyz after restart`,
      async () => (await admin.request('GET', '/readyz')).status === 200,
      {
        timeoutMs: 60_000,
        log: fresh.log,
        pid: fresh.pid,
      },
    );
  } finally {
    admin.close();
  }
}

// --- stop ---

async function stopState(known: ClusterState): Promise<void> {
  const stateFile = join(known.dir, stateFileName);
  const state = existsSync(stateFile) ? readState(stateFile) : known;
  // Removing the pid list tells the reaper that this is a clean stop.
  await rm(join(state.dir, pidsFileName), { force: true });
  if (state.reaperPid) await stopGroup(state.reaperPid, 2_000);
  // Clients first, storage last, so nothing logs errors about a vanished API server for long.
  const byName = (name: string) => state.processes.filter((p) => p.name === name);
  const clients = state.processes.filter((p) => !['kube-apiserver', 'etcd'].includes(p.name));
  await Promise.all(clients.map((p) => stopGroup(p.pid)));
  await Promise.all(byName('kube-apiserver').map((p) => stopGroup(p.pid)));
  await Promise.all(byName('etcd').map((p) => stopGroup(p.pid)));
  const [command, ...args] = reapCommand(state);
  if (command) await promisify(execFile)(command, args);
  ownedClusters.delete(state.dir);
  if (!process.env.RAYCTL_KEEP_CLUSTER) await rm(state.dir, { recursive: true, force: true });
}

/** Stops every process of the cluster (also ones an attached process restarted) and removes its dir. */
export async function stopCluster(c: Pick<TestCluster, 'stateFile'> | TestCluster): Promise<void> {
  if (!existsSync(c.stateFile)) return;
  await stopState(readState(c.stateFile));
}

/** For tools: the state of a running cluster. */
export function clusterState(c: Pick<TestCluster, 'stateFile'>): ClusterState {
  return readState(c.stateFile);
}
