// The operator under stress: killed mid-reconcile, a cache hammered with deletions, an API server restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';
import type { Pod, RayCluster } from '../../src/operator/types.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'resilience');
cleanupReleases(cluster, () => [{ name: 'big', namespace: ns }]);

const livePods = async (role: 'head' | 'worker') =>
  (
    await client.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`ray-cluster-name=big,ray-node-type=${role}`)}`,
    )
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const settledAt = (count: number) =>
  eventually(
    `exactly ${count} workers and one head, Running`,
    async () => {
      const c = await client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/big`);
      const [workers, heads] = [await livePods('worker'), await livePods('head')];
      const current = c.status?.observedGeneration === c.metadata.generation;
      if (c.status?.phase === 'Running' && current && workers.length === count && heads.length === 1) return true;
      // Thrown, not returned: on timeout the message shows the last state seen.
      throw new Error(
        `phase ${c.status?.phase}, ${c.status?.readyWorkers}/${c.status?.desiredWorkers} ready, ${workers.length} worker and ${heads.length} head pods: ${workers.map((w) => w.status?.phase).join(',')}`,
      );
    },
    90_000,
  );
const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
};

let second: ReturnType<typeof startOperator> | undefined;

describe('operator resilience', () => {
  it('killed mid-reconcile and restarted, it converges without duplicate pods', async () => {
    await ok([
      'install',
      'big',
      '--cluster-only',
      '--set',
      'podTypes.rayWorkerType.CPU=100m,podTypes.rayWorkerType.memory=128Mi',
      '--min-workers',
      'rayWorkerType=20',
      '--max-workers',
      'rayWorkerType=30',
    ]);
    const first = startOperator(cluster);
    await first.waitForLog(/created worker pod/);
    await first.stop('SIGKILL');
    second = startOperator(cluster);
    await settledAt(20);
    // Stable: a while later there are still exactly 20.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal((await livePods('worker')).length, 20);
  });

  it('hammered with pod deletions while scaling, it never keeps two pods for one slot', async () => {
    for (let round = 0; round < 8; round++) {
      const workers = await livePods('worker');
      await Promise.all(
        workers.slice(0, 4).map((p) => client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`)),
      );
      await ok(['scale', 'big', '--pod-type', 'rayWorkerType', '--workers', String(round % 2 === 0 ? 25 : 20)]);
    }
    try {
      await settledAt(20);
    } catch (err) {
      const all = (await client.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
      throw new Error(
        `${(err as Error).message}\nPODS: ${all.map((p) => `${p.metadata.name}:${p.status?.phase}:${p.metadata.deletionTimestamp ?? ''}:${p.metadata.labels?.['ray-node-type']}`).join(' ')}\nLOG:\n${second?.stdout().split('\n').slice(-40).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal((await livePods('worker')).length, 20);
    assert.equal((await livePods('head')).length, 1);
  });

  it('keeps reconciling after the API server restarts', async () => {
    await cluster.restartApiServer();
    await ok(['scale', 'big', '--pod-type', 'rayWorkerType', '--workers', '22']);
    await settledAt(22);
  });
});
