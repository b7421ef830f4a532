// Operator benchmark (a script, not a test): time from creating N RayClusters × M workers to every cluster Running
// on kwok nodes, and the operator's peak RSS, for 10×10 and 100×10. Run: npm run bench:operator
// Starts its own control plane with 12 kwok nodes (110 pods each): 1,100 pods do not fit on the default 3.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { adminClient, clusterState, startCluster, stopCluster } from '../cluster/cluster.ts';
import type { RayCluster } from '../../src/operator/types.ts';
import { residentMb } from './compare/measure.ts';

const bin = fileURLToPath(new URL('../../bin/rayctl.cjs', import.meta.url));
const SCENARIOS: [clusters: number, workers: number][] = [
  [10, 10],
  [100, 10],
];

// Scale runs on kwok's fake nodes only: no process nodes.
const cluster = await startCluster({ nodes: 12, processNodes: 0 });
const client = adminClient(clusterState(cluster));
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' };

function template(workers: number): RayCluster {
  const result = spawnSync(
    process.execPath,
    [
      bin,
      'template',
      'placeholder',
      '-n',
      'placeholder',
      '--cluster-only',
      '--include-crds',
      '--set',
      `podTypes.rayWorkerType.CPU=100m,podTypes.rayWorkerType.memory=128Mi,podTypes.rayHeadType.CPU=100m,podTypes.rayHeadType.memory=128Mi`,
      '--min-workers',
      `rayWorkerType=${workers}`,
      '--max-workers',
      `rayWorkerType=${workers}`,
    ],
    { encoding: 'utf8', env },
  );
  if (result.status !== 0) throw new Error(`rayctl template failed: ${result.stderr}`);
  const [crd, rayCluster] = yaml.loadAll(result.stdout) as [object, RayCluster];
  spawnSync(`${cluster.binDir}/kubectl`, ['apply', '--server-side', '-f', '-'], { input: yaml.dump(crd), env });
  return rayCluster;
}

try {
  for (const [count, workers] of SCENARIOS) {
    const namespace = `bench-${count}x${workers}`;
    await client.json('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    });
    const base = template(workers);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // CRD served
    const operator = spawn(process.execPath, [bin, 'operator', '--metrics-addr', '0', '--log-level', 'warn'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    try {
      const started = performance.now();
      const jobs = Array.from({ length: count }, (_, i) => ({
        ...base,
        metadata: { ...base.metadata, name: `c${i}`, namespace },
      }));
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let job = jobs.shift(); job; job = jobs.shift())
            await client.json('POST', `/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters`, job);
        }),
      );
      for (;;) {
        const list = await client.json<{ items: RayCluster[] }>(
          'GET',
          `/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters`,
        );
        const running = list.items.filter(
          (c) => c.status?.phase === 'Running' && c.status.readyWorkers === workers,
        ).length;
        if (running === count) break;
        if (performance.now() - started > 600_000)
          throw new Error(`only ${running}/${count} clusters Running after 10 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const seconds = (performance.now() - started) / 1000;
      const rss = residentMb(operator.pid!, 'VmHWM');
      console.log(
        `${count} clusters × ${workers} workers (${count * (workers + 1)} pods): all Running in ${seconds.toFixed(1)} s; operator peak RSS ${rss.toFixed(0)} MB`,
      );
    } finally {
      operator.kill('SIGTERM');
    }
  }
} finally {
  client.close();
  await stopCluster(cluster);
}
