// The operator's GCS client against real Ray (2.60, on process nodes): node states named by pod and pod type, and
// pending demand as the autoscaler will see it: tasks that cannot be placed, a STRICT_SPREAD placement group, and a
// drain that Ray refuses because the node is busy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GcsClient } from '../../../src/operator/gcs.ts';
import type { ClusterResourceState } from '../../../src/operator/gcs-messages.ts';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { processNodeValuesFile } from '../support/process-nodes.ts';
import { rayClustersIn, rayHttp } from '../support/ray.ts';
import { adminFor, cleanupReleases, rayctlOn } from '../support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'gcs-client');
cleanupReleases(cluster, () => [{ name: 'rc', namespace: ns }]);
startOperator(cluster, ['-n', ns]);
const { podsOf, rayFormed } = rayClustersIn(client, ns);

describe("Ray's autoscaler state through the operator's GCS client", () => {
  let gcs: GcsClient;
  before(async () => {
    const install = await rayctl([
      '-n',
      ns,
      'install',
      'rc',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '--set-json',
      'podTypes.rayHeadType.rayResources={"CPU":0}',
      '--set',
      'podTypes.rayWorkerType.minWorkers=1',
      '--wait',
      '--timeout',
      '5m',
    ]);
    assert.equal(install.code, 0, install.stderr);
    const { ip } = await rayFormed('rc', 2);
    gcs = new GcsClient(`${ip}:6379`);
  });
  after(() => gcs?.close());

  it('names every Ray node by its pod and pod type, with the resources the operator gave it', async () => {
    const state = await gcs.getClusterResourceState();
    const pods = await podsOf('rc');
    const byPod = new Map(state.nodes.map((n) => [n.instanceId, n]));
    assert.deepEqual([...byPod.keys()].sort(), pods.map((p) => p.metadata.name).sort());
    for (const pod of pods) {
      const node = byPod.get(pod.metadata.name)!;
      assert.equal(node.nodeType, pod.metadata.labels?.['ray-user-node-type']);
      assert.equal(node.ip, pod.status?.podIP);
      assert.ok(['RUNNING', 'IDLE'].includes(node.status));
    }
    const worker = state.nodes.find((n) => n.nodeType === 'rayWorkerType')!;
    assert.equal(worker.total.CPU, 1);
    assert.equal(worker.total.memory, 1024 ** 3);
    assert.equal(state.nodes.find((n) => n.nodeType === 'rayHeadType')!.total.CPU ?? 0, 0);
  });

  it('shows unplaceable tasks and a STRICT_SPREAD placement group as demand; refuses to drain a busy node', async () => {
    const [head] = await podsOf('rc', 'head');
    // The driver runs on the head as a Ray job (the dashboard's job API), so it needs no Ray Client connection.
    const driver = [
      'import ray, time',
      'from ray.util.placement_group import placement_group',
      'ray.init()',
      '@ray.remote(num_cpus=1)',
      'def busy():',
      '    time.sleep(120)',
      'refs = [busy.remote() for _ in range(4)]',
      'pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_SPREAD")',
      'time.sleep(180)',
    ].join('\n');
    const jobs = `http://${head!.status!.podIP}:8265/api/jobs/`;
    const { submission_id: job } = await rayHttp<{ submission_id: string }>(jobs, 'POST', {
      entrypoint: `python -c '${driver}'`,
    });
    after(() => rayHttp(`${jobs}${job}/stop`, 'POST').catch(() => undefined));
    let state: ClusterResourceState | undefined;
    await eventually(
      'three 1-CPU tasks and the placement group pending',
      async () => {
        const status = await rayHttp<{ status: string; message?: string }>(`${jobs}${job}`);
        if (['FAILED', 'STOPPED', 'SUCCEEDED'].includes(status.status))
          throw new Error(`the driver job ended early: ${status.status} ${status.message ?? ''}`);
        state = await gcs.getClusterResourceState();
        const tasks = state.demand.requests.find((r) => r.bundle.CPU === 1 && Object.keys(r.bundle).length === 1);
        return tasks?.count === 3 && state.demand.gangs.length === 1;
      },
      120_000,
    );
    assert.deepEqual(state!.demand.gangs, [{ bundles: [{ CPU: 1 }, { CPU: 1 }], strategy: 'STRICT_SPREAD' }]);
    const worker = state!.nodes.find((n) => n.nodeType === 'rayWorkerType')!;
    assert.equal(worker.status, 'RUNNING');
    assert.equal(worker.available.CPU ?? 0, 0);
    const drain = await gcs.drainNode(worker.nodeId, 'test: a busy node must not be drained');
    assert.equal(drain.accepted, false);
    assert.notEqual(drain.rejection, '');
  });
});
