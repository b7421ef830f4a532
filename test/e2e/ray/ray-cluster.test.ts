// Real Ray: what the operator puts in a pod forms a working Ray cluster on the process nodes. Installed with
// rayctl as a user would, checked through Ray itself (its state API and Ray Client from the host).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot } from '../../cluster/paths.ts';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { processNodeValuesFile, type Pod } from '../support/process-nodes.ts';
import { alive, rayClustersIn, rayDaemons, rayNodes, totalOf, withRayClient, type RayNode } from '../support/ray.ts';
import { adminFor, cleanupReleases, rayctlOn, tool } from '../support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'real-ray');
cleanupReleases(cluster, () => ['example-cluster', 'example-cluster2'].map((name) => ({ name, namespace: ns })));
startOperator(cluster);

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};
const { podsOf, rayFormed } = rayClustersIn(client, ns);
const headIp = async (name: string) => {
  const [head] = await podsOf(name, 'head');
  assert.ok(head?.status?.podIP, `${name} has a head pod with an IP`);
  return head.status.podIP;
};
const cpuLimit = (pod: Pod) => Number(pod.spec.containers[0]!.resources?.limits?.cpu ?? 0);

describe('real Ray on process nodes', () => {
  before(async () => {
    await ok([
      'install',
      'example-cluster',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '--set-json',
      'podTypes.rayWorkerType.rayResources={"example-resource-a":1}',
      // Exactly the two workers: the autoscaler would add a third (maxWorkers 3) for the six tasks below.
      '--set',
      'podTypes.rayWorkerType.maxWorkers=2',
      '--wait',
      '--timeout',
      '5m',
    ]);
  });

  it("the chart's default cluster is a Ray cluster of 3 nodes with the pods' CPU and custom resources", async () => {
    const { nodes } = await rayFormed('example-cluster', 3);
    const pods = await podsOf('example-cluster');
    assert.equal(alive(nodes).length, 3);
    assert.equal(alive(nodes).filter((n) => n.is_head_node).length, 1);
    assert.equal(
      totalOf(nodes, 'CPU'),
      pods.reduce((sum, p) => sum + cpuLimit(p), 0),
    );
    assert.equal(totalOf(nodes, 'CPU'), 3);
    // 1Gi per pod, from the containers' memory limits.
    assert.equal(totalOf(nodes, 'memory'), 3 * 1024 ** 3);
    assert.equal(totalOf(nodes, 'example-resource-a'), 2);
  });

  it('runs tasks from the host through Ray Client on both workers, named by their pods', async () => {
    const ip = await headIp('example-cluster');
    const output = await withRayClient(
      ip,
      [
        'import os, socket, json, time',
        '@ray.remote(num_cpus=1, resources={"example-resource-a": 1})',
        'def where():',
        '    time.sleep(1)',
        '    return [socket.gethostname(), os.environ["RAY_CLOUD_INSTANCE_ID"], os.environ["RAY_NODE_TYPE_NAME"]]',
        'print(json.dumps(ray.get([where.remote() for _ in range(6)])))',
      ].join('\n'),
    );
    const results = JSON.parse(output.trim().split('\n').pop()!) as [string, string, string][];
    const workers = (await podsOf('example-cluster', 'worker')).map((p) => p.metadata.name).sort();
    assert.deepEqual([...new Set(results.map(([host]) => host))].sort(), workers);
    for (const [host, instance, type] of results) {
      assert.equal(instance, host);
      assert.equal(type, 'rayWorkerType');
    }
  });

  it('two clusters in one namespace are two separate Ray clusters', async () => {
    await ok([
      'install',
      'example-cluster2',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '--set',
      'podTypes.rayWorkerType.minWorkers=1',
      '--wait',
      '--timeout',
      '5m',
    ]);
    const second = await rayFormed('example-cluster2', 2);
    const first = await rayFormed('example-cluster', 3);
    const ids = (nodes: RayNode[]) => new Set(alive(nodes).map((n) => n.node_id));
    const overlap = [...ids(first.nodes)].filter((id) => ids(second.nodes).has(id));
    assert.deepEqual(overlap, []);
    await ok(['uninstall', 'example-cluster2', '--wait']);
  });

  it('a deleted worker: Ray marks its node dead, the operator replaces the pod, a new node joins', async () => {
    const { ip } = await rayFormed('example-cluster', 3);
    const [victim] = await podsOf('example-cluster', 'worker');
    const victimIp = victim!.status!.podIP!;
    const victimNode = alive(await rayNodes(ip)).find((n) => n.node_ip === victimIp)!;
    await client.json('DELETE', `/api/v1/namespaces/${ns}/pods/${victim!.metadata.name}`);
    await eventually(
      'Ray marks the deleted pod dead',
      async () => (await rayNodes(ip)).find((n) => n.node_id === victimNode.node_id)?.state === 'DEAD',
      120_000,
    );
    const { nodes } = await rayFormed('example-cluster', 3);
    const workers = await podsOf('example-cluster', 'worker');
    assert.ok(!workers.some((p) => p.metadata.name === victim!.metadata.name));
    assert.equal(
      alive(nodes).some((n) => n.node_id === victimNode.node_id),
      false,
    );
  });

  it('an upgrade that changes the image replaces every pod and a new Ray cluster forms', async () => {
    const before = await rayFormed('example-cluster', 3);
    const oldPods = (await podsOf('example-cluster')).map((p) => p.metadata.name);
    await ok([
      'upgrade',
      'example-cluster',
      '--reuse-values',
      '--image',
      'rayproject/ray:2.60.0',
      '--wait',
      '--timeout',
      '5m',
    ]);
    const after = await eventually(
      'every pod replaced',
      async () => {
        const pods = await podsOf('example-cluster');
        return pods.every((p) => !oldPods.includes(p.metadata.name)) ? pods : undefined;
      },
      180_000,
    );
    assert.ok(after.every((p) => p.spec.containers[0]!.image === 'rayproject/ray:2.60.0'));
    const formed = await rayFormed('example-cluster', 3);
    const oldIds = new Set(before.nodes.map((n) => n.node_id));
    assert.equal(
      alive(formed.nodes).some((n) => oldIds.has(n.node_id)),
      false,
    );
  });

  it("the original operator's example custom resource runs unchanged", async () => {
    const manifest = readFileSync(
      join(repoRoot, 'test', 'fixtures', 'process-node', 'original-example-cluster.yaml'),
      'utf8',
    );
    const applied = await tool(cluster, 'kubectl', ['-n', ns, 'apply', '-f', '-'], manifest);
    assert.equal(applied.code, 0, applied.stderr);
    try {
      const { nodes } = await rayFormed('original-example', 2);
      // The head advertises no CPU (its rayResources override the pod's limit); the worker its custom resource.
      assert.equal(alive(nodes).find((n) => n.is_head_node)!.resources_total.CPU ?? 0, 0);
      assert.equal(totalOf(nodes, 'CPU'), 1);
      assert.equal(totalOf(nodes, 'example-resource-a'), 1);
    } finally {
      await client.request('DELETE', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/original-example`);
    }
  });

  it('uninstall --wait leaves no Ray process on the machine', async () => {
    await ok(['uninstall', 'example-cluster', '--wait']);
    await eventually('no pods of the cluster', async () => (await podsOf('example-cluster')).length === 0, 60_000);
    await eventually('no pods of original-example', async () => (await podsOf('original-example')).length === 0);
    await eventually('no Ray daemons (raylet, gcs_server) on the machine', () => rayDaemons().length === 0, 30_000);
  });
});
