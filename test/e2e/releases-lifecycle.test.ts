// upgrade, rollback, history, get, status and uninstall semantics (as Helm 3), against the API server.
// Releases here use namespaced operators so that nothing leaks outside this file's namespaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, releaseSecrets, tool } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'lifecycle');
cleanupReleases(cluster, () => [
  { name: 'rc', namespace: ns },
  { name: 'plain', namespace: ns },
]);

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};
type HistoryRow = { revision: number; status: string; description: string };
const history = async (name: string) => JSON.parse((await ok(['history', name, '-o', 'json'])).stdout) as HistoryRow[];
const resourceVersions = async () => {
  const paths = {
    serviceAccount: `/api/v1/namespaces/${ns}/serviceaccounts/ray-operator-serviceaccount`,
    role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/ray-operator-role`,
    roleBinding: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/ray-operator-rolebinding`,
    deployment: `/apis/apps/v1/namespaces/${ns}/deployments/ray-operator`,
    rayCluster: `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/rc`,
  };
  const versions: Record<string, string> = {};
  for (const [key, path] of Object.entries(paths)) {
    versions[key] = (await client.get<{ metadata: { resourceVersion: string } }>(path)).metadata.resourceVersion;
  }
  return versions;
};
const minWorkers = async () =>
  (
    await client.get<{ spec: { podTypes: { name: string; minWorkers: number }[] } }>(
      `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/rc`,
    )
  ).spec.podTypes.find((t) => t.name === 'rayWorkerType')?.minWorkers;

