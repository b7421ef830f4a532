// The chart's default operator as it really runs: two pods of the operator bundle on a public Node.js image (mapped
// by the process node to this machine's Node), with the chart's ServiceAccount and RBAC only (in-cluster config from
// the mounted token), managing a real Ray cluster, electing one leader, failing over when the leader's pod goes, and
// read by `rayctl logs --cluster` from its real pod logs, also followed across the failover.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../cluster/paths.ts';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { isReady, processNodeValuesFile, type Pod } from '../support/process-nodes.ts';
import { rayClustersIn } from '../support/ray.ts';
import { adminFor, cleanupReleases, rayctlOn } from '../support/releases.ts';
import { RAYCTL_BIN } from '../support/run-rayctl.ts';

const operatorValues = join(repoRoot, 'test', 'fixtures', 'process-node', 'operator-values.yaml');
const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const system = await tempNamespace(cluster, 'ray-system');
const ns = await tempNamespace(cluster, 'in-cluster');
cleanupReleases(cluster, () => [
  { name: 'example-cluster', namespace: ns },
  { name: 'ray-operator', namespace: system },
]);
const { podsOf, rayFormed } = rayClustersIn(client, ns);

const ok = async (args: string[]) => {
  const result = await rayctl(args);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};
const operatorPods = async () =>
  (
    await client.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${system}/pods?labelSelector=${encodeURIComponent('cluster.ray.io/component=operator')}`,
    )
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const leaseHolder = async () =>
  (
    await client.get<{ spec: { holderIdentity?: string } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${system}/leases/ray-operator-leader`,
    )
  ).spec.holderIdentity ?? '';
/** The operator pod holding the lease (identities are `<pod>_<pid>`). */
const leader = () =>
  eventually('an operator pod holding the lease', async () => {
    const holder = await leaseHolder();
    return (await operatorPods()).find((p) => holder.startsWith(`${p.metadata.name}_`));
  });

describe('the chart’s operator, in the cluster', () => {
  before(async () => {
    await ok([
      '-n',
      system,
      'install',
      'ray-operator',
      '--operator-only',
      '--operator-namespace',
      system,
      '-f',
      operatorValues,
      '--wait',
    ]);
  });

  it('runs the bundle on the Node.js image as non-root with a read-only root, on process nodes', async () => {
    const pods = await eventually('2 operator pods Ready', async () => {
      const found = await operatorPods();
      return found.length === 2 && found.every(isReady) ? found : undefined;
    });
    for (const pod of pods) {
      assert.match(pod.spec.nodeName ?? '', /^process-node-/);
      const [container] = pod.spec.containers;
      assert.match(container!.image!, /^node:\d+\.\d+\.\d+-/);
      assert.deepEqual([container!.command![0], container!.command!.at(-1)], ['node', '--']);
      assert.equal(container!.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(pod.spec.securityContext?.runAsUser, 1000);
    }
    assert.match((await leader()).metadata.name, /^ray-operator-/);
  });

  it('manages a real Ray cluster with only its ServiceAccount', async () => {
    await ok([
      '-n',
      ns,
      'install',
      'example-cluster',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '--wait',
      '--timeout',
      '5m',
    ]);
    await rayFormed('example-cluster', 3);
    const logs = await ok(['-n', ns, 'logs', '--cluster', 'example-cluster']);
    assert.match(logs.stdout, new RegExp(`^example-cluster,${ns}:.*created head pod`, 'm'));
  });

  it('fails over when the leader’s pod is deleted; logs --follow goes on with the new leader', async () => {
    const first = await leader();
    // --tail 1 prints one line of what was there, so the test knows the follower has read the log before the
    // failover starts; only what it prints after that line counts.
    const follow = spawn(
      process.execPath,
      [RAYCTL_BIN, '-n', ns, 'logs', '--cluster', 'example-cluster', '-f', '--tail', '1'],
      {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    follow.stdout.on('data', (d: Buffer) => (output += d.toString()));
    after(() => follow.kill());
    const historyEnd = await eventually('the follower’s first line', () => output.indexOf('\n') + 1 || undefined);
    const followed = () => output.slice(historyEnd);
    await client.json('DELETE', `/api/v1/namespaces/${system}/pods/${first.metadata.name}`);
    const next = await eventually(
      'a new leader',
      async () => {
        const pod = await leader();
        return pod.metadata.name !== first.metadata.name ? pod : undefined;
      },
      90_000,
    );
    // Work for the new leader: a worker pod goes, the new leader replaces it, and the follower shows that line.
    const [worker] = await podsOf('example-cluster', 'worker');
    await client.json('DELETE', `/api/v1/namespaces/${ns}/pods/${worker!.metadata.name}`);
    await eventually(
      'the new leader’s line in the followed log',
      () => new RegExp(`example-cluster,${ns}:.*deleted|example-cluster,${ns}:.*created worker pod`).test(followed()),
      90_000,
    );
    assert.notEqual(next.metadata.name, first.metadata.name);
    await rayFormed('example-cluster', 3);
  });
});
