// Real-Ray benchmark (a script, not a test): on the local control plane's process nodes, the time from
// `rayctl install` to the chart's default cluster (head + 2 workers) alive in Ray, for one cluster and then a
// second one beside it, and the memory both clusters' pods use. Run: npm run bench:ray
// Memory is the sum over every pod process of RSS (what `ps` shows; shared pages counted once per process)
// and PSS (shared pages divided among their users: the honest total).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterState, startCluster, stopCluster, adminClient } from '../cluster/cluster.ts';
import { cgroupPids } from '../cluster/process-node/host.ts';
import { alive, rayNodes } from '../e2e/support/ray.ts';
import { processNodeValuesFile } from '../e2e/support/process-nodes.ts';

const bin = fileURLToPath(new URL('../../bin/rayctl.cjs', import.meta.url));
const cluster = await startCluster({ nodes: 1, processNodes: 2 });
const state = clusterState(cluster);
const client = adminClient(state);
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' };

function rayctl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rayctl ${args.join(' ')}: exit ${code}`))));
  });
}

async function aliveNodes(name: string): Promise<number> {
  const list = await client.get<{ items: { status?: { podIP?: string } }[] }>(
    `/api/v1/namespaces/bench/pods?labelSelector=${encodeURIComponent(`ray-cluster-name=${name},ray-node-type=head`)}`,
  );
  const ip = list.items[0]?.status?.podIP;
  if (!ip) return 0;
  return alive(await rayNodes(ip).catch(() => [])).length;
}

/** Seconds from `rayctl install` until the head's Ray reports head + 2 workers alive. */
async function installAndTime(name: string): Promise<number> {
  const started = performance.now();
  await rayctl(['-n', 'bench', 'install', name, '--cluster-only', '-f', processNodeValuesFile]);
  while ((await aliveNodes(name)) < 3) {
    if (performance.now() - started > 300_000) throw new Error(`${name}: not 3 alive Ray nodes after 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return (performance.now() - started) / 1000;
}

function memoryOf(pids: number[]): { rssMb: number; pssMb: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Exited meanwhile.
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024 };
}

const operator = spawn(process.execPath, [bin, 'operator', '--metrics-addr', '0', '--log-level', 'warn'], {
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  await client.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  const first = await installAndTime('example-cluster');
  const second = await installAndTime('example-cluster2');
  // Let start-up spikes settle before reading memory.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const memory = memoryOf(await cgroupPids(state.podNetwork!.cgroup));
  const results = {
    firstClusterAliveSeconds: Number(first.toFixed(1)),
    secondClusterAliveSeconds: Number(second.toFixed(1)),
    twoClustersRssMb: Math.round(memory.rssMb),
    twoClustersPssMb: Math.round(memory.pssMb),
  };
  console.log('| measure | value | budget |');
  console.log('|---|---|---|');
  console.log(
    `| install → head + 2 workers alive in Ray (first cluster) | ${results.firstClusterAliveSeconds} s | < 60 s |`,
  );
  console.log(`| the same for a second cluster beside it | ${results.secondClusterAliveSeconds} s | < 60 s |`);
  console.log(
    `| memory of both clusters' pods, PSS (RSS) | ${results.twoClustersPssMb} MB (${results.twoClustersRssMb} MB) | < 4096 MB |`,
  );
  console.log(JSON.stringify(results));
} finally {
  operator.kill('SIGTERM');
  client.close();
  await stopCluster(cluster);
}
