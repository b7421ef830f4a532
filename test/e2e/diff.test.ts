// `rayctl diff install|upgrade|rollback` and `upgrade --dry-run=server --diff` against the API server: exactly the
// changed field, server bookkeeping left out, exit codes for scripts, and nothing in the cluster changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, releaseSecrets } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'diff');
const operatorNs = await tempNamespace(cluster, 'diff-operator');
cleanupReleases(cluster, () => [
  { name: 'dc', namespace: ns },
  { name: 'dn', namespace: operatorNs },
]);

const run = (args: string[]) => rayctl(['-n', ns, ...args]);
const ok = async (args: string[]) => {
  const result = await run(args);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};

/** The `-`/`+` lines of a diff's output: what would change, without headers, hunk lines and context. */
const changedLines = (stdout: string) => stdout.split('\n').filter((l) => /^[-+]/.test(l));
const header = (change: string) => `${ns}, dc, RayCluster (cluster.ray.io) ${change}:`;

/** What a diff must not touch: the RayCluster's resourceVersion and the release records with theirs. */
async function clusterState(): Promise<string[]> {
  const live = await client.request<{ metadata: { resourceVersion: string } }>(
    'GET',
    `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/dc`,
  );
  const secrets = await releaseSecrets(client, ns);
  return [
    live.status === 404 ? 'no RayCluster' : `RayCluster ${live.body.metadata.resourceVersion}`,
    ...secrets.map((s) => {
      const { name, labels, resourceVersion } = s.metadata as typeof s.metadata & { resourceVersion: string };
      return `${name} ${labels.status} ${resourceVersion}`;
    }),
  ];
}

