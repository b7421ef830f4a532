// The user document's two workflows for running several Ray clusters, end to end against the API server, and the
// storage format that makes `helm` see them.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, releaseSecrets, tool } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const operatorNs = await tempNamespace(cluster, 'operator');
const rayNs = await tempNamespace(cluster, 'ray');
const installed: { name: string; namespace: string }[] = [];
cleanupReleases(cluster, () => installed.reverse());

type ListRow = {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
};
const listJson = async (args: string[]) => {
  const result = await rayctl(['list', '-o', 'json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ListRow[];
};

describe('workflow 1: one operator, clusters added later', () => {
  it('installs the operator alone', async () => {
    const result = await rayctl([
      'install',
      'ray-operator',
      '--operator-only',
      '-n',
      operatorNs,
      '--operator-namespace',
      operatorNs,
    ]);
    assert.equal(result.code, 0, result.stderr);
    installed.push({ name: 'ray-operator', namespace: operatorNs });
    assert.match(result.stdout, /STATUS: deployed/);
    const deployment = await client.get<{ metadata: { annotations: Record<string, string> } }>(
      `/apis/apps/v1/namespaces/${operatorNs}/deployments/ray-operator`,
    );
    assert.equal(deployment.metadata.annotations['meta.helm.sh/release-name'], 'ray-operator');
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${rayNs}/rayclusters`)).status,
      200,
      'the CRD is installed',
    );
  });

  it('installs a cluster, then a second one with minWorkers 0, sharing that operator', async () => {
    const first = await rayctl(['-n', rayNs, 'install', 'example-cluster', '--cluster-only']);
    assert.equal(first.code, 0, first.stderr);
    installed.push({ name: 'example-cluster', namespace: rayNs });
    assert.doesNotMatch(first.stderr, /no Ray operator serves/);
    const second = await rayctl([
      '-n',
      rayNs,
      'install',
      'example-cluster2',
      '--set',
      'podTypes.rayWorkerType.minWorkers=0',
      '--cluster-only',
    ]);
    assert.equal(second.code, 0, second.stderr);
    installed.push({ name: 'example-cluster2', namespace: rayNs });
    const cluster2 = await client.get<{ spec: { podTypes: { name: string; minWorkers: number }[] } }>(
      `/apis/cluster.ray.io/v1/namespaces/${rayNs}/rayclusters/example-cluster2`,
    );
    assert.equal(cluster2.spec.podTypes.find((t) => t.name === 'rayWorkerType')?.minWorkers, 0);
    const rows = await listJson(['-n', rayNs]);
    assert.deepEqual(
      rows.map((r) => [r.name, r.revision, r.status, r.chart]),
      [
        ['example-cluster', '1', 'deployed', 'ray-0.1.0'],
        ['example-cluster2', '1', 'deployed', 'ray-0.1.0'],
      ],
    );
  });

  it("stores each revision exactly in Helm's Secret format", async () => {
    const [secret] = (await releaseSecrets(client, rayNs)).filter((s) => s.metadata.name.includes('example-cluster2'));
    assert.ok(secret);
    assert.equal(secret.metadata.name, 'sh.helm.release.v1.example-cluster2.v1');
    assert.equal(secret.type, 'helm.sh/release.v1');
    const { name, owner, status, version, createdAt } = secret.metadata.labels;
    assert.deepEqual(
      { name, owner, status, version },
      { name: 'example-cluster2', owner: 'helm', status: 'deployed', version: '1' },
    );
    assert.match(createdAt ?? '', /^\d{10}$/);
    assert.ok(secret.data.release.startsWith('SDRzSUFB'), 'base64(base64(gzip)) like Helm');
    const json = JSON.parse(
      gunzipSync(Buffer.from(Buffer.from(secret.data.release, 'base64').toString(), 'base64')).toString(),
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), [
      'apply_method',
      'chart',
      'config',
      'hooks',
      'info',
      'manifest',
      'name',
      'namespace',
      'version',
    ]);
    assert.deepEqual(json.config, { podTypes: { rayWorkerType: { minWorkers: 0 } }, clusterOnly: true });
    assert.equal(json.apply_method, 'ssa');
    const info = json.info as Record<string, string>;
    assert.equal(info.status, 'deployed');
    assert.equal(info.description, 'Install complete');
    const chart = json.chart as {
      metadata: { apiVersion: string; name: string };
      templates: { name: string; data: string }[];
    };
    assert.equal(chart.metadata.apiVersion, 'v2');
    assert.ok(
      chart.templates.some(
        (t) =>
          t.name === 'templates/raycluster.yaml.hbs' &&
          Buffer.from(t.data, 'base64').toString().includes('kind: RayCluster'),
      ),
    );
  });

  it('helm 3 and helm 4 list the same releases as rayctl', async () => {
    const ours = (await listJson(['-A'])).filter((r) => [operatorNs, rayNs].includes(r.namespace));
    for (const helm of ['helm3', 'helm4']) {
      const result = await tool(cluster, helm, ['list', '-A', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const theirs = (JSON.parse(result.stdout) as ListRow[]).filter((r) => [operatorNs, rayNs].includes(r.namespace));
      const pick = (rows: ListRow[]) =>
        rows.map((r) => [r.name, r.namespace, r.revision, r.status, r.chart, r.app_version]).sort();
      assert.deepEqual(pick(theirs), pick(ours), helm);
    }
  });

  it('refuses to uninstall the operator while it serves clusters, naming them', async () => {
    const result = await rayctl(['uninstall', 'ray-operator', '-n', operatorNs]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /release "ray-operator" runs the Ray operator that still serves \d+ RayClusters/);
    assert.match(
      result.stderr,
      /RayCluster "example-cluster" in namespace "ray-[0-9a-f]+" \(release "example-cluster"/,
    );
    assert.match(
      result.stderr,
      /RayCluster "example-cluster2" in namespace "ray-[0-9a-f]+" \(release "example-cluster2"/,
    );
    assert.match(result.stderr, /--with-clusters/);
    assert.equal(
      (await client.request('GET', `/apis/apps/v1/namespaces/${operatorNs}/deployments/ray-operator`)).status,
      200,
      'nothing was deleted',
    );
  });

  it("the old bare --cascade is refused with what to use now; --cascade has helm's meaning", async () => {
    const old = await rayctl(['uninstall', 'ray-operator', '-n', operatorNs, '--cascade']);
    assert.equal(old.code, 2, old.stderr);
    assert.match(old.stderr, /--cascade takes a value, as in helm: background, orphan or foreground/);
    assert.match(old.stderr, /use --with-clusters/);
    const wrong = await rayctl(['uninstall', 'ray-operator', '-n', operatorNs, '--cascade=sideways']);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /--cascade "sideways" is not a deletion policy/);
    assert.equal(
      (await client.request('GET', `/apis/apps/v1/namespaces/${operatorNs}/deployments/ray-operator`)).status,
      200,
      'nothing was deleted',
    );
  });

  it('--dry-run --with-clusters lists what would go and changes nothing', async () => {
    const before = await releaseSecrets(client, rayNs);
    const result = await rayctl(['uninstall', 'ray-operator', '-n', operatorNs, '--with-clusters', '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /--with-clusters: would uninstall release "example-cluster"/);
    assert.match(result.stdout, /would delete Deployment "ray-operator"/);
    assert.match(result.stdout, /release "ray-operator" would be uninstalled \(dry run: nothing changed\)/);
    assert.deepEqual(await releaseSecrets(client, rayNs), before);
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${rayNs}/rayclusters/example-cluster`)).status,
      200,
    );
  });

  it('--with-clusters uninstalls the clusters first, then the operator; nothing is left', async () => {
    const result = await rayctl(['uninstall', 'ray-operator', '-n', operatorNs, '--with-clusters']);
    assert.equal(result.code, 0, result.stderr);
    installed.length = 0;
    assert.deepEqual(await releaseSecrets(client, rayNs), []);
    assert.deepEqual(await releaseSecrets(client, operatorNs), []);
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${rayNs}/rayclusters/example-cluster`)).status,
      404,
    );
    assert.equal(
      (await client.request('GET', `/apis/apps/v1/namespaces/${operatorNs}/deployments/ray-operator`)).status,
      404,
    );
    assert.equal(
      (await client.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/ray-operator-clusterrole')).status,
      404,
    );
    assert.equal(
      (
        await client.request(
          'GET',
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rayclusters.cluster.ray.io',
        )
      ).status,
      200,
      'the CRD is kept',
    );
  });
});

describe('workflow 2: the operator comes with the first cluster', () => {
  it('installs operator + cluster, then a cluster-only second cluster; a second operator is refused', async () => {
    const ns = `${rayNs}-w2`;
    const first = await rayctl(['-n', ns, 'install', 'example-cluster', '--create-namespace']);
    assert.equal(first.code, 0, first.stderr);
    installed.push({ name: 'example-cluster', namespace: ns });
    const kinds = (await rayctl(['-n', ns, 'get', 'manifest', 'example-cluster'])).stdout.match(/^kind: \w+$/gm);
    assert.deepEqual(kinds, [
      'kind: ServiceAccount',
      'kind: ConfigMap',
      'kind: ClusterRole',
      'kind: ClusterRoleBinding',
      'kind: Role',
      'kind: RoleBinding',
      'kind: ValidatingAdmissionPolicy',
      'kind: ValidatingAdmissionPolicyBinding',
      'kind: Deployment',
      'kind: RayCluster',
    ]);

    // An upgrade re-applies the cluster-scoped RBAC; it must not delete it or touch it needlessly.
    const roleBefore = await client.get<{ metadata: { resourceVersion: string } }>(
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/ray-operator-clusterrole',
    );
    const upgraded = await rayctl([
      '-n',
      ns,
      'upgrade',
      'example-cluster',
      '--reuse-values',
      '--min-workers',
      'rayWorkerType=1',
    ]);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    const roleAfter = await client.get<{ metadata: { resourceVersion: string } }>(
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/ray-operator-clusterrole',
    );
    assert.equal(roleAfter.metadata.resourceVersion, roleBefore.metadata.resourceVersion);

    const refused = await rayctl(['-n', ns, 'install', 'example-cluster2']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /refusing to install a second Ray operator: release "example-cluster" \(namespace "ray-[0-9a-f]+-w2"\) already runs a cluster-scoped Ray operator/,
    );
    assert.match(refused.stderr, /--cluster-only/);
    assert.deepEqual(
      (await releaseSecrets(client, ns)).map((s) => s.metadata.name),
      ['sh.helm.release.v1.example-cluster.v1', 'sh.helm.release.v1.example-cluster.v2'],
      'the refusal wrote nothing',
    );

    const second = await rayctl(['-n', ns, 'install', 'example-cluster2', '--cluster-only']);
    assert.equal(second.code, 0, second.stderr);
    installed.push({ name: 'example-cluster2', namespace: ns });
    const clean = await rayctl(['-n', ns, 'uninstall', 'example-cluster2', 'example-cluster']);
    assert.equal(clean.code, 0, clean.stderr);
    installed.length = 0;
    await client.request('DELETE', `/api/v1/namespaces/${ns}`);
  });
});
