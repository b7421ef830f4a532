// The process-node agent: a small kubelet for the local control plane. One process serves every process node
// of a cluster: it registers the Node objects and renews their Leases, runs the pods bound to them (see
// pod-runner.ts), serves their logs to the API server as the kubelet API does, keeps each pod's hosts file
// current from the Services' ready endpoints, and proxies pods' in-cluster API calls to the API server.
// Usage: node --import tsx agent.ts CONFIG.json (written by cluster.ts). SIGTERM stops every pod and exits.
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer as createTcpServer, connect } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { KubeHttp } from '../kube-http.ts';
import { cgroupRoot, createBridge, createCgroup, deleteBridge, killCgroup } from './host.ts';
import type { EndpointSlice, Pod } from './kube-types.ts';
import { streamLog } from './logs.ts';
import { handlePortForward } from './port-forward.ts';
import { PodRunner, type NodeContext } from './pod-runner.ts';
import { hostsFile, type ServiceEndpoints } from './spec.ts';
import { watchList } from './watch.ts';
import { PROCESS_NODE_LABEL, type AgentConfig } from './config.ts';

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AgentConfig;
const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
const kube = new KubeHttp({
  server: config.server,
  caFile: config.caFile,
  certFile: config.certFile,
  keyFile: config.keyFile,
});
const cgroup = await createCgroup(join(cgroupRoot(), `rayctl-${config.net.id}`));
await mkdir(config.stateDir, { recursive: true });
await createBridge(config.net);

const runners = new Map<string, PodRunner>();
const usedIps = new Set<string>();
let nextIp = 1;
const services = new Map<string, ServiceEndpoints>();
const endpointSlices = new Map<string, { service: string; namespace: string; addresses: string[] }>();

const context: NodeContext = {
  kube,
  net: config.net,
  runtimes: config.runtimes,
  apiServer: { host: config.net.bridgeIp, port: 443 },
  stateDir: config.stateDir,
  cgroupRoot: cgroup,
  // Round robin over .2–.254: an address is reused as late as possible, after ARP caches have forgotten it.
  allocateIp() {
    for (let tries = 0; tries < 253; tries++) {
      nextIp = nextIp >= 254 ? 2 : nextIp + 1;
      const ip = `${config.net.prefix}.${nextIp}`;
      if (!usedIps.has(ip)) {
        usedIps.add(ip);
        return ip;
      }
    }
    throw new Error(`no free pod IP in ${config.net.prefix}.0/24`);
  },
  releaseIp: (ip) => usedIps.delete(ip),
  hostsFor: (pod) => hostsFile(pod, config.net.bridgeIp, [...services.values()]),
  log,
};

// --- the API server, for pods: a TCP proxy on the bridge (the API server listens on loopback only) ---

const apiProxy = createTcpServer((client) => {
  const upstream = connect(config.apiServerPort, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
await new Promise<void>((resolve) => apiProxy.listen(443, config.net.bridgeIp, resolve));

// --- the kubelet API: GET /containerLogs/{namespace}/{pod}/{container}, and port-forward ---

const kubeletServer = createHttpsServer(
  { cert: readFileSync(config.kubeletCert), key: readFileSync(config.kubeletKey) },
  (req, res) => {
    const url = new URL(req.url ?? '/', 'https://node');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/healthz') return void res.end('ok');
    if (!match) {
      res.writeHead(404).end('not found');
      return;
    }
    const [, namespace, name, container] = match.map(decodeURIComponent) as [string, string, string, string];
    const runner = runners.get(`${namespace}/${name}`);
    const q = url.searchParams;
    const source = runner?.logOf(container, q.get('previous') === 'true');
    if (!source) {
      res.writeHead(404).end(`container ${container} of pod ${namespace}/${name} has no log on this node`);
      return;
    }
    const sinceSeconds = q.get('sinceSeconds');
    const sinceTime = q.get('sinceTime');
    let closed = false;
    res.on('close', () => (closed = true));
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    void streamLog(
      source.path,
      {
        follow: q.get('follow') === 'true',
        timestamps: q.get('timestamps') === 'true',
        ...(q.has('tailLines') ? { tailLines: Number(q.get('tailLines')) } : {}),
        ...(q.has('limitBytes') ? { limitBytes: Number(q.get('limitBytes')) } : {}),
        ...(sinceSeconds
          ? { sinceTime: new Date(Date.now() - Number(sinceSeconds) * 1000) }
          : sinceTime
            ? { sinceTime: new Date(sinceTime) }
            : {}),
      },
      (text) => res.write(text),
      { ended: source.ended, closed: () => closed },
    ).finally(() => res.end());
  },
);
// Port-forward (pods/portforward): WebSocket upgrades, see port-forward.ts.
kubeletServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  const handled = handlePortForward(req, socket, head, (namespace, pod) => runners.get(`${namespace}/${pod}`)?.podIP);
  if (!handled) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
});
await new Promise<void>((resolve) => kubeletServer.listen(config.kubeletPort, config.net.bridgeIp, resolve));

// --- nodes and their heartbeats ---

async function registerNode(name: string): Promise<void> {
  await kube.apply(
    `/api/v1/nodes/${name}`,
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          [PROCESS_NODE_LABEL]: 'true',
          type: 'process',
        },
      },
      spec: { taints: [{ key: PROCESS_NODE_LABEL, value: 'true', effect: 'NoSchedule' }] },
    },
    'rayctl-process-node',
  );
  await writeNodeStatus(name);
}