describe('rayctl diff', () => {
  it('install: everything is new, and nothing is created', async () => {
    const before = await clusterState();
    const result = await run(['diff', 'install', 'dc', '--cluster-only', '--detailed-exitcode']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout.split('\n')[0], header('has been added'));
    assert.ok(
      changedLines(result.stdout).every((l) => l.startsWith('+')),
      result.stdout,
    );
    assert.match(result.stdout, /^\+kind: RayCluster$/m);
    assert.deepEqual(await clusterState(), before);
    assert.deepEqual(before, ['no RayCluster']);
  });

  it('upgrade with one changed value shows exactly that field, exits 2 with --detailed-exitcode, changes nothing', async () => {
    await ok(['install', 'dc', '--cluster-only']);
    const before = await clusterState();
    const args = ['diff', 'upgrade', 'dc', '--reuse-values', '--min-workers', 'rayWorkerType=1'];
    const detailed = await run([...args, '--detailed-exitcode']);
    assert.equal(detailed.code, 2, detailed.stderr);
    const lines = detailed.stdout.split('\n');
    assert.equal(lines[0], header('has changed'));
    assert.match(lines[1]!, /^@@ -\d+,7 \+\d+,7 @@$/);
    assert.deepEqual(changedLines(detailed.stdout), ['-      minWorkers: 2', '+      minWorkers: 1']);
    assert.doesNotMatch(detailed.stdout, /managedFields|resourceVersion|generation|creationTimestamp|uid:/);

    const plain = await run(args);
    assert.equal(plain.code, 0, 'without --detailed-exitcode, changes exit 0');
    assert.equal(plain.stdout, detailed.stdout);

    assert.deepEqual(await clusterState(), before, 'resourceVersions and release records unchanged');
    assert.match((await ok(['status', 'dc'])).stdout, /REVISION: 1\n/);
  });

  it('the same values again: "No changes" and exit 0', async () => {
    for (const args of [['--reuse-values'], ['--cluster-only'], []]) {
      const result = await run(['diff', 'upgrade', 'dc', ...args, '--detailed-exitcode']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.equal(result.stdout, 'No changes\n');
    }
  });

  it('-o json: a list of {kind, name, namespace, change, diff}', async () => {
    const result = await ok([
      'diff',
      'upgrade',
      'dc',
      '--reuse-values',
      '--image',
      'rayproject/ray:2.41.0',
      '-o',
      'json',
    ]);
    const diffs = JSON.parse(result.stdout) as {
      kind: string;
      name: string;
      namespace: string;
      change: string;
      diff: string;
    }[];
    assert.deepEqual(
      diffs.map((d) => [d.kind, d.name, d.namespace, d.change]),
      [['RayCluster', 'dc', ns, 'changed']],
    );
    assert.deepEqual(changedLines(diffs[0]!.diff), [
      '-              image: rayproject/ray:2.40.0',
      '+              image: rayproject/ray:2.41.0',
      '-              image: rayproject/ray:2.40.0',
      '+              image: rayproject/ray:2.41.0',
    ]);
  });

  it('upgrade --dry-run=server --diff prints the same diff instead of the manifest', async () => {
    const before = await clusterState();
    const result = await ok([
      'upgrade',
      'dc',
      '--reuse-values',
      '--min-workers',
      'rayWorkerType=1',
      '--dry-run=server',
      '--diff',
    ]);
    assert.match(result.stdout, /^STATUS: pending-upgrade$/m);
    assert.doesNotMatch(result.stdout, /MANIFEST:/);
    assert.ok(result.stdout.includes(`\n${header('has changed')}\n`), result.stdout);
    assert.deepEqual(changedLines(result.stdout), ['-      minWorkers: 2', '+      minWorkers: 1']);
    assert.deepEqual(await clusterState(), before);

    const noServer = await run(['upgrade', 'dc', '--reuse-values', '--diff']);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /--diff needs --dry-run=server/);
  });

  it('rollback after an upgrade shows the upgrade reversed', async () => {
    await ok(['upgrade', 'dc', '--reuse-values', '--min-workers', 'rayWorkerType=1']);
    const before = await clusterState();
    const result = await run(['diff', 'rollback', 'dc', '--detailed-exitcode']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout.split('\n')[0], header('has changed'));
    assert.deepEqual(changedLines(result.stdout), ['-      minWorkers: 1', '+      minWorkers: 2']);
    assert.deepEqual(changedLines((await ok(['diff', 'rollback', 'dc', '1'])).stdout), [
      '-      minWorkers: 1',
      '+      minWorkers: 2',
    ]);
    const toCurrent = await run(['diff', 'rollback', 'dc', '2', '--detailed-exitcode']);
    assert.equal(toCurrent.code, 0);
    assert.equal(toCurrent.stdout, 'No changes\n');
    assert.deepEqual(await clusterState(), before);
    assert.match((await ok(['status', 'dc'])).stdout, /REVISION: 2\n/);
  });

  it('errors stay exit 1: a release that does not exist', async () => {
    const result = await run(['diff', 'upgrade', 'nope', '--detailed-exitcode']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /release "nope" not found/);
  });

  it('a release with its operator: no spurious change on any kind; objects it would drop are shown removed', async () => {
    const inOperatorNs = (args: string[]) => rayctl(['-n', operatorNs, ...args]);
    const installed = await inOperatorNs(['install', 'dn', '--namespaced-operator']);
    assert.equal(installed.code, 0, installed.stderr);
    const same = await inOperatorNs(['diff', 'upgrade', 'dn', '--reuse-values', '--detailed-exitcode']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.equal(same.stdout, 'No changes\n');

    const dropped = await inOperatorNs(['diff', 'upgrade', 'dn', '--cluster-only', '-o', 'json']);
    assert.equal(dropped.code, 0, dropped.stderr);
    const diffs = JSON.parse(dropped.stdout) as { kind: string; name: string; namespace: string; change: string }[];
    assert.deepEqual(diffs.map((d) => `${d.change} ${d.kind}`).sort(), [
      'removed ConfigMap',
      'removed Deployment',
      'removed Role',
      'removed Role',
      'removed RoleBinding',
      'removed RoleBinding',
      'removed ServiceAccount',
      'removed ValidatingAdmissionPolicy',
      'removed ValidatingAdmissionPolicyBinding',
    ]);
    const policy = diffs.find((d) => d.kind === 'ValidatingAdmissionPolicy');
    assert.equal(policy?.namespace, '', 'cluster-scoped');
    assert.ok(
      diffs
        .filter((d) => d.kind !== 'ValidatingAdmissionPolicy' && d.kind !== 'ValidatingAdmissionPolicyBinding')
        .every((d) => d.namespace === operatorNs),
    );
    const table = await inOperatorNs(['diff', 'upgrade', 'dn', '--cluster-only']);
    assert.match(
      table.stdout,
      new RegExp(`^${operatorNs}, ray-operator, Deployment \\(apps\\) has been removed:$`, 'm'),
    );
    assert.match(
      table.stdout,
      new RegExp(
        `^ray-operator-pod-policy\\.${operatorNs}, ValidatingAdmissionPolicy \\(admissionregistration\\.k8s\\.io\\) has been removed:$`,
        'm',
      ),
    );
  });
});
