// Talking to real Ray clusters on process nodes from the host: Ray's state API on the head's dashboard port
// (8265) and Ray Client (10001) with the test ground's Ray venv, plus what Ray left running on the machine.
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { rayVenvDir } from '../../cluster/paths.ts';
import type { Pod } from '../../cluster/process-node/kube-types.ts';
import { eventually, type KubeHttp } from './cluster.ts';

export interface RayNode {
  node_id: string;
  node_ip: string;
  is_head_node: boolean;
  state: 'ALIVE' | 'DEAD';
  resources_total: Record<string, number>;
}

/**
 * A JSON request to Ray's dashboard with node:http. Not fetch: Ray refuses requests that look like a browser's, and
 * fetch sends Sec-Fetch-* headers ("'POST' method not allowed for browser traffic").
 */
export function rayHttp<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {};
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 0) !== 200)
          return reject(new Error(`${method} ${url}: HTTP ${res.statusCode}: ${text}`));
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(new Error(`${method} ${url}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Every node the head's GCS knows, alive or dead (Ray's state API). */
export async function rayNodes(headIp: string): Promise<RayNode[]> {
  const answer = await rayHttp<{ data: { result: { result: RayNode[] } } }>(
    `http://${headIp}:8265/api/v0/nodes?limit=1000`,
  );
  return answer.data.result.result;
}

export const alive = (nodes: RayNode[]) => nodes.filter((n) => n.state === 'ALIVE');

/** Sum of one resource over the alive nodes. */
export const totalOf = (nodes: RayNode[], resource: string) =>
  alive(nodes).reduce((sum, n) => sum + (n.resources_total[resource] ?? 0), 0);

/**
 * Runs Python on the host with Ray Client connected to the head (`ray` is imported and initialised);
 * resolves with what the script prints. Rejects with stderr when it fails.
 */
export function withRayClient(headIp: string, python: string): Promise<string> {
  return withRayClientAt(`ray://${headIp}:10001`, python);
}

/** withRayClient to any Ray Client address (e.g. a forwarded local port). */
export async function withRayClientAt(address: string, python: string): Promise<string> {
  // On a loaded 2-core machine the head's Ray Client proxy sometimes gives up starting the per-connection server
  // ("Starting Ray client server failed"); a new connection starts a new one. Only that failure is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await runRayClient(address, python);
    } catch (error) {
      // Also a per-connection server that died at start (psutil then finds it a zombie): "Initialization failure".
      const startup =
        /Starting Ray client server failed|Ray Client connection timed out|Initialization failure from server/.test(
          (error as Error).message,
        );
      if (!startup || attempt === 3) throw error;
    }
  }
}

function runRayClient(address: string, python: string): Promise<string> {
  const script = ['import ray', `ray.init("${address}", logging_level="ERROR")`, python, 'ray.shutdown()'].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(join(rayVenvDir(), 'bin', 'python'), ['-c', script], {
      env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`Ray Client script exited ${code}:\n${stderr.slice(-3000)}`));
    });
  });
}

/** Pids of Ray's daemons anywhere on the machine. */
export function rayDaemons(): string[] {
  const found = spawnSync('pgrep', ['-x', 'raylet|gcs_server'], { encoding: 'utf8' }).stdout;
  return found.split('\n').filter(Boolean);
}

/** The Ray pods of RayClusters in one namespace, and waits on the Ray clusters they form. */
export function rayClustersIn(client: KubeHttp, namespace: string) {
  const podsOf = async (name: string, role?: 'head' | 'worker'): Promise<Pod[]> => {
    const selector = encodeURIComponent(`ray-cluster-name=${name}${role ? `,ray-node-type=${role}` : ''}`);
    const list = await client.get<{ items: Pod[] }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`);
    return list.items.filter((p) => !p.metadata.deletionTimestamp);
  };
  /** Waits until the head's Ray sees `count` alive nodes, exactly on the IPs of the cluster's current pods. */
  const rayFormed = (name: string, count: number): Promise<{ ip: string; nodes: RayNode[] }> =>
    eventually(
      `${name}: Ray with ${count} alive nodes, one per pod`,
      async () => {
        const pods = await podsOf(name);
        const ip = pods.find((p) => p.metadata.labels?.['ray-node-type'] === 'head')?.status?.podIP;
        if (!ip || pods.length !== count) return undefined;
        const nodes = await rayNodes(ip);
        const podIps = pods.map((p) => p.status?.podIP).sort();
        const rayIps = alive(nodes)
          .map((n) => n.node_ip)
          .sort();
        return JSON.stringify(rayIps) === JSON.stringify(podIps) ? { ip, nodes } : undefined;
      },
      180_000,
    );
  return { podsOf, rayFormed };
}