async function writeNodeStatus(name: string): Promise<void> {
  const now = new Date().toISOString();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  await kube.json(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    {
      status: {
        capacity: config.capacity,
        allocatable: config.capacity,
        conditions: [
          condition('Ready', 'True', 'KubeletReady', 'process node is posting ready status'),
          condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'no memory pressure'),
          condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'no disk pressure'),
          condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'no PID pressure'),
        ],
        addresses: [
          { type: 'InternalIP', address: config.net.bridgeIp },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort } },
        nodeInfo: {
          machineID: name,
          systemUUID: name,
          bootID: config.net.id,
          kernelVersion: '',
          osImage: 'rayctl process node',
          containerRuntimeVersion: 'process://1',
          kubeletVersion: 'v1.36.3',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    },
    'application/merge-patch+json',
  );
}

async function renewLease(name: string): Promise<void> {
  await kube.apply(
    `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    },
    'rayctl-process-node',
  );
}

await Promise.all(config.nodes.map(registerNode));
await Promise.all(config.nodes.map(renewLease));
let beats = 0;
const heartbeat = setInterval(() => {
  beats++;
  for (const name of config.nodes) {
    void renewLease(name).catch((error: Error) => log(`lease ${name}: ${error.message}`));
    // The Lease is the heartbeat; the status is rewritten now and then, as the kubelet does.
    if (beats % 6 === 0) void writeNodeStatus(name).catch((error: Error) => log(`node ${name}: ${error.message}`));
  }
}, 10_000);

// --- cluster DNS: ready endpoints of every Service, into each pod's hosts file ---

let hostsTimer: NodeJS.Timeout | undefined;
function endpointsChanged(): void {
  services.clear();
  for (const slice of endpointSlices.values()) {
    const key = `${slice.namespace}/${slice.service}`;
    const entry = services.get(key) ?? { namespace: slice.namespace, service: slice.service, addresses: [] };
    entry.addresses.push(...slice.addresses);
    services.set(key, entry);
  }
  for (const [key, entry] of services) if (entry.addresses.length === 0) services.delete(key);
  clearTimeout(hostsTimer);
  hostsTimer = setTimeout(() => {
    for (const runner of runners.values()) void runner.refreshHosts().catch(() => undefined);
  }, 50);
}

function sliceEntry(slice: EndpointSlice) {
  const service = slice.metadata.labels?.['kubernetes.io/service-name'];
  if (!service || slice.addressType !== 'IPv4') return undefined;
  const addresses = (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses);
  return { service, namespace: slice.metadata.namespace ?? 'default', addresses };
}

const stopWatches: (() => void)[] = [];
stopWatches.push(
  watchList<EndpointSlice>(
    kube,
    '/apis/discovery.k8s.io/v1/endpointslices',
    {
      relisted(items) {
        endpointSlices.clear();
        for (const slice of items) {
          const entry = sliceEntry(slice);
          if (entry) endpointSlices.set(`${entry.namespace}/${slice.metadata.name}`, entry);
        }
        endpointsChanged();
      },
      event(type, slice) {
        const key = `${slice.metadata.namespace}/${slice.metadata.name}`;
        const entry = type === 'DELETED' ? undefined : sliceEntry(slice);
        if (entry) endpointSlices.set(key, entry);
        else endpointSlices.delete(key);
        endpointsChanged();
      },
    },
    log,
  ),
);

// --- pods bound to our nodes ---

function podSeen(pod: Pod): void {
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  let runner = runners.get(key);
  if (runner && runner.uid !== pod.metadata.uid) {
    // Same name, new pod: the old one was force-deleted while we were not looking.
    void podGone(runner);
    runner = undefined;
  }
  const phase = pod.status?.phase;
  if (!runner) {
    if (phase === 'Succeeded' || phase === 'Failed') return;
    runner = new PodRunner(pod, context);
    runners.set(key, runner);
    log(`${key}: starting on ${pod.spec.nodeName}`);
    void runner.start();
  } else {
    runner.update(pod);
  }
  if (pod.metadata.deletionTimestamp) {
    const current = runner;
    void current
      .terminate()
      .then(() => current.finalize())
      .then(() => log(`${key}: deleted`))
      .catch((error: Error) => log(`${key}: termination failed: ${error.message}`));
  }
}

async function podGone(runner: PodRunner): Promise<void> {
  const key = `${runner.namespace}/${runner.name}`;
  await runner.terminate(0);
  if (runners.get(key) === runner) runners.delete(key);
}

for (const node of config.nodes) {
  stopWatches.push(
    watchList<Pod>(
      kube,
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
      {
        relisted(items) {
          const present = new Set(items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
          for (const [key, runner] of runners) if (!present.has(key)) void podGone(runner);
          items.forEach(podSeen);
        },
        event(type, pod) {
          if (type === 'DELETED') {
            const runner = runners.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
            if (runner && runner.uid === pod.metadata.uid) void podGone(runner);
          } else {
            podSeen(pod);
          }
        },
      },
      log,
    ),
  );
}

log(`process nodes ${config.nodes.join(', ')} ready on ${config.net.bridge} (${config.net.bridgeIp}/24)`);
process.stdout.write('ready\n');

// --- shutdown: every pod killed, nothing of the node left on the host ---

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(heartbeat);
  for (const stop of stopWatches) stop();
  await Promise.all([...runners.values()].map((r) => r.terminate(0).catch(() => undefined)));
  await killCgroup(cgroup);
  apiProxy.close();
  kubeletServer.close();
  await deleteBridge(config.net);
  await rm(config.stateDir, { recursive: true, force: true });
  kube.close();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
