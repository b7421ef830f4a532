// CRDs that follow the operator, and `rayctl version`: an older RayCluster CRD in the cluster is reported, left
// alone by --skip-crds and by cluster-only releases, and brought up to date by upgrading the operator's release.
// Changes the cluster-wide CRD: it ends as the chart's CRD, as every other test expects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admin, testCluster, tempNamespace } from './support/cluster.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';

const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rayclusters.cluster.ray.io';
const cluster = await testCluster();
const client = admin(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'crd-version');
cleanupReleases(cluster, () => ['ray-operator', 'rc'].map((name) => ({ name, namespace: ns })));

interface Crd {
  metadata: { resourceVersion?: string };
  spec: { versions: { name: string; schema: { openAPIV3Schema: PodTypesSchema } }[] };
}
interface PodTypesSchema {
  properties: { spec: { properties: { podTypes: { items: { properties: Record<string, unknown> } } } } };
}
const podTypeFields = (crd: Crd) =>
  Object.keys(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.podTypes.items.properties);

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};

describe('an older RayCluster CRD', () => {
  it('is reported by rayctl version, with the operators and their versions', async () => {
    await ok(['install', 'ray-operator', '--operator-only', '--namespaced-operator']);
    // Make the installed CRD one from before podTypes[].desiredWorkers existed (a full replace: apply would keep it).
    const crd = await client.get<Crd>(CRD);
    assert.ok(podTypeFields(crd).includes('desiredWorkers'));
    delete crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.podTypes.items.properties
      .desiredWorkers;
    await client.json('PUT', CRD, crd);

    const version = await ok(['version']);
    assert.match(version.stdout, /^rayctl 0\.1\.0\nKubernetes v1\.36\.3\n/);
    assert.match(
      version.stdout,
      /CRD rayclusters\.cluster\.ray\.io: older than this rayctl's: .* \(lacks v1: spec\.podTypes\[\]\.desiredWorkers\)/,
    );
    assert.match(version.stdout, new RegExp(`${ns}\\s+ray-operator\\s+namespace\\s+${ns}/ray-operator\\s+0\\.1\\.0`));
  });

  it('stays as it is with --skip-crds and for a cluster-only release, which warns', async () => {
    await ok(['upgrade', 'ray-operator', '--reuse-values', '--skip-crds']);
    assert.ok(!podTypeFields(await client.get<Crd>(CRD)).includes('desiredWorkers'));
    await ok(['install', 'rc', '--cluster-only']);
    const clusterOnly = await ok(['upgrade', 'rc', '--reuse-values']);
    assert.match(
      clusterOnly.stderr,
      /CustomResourceDefinition rayclusters\.cluster\.ray\.io is older than this rayctl's/,
    );
    assert.ok(!podTypeFields(await client.get<Crd>(CRD)).includes('desiredWorkers'));
  });

  it("is updated by upgrading the operator's release, which says what changed", async () => {
    const upgrade = await ok(['upgrade', 'ray-operator', '--reuse-values']);
    assert.match(
      upgrade.stdout + upgrade.stderr,
      /updated CustomResourceDefinition rayclusters\.cluster\.ray\.io: added v1: spec\.podTypes\[\]\.desiredWorkers/,
    );
    assert.ok(podTypeFields(await client.get<Crd>(CRD)).includes('desiredWorkers'));
    assert.match((await ok(['version'])).stdout, /CRD rayclusters\.cluster\.ray\.io: same as this rayctl's/);
  });
});

describe('--version after a command', () => {
  it('is refused: it is not a chart version, and nothing is installed', async () => {
    const result = await rayctl(['-n', ns, 'install', 'other', '--version', '1.0.0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--version after "install" is not a chart version/);
    assert.equal((await rayctl(['-n', ns, 'status', 'other'])).code, 1);
  });
});