describe('release lifecycle', () => {
  it('install with --namespaced-operator and --description; status and get agree', async () => {
    await ok(['install', 'rc', '--namespaced-operator', '--description', 'first try']);
    const status = JSON.parse((await ok(['status', 'rc', '-o', 'json'])).stdout) as {
      version: number;
      info: { status: string; description: string; notes: string };
    };
    assert.deepEqual([status.version, status.info.status, status.info.description], [1, 'deployed', 'first try']);
    assert.match((await ok(['get', 'notes', 'rc'])).stdout, /Ray cluster "rc" is starting/);
    assert.equal((await ok(['get', 'values', 'rc'])).stdout, 'namespacedOperator: true\n');
    assert.match((await ok(['get', 'values', 'rc', '--all'])).stdout, /operatorNodeImage: node:/);
    assert.match(
      (await ok(['get', 'manifest', 'rc'])).stdout,
      /# Source: ray\/templates\/operator-rbac\.yaml\napiVersion: rbac\.authorization\.k8s\.io\/v1\nkind: Role\n/,
    );
    assert.match((await ok(['get', 'all', 'rc'])).stdout, /USER-SUPPLIED VALUES:\nnamespacedOperator: true/);
  });

  it('scaling with upgrade --reuse-values changes the RayCluster and nothing else', async () => {
    const before = await resourceVersions();
    await ok(['upgrade', 'rc', '--reuse-values', '--set', 'podTypes.rayWorkerType.minWorkers=3']);
    const after = await resourceVersions();
    assert.equal(await minWorkers(), 3);
    assert.notEqual(after.rayCluster, before.rayCluster);
    const { rayCluster: _a, ...othersAfter } = after;
    const { rayCluster: _b, ...othersBefore } = before;
    assert.deepEqual(othersAfter, othersBefore, 'operator objects untouched');
    assert.deepEqual(
      (await history('rc')).map((r) => [r.revision, r.status]),
      [
        [1, 'superseded'],
        [2, 'deployed'],
      ],
    );
  });

  it('an upgrade without values keeps the last ones; --reset-values drops them', async () => {
    await ok(['upgrade', 'rc']);
    assert.equal(await minWorkers(), 3);
    assert.equal(
      (await ok(['get', 'values', 'rc'])).stdout,
      'namespacedOperator: true\npodTypes:\n  rayWorkerType:\n    minWorkers: 3\n',
    );
    await ok(['upgrade', 'rc', '--reset-values', '--namespaced-operator']);
    assert.equal(await minWorkers(), 2);
  });

  it('objects no longer rendered are deleted, except those annotated helm.sh/resource-policy: keep', async () => {
    const annotate = await tool(cluster, 'kubectl', [
      '-n',
      ns,
      'annotate',
      'serviceaccount',
      'ray-operator-serviceaccount',
      'helm.sh/resource-policy=keep',
    ]);
    assert.equal(annotate.code, 0, annotate.stderr);
    await ok(['upgrade', 'rc', '--reuse-values', '--cluster-only']);
    assert.equal((await client.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/ray-operator`)).status, 404);
    assert.equal(
      (await client.request('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/ray-operator-role`))
        .status,
      404,
    );
    assert.equal(
      (await client.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/ray-operator-serviceaccount`)).status,
      200,
      'kept',
    );
  });

  it('rollback restores an earlier revision as a new one; without a revision, the previous one', async () => {
    const rolled = await ok(['rollback', 'rc', '2']);
    assert.match(rolled.stdout, /REVISION: 6/);
    assert.equal(await minWorkers(), 3);
    assert.equal(
      (await client.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/ray-operator`)).status,
      200,
      'the operator is back',
    );
    const rows = await history('rc');
    assert.deepEqual(rows.at(-1), { ...rows.at(-1), revision: 6, status: 'deployed', description: 'Rollback to 2' });
    assert.deepEqual(rows.filter((r) => r.status === 'deployed').length, 1, 'exactly one deployed revision');
    // As in Helm, no revision means the current one minus one: 5, the --cluster-only upgrade.
    await ok(['rollback', 'rc']);
    assert.equal((await history('rc')).at(-1)?.description, 'Rollback to 5');
    const missing = await rayctl(['-n', ns, 'rollback', 'rc', '99']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /release "rc" has no revision 99/);
  });

  it('--history-max prunes the oldest revisions, never the deployed one', async () => {
    for (let i = 0; i < 3; i++)
      await ok([
        'upgrade',
        'rc',
        '--reuse-values',
        '--history-max',
        '3',
        '--set',
        `podTypes.rayWorkerType.minWorkers=${i}`,
      ]);
    const rows = await history('rc');
    assert.equal(rows.length, 3);
    assert.deepEqual(
      rows.map((r) => r.revision),
      [8, 9, 10],
    );
    assert.equal((await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'rc').length, 3);
  });

  it('status and get read past revisions', async () => {
    assert.match((await ok(['status', 'rc', '--revision', '9'])).stdout, /REVISION: 9\n/);
    assert.equal(
      (await ok(['get', 'values', 'rc', '--revision', '9', '-o', 'json'])).stdout.trim(),
      JSON.stringify({ namespacedOperator: true, clusterOnly: true, podTypes: { rayWorkerType: { minWorkers: 1 } } }),
    );
  });

  it('--dry-run (client) renders without writing; --dry-run=server validates with the API server without writing', async () => {
    const before = await releaseSecrets(client, ns);
    const client_ = await ok([
      'upgrade',
      'rc',
      '--reuse-values',
      '--set',
      'podTypes.rayWorkerType.minWorkers=2',
      '--dry-run',
    ]);
    assert.match(client_.stdout, /MANIFEST:\n---\n# Source: ray\/templates\//);
    const server = await ok(['install', 'plain', '--cluster-only', '--dry-run=server']);
    assert.match(server.stdout, /STATUS: pending-install/);
    assert.deepEqual(await releaseSecrets(client, ns), before);
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/plain`)).status,
      404,
    );
  });

  it('uninstall --keep-history leaves an uninstalled record that list --uninstalled shows and install --replace reuses', async () => {
    await ok(['install', 'plain', '--cluster-only']);
    await ok(['uninstall', 'plain', '--keep-history']);
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/plain`)).status,
      404,
    );
    const listed = JSON.parse((await ok(['list', '--uninstalled', '-o', 'json'])).stdout) as {
      name: string;
      status: string;
    }[];
    assert.deepEqual(
      listed.map((r) => [r.name, r.status]),
      [['plain', 'uninstalled']],
    );
    const reused = await rayctl(['-n', ns, 'install', 'plain', '--cluster-only']);
    assert.equal(reused.code, 1);
    assert.match(reused.stderr, /cannot re-use a name that is still in use: release "plain" .* is uninstalled/);
    assert.match(reused.stderr, /--replace/);
    await ok(['install', 'plain', '--cluster-only', '--replace']);
    assert.deepEqual(
      (await history('plain')).map((r) => [r.revision, r.status]),
      [
        [1, 'uninstalled'],
        [2, 'deployed'],
      ],
    );
    await ok(['uninstall', 'plain']);
    assert.deepEqual(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'plain'),
      [],
    );
  });

  it('--atomic uninstalls a failed install and leaves nothing behind', async () => {
    // No operator serves this RayCluster, so --wait cannot see it Running and times out.
    const result = await rayctl(['-n', ns, 'install', 'doomed', '--cluster-only', '--atomic', '--timeout', '2s']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /timed out after 2 s waiting for:\n {2}- RayCluster "doomed" in namespace "lifecycle-[0-9a-f]+": no phase yet/,
    );
    assert.match(result.stderr, /--atomic: uninstalling/);
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/doomed`)).status,
      404,
    );
    assert.deepEqual(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'doomed'),
      [],
    );
  });

  it('a failed install without --atomic is recorded failed with the reason', async () => {
    const result = await rayctl(['-n', ns, 'install', 'slow', '--cluster-only', '--wait', '--timeout', '1s']);
    assert.equal(result.code, 1);
    const rows = await history('slow');
    assert.equal(rows[0]?.status, 'failed');
    assert.match(rows[0]?.description ?? '', /^Release "slow" failed: timed out after 1 s/);
    await ok(['uninstall', 'slow']);
  });
});
