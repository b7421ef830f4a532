// The remaining flags of the release commands, each against the API server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, tool } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'flags');
cleanupReleases(cluster, () => ['up', 'bad', 'nocrd', 'owned', 'habits'].map((name) => ({ name, namespace: ns })));

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};

describe('release command flags', () => {
  it('upgrade --install installs a missing release, then upgrades it', async () => {
    assert.match((await ok(['upgrade', 'up', '--install', '--cluster-only'])).stdout, /REVISION: 1\n/);
    assert.match(
      (await ok(['upgrade', 'up', '--install', '--reuse-values', '--min-workers', 'rayWorkerType=0'])).stdout,
      /REVISION: 2\n/,
    );
    const missing = await rayctl(['-n', ns, 'upgrade', 'nope', '--cluster-only']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /release "nope" not found in namespace "flags-[0-9a-f]+"/);
    assert.match(missing.stderr, /--install/);
  });

  it('list filters by status (--failed, --pending, --all), by label (-l), and prints names (-q) or YAML', async () => {
    await rayctl(['-n', ns, 'install', 'bad', '--cluster-only', '--wait', '--timeout', '1s']);
    const names = async (...flags: string[]) =>
      (await ok(['list', '-q', ...flags])).stdout.trim().split('\n').filter(Boolean);
    assert.deepEqual(await names(), ['bad', 'up'], 'deployed and failed by default');
    assert.deepEqual(await names('--failed'), ['bad']);
    assert.deepEqual(await names('--deployed'), ['up']);
    assert.deepEqual(await names('--pending'), []);
    assert.deepEqual(await names('--superseded'), []);
    assert.deepEqual(await names('-l', 'name=up'), ['up']);
    const rows = yaml.load((await ok(['list', '--all', '-o', 'yaml'])).stdout) as {
      name: string;
      status: string;
      revision: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.status, r.revision]),
      [
        ['bad', 'failed', '1'],
        ['up', 'deployed', '2'],
      ],
    );
    const table = (await ok(['list'])).stdout.split('\n');
    assert.match(table[0]!, /^NAME +NAMESPACE +REVISION +UPDATED +STATUS +CHART +APP VERSION$/);
    assert.match(
      table[1]!,
      /^bad +flags-[0-9a-f]+ +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC +failed +ray-0\.1\.0 +2\.40\.0$/,
    );
  });

  it('--skip-crds leaves an absent CRD absent (here it exists, so only nothing new is created)', async () => {
    const result = await ok(['install', 'nocrd', '--cluster-only', '--skip-crds']);
    assert.doesNotMatch(result.stderr, /created CustomResourceDefinition/);
  });

  it('fields changed by another manager need --force-conflicts, and the error says so', async () => {
    await ok(['install', 'owned', '--cluster-only']);
    const patched = await tool(cluster, 'kubectl', [
      '-n',
      ns,
      'patch',
      'raycluster',
      'owned',
      '--type',
      'merge',
      '--field-manager',
      'someone-else',
      '-p',
      '{"spec":{"idleTimeoutMinutes":9}}',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    const conflict = await rayctl(['-n', ns, 'upgrade', 'owned', '--reuse-values', '--min-workers', 'rayWorkerType=1']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /conflict with "someone-else"/);
    assert.match(conflict.stderr, /add --force-conflicts to take them over/);
    await ok(['upgrade', 'owned', '--reuse-values', '--min-workers', 'rayWorkerType=1', '--force-conflicts']);
    const live = await client.get<{ spec: { idleTimeoutMinutes: number } }>(
      `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/owned`,
    );
    assert.equal(live.spec.idleTimeoutMinutes, 5);
  });

  it('uninstall --wait returns once the objects are gone', async () => {
    await ok(['uninstall', 'owned', 'nocrd', 'up', 'bad', '--wait', '--timeout', '60s']);
    for (const name of ['owned', 'nocrd', 'up', 'bad']) {
      assert.equal(
        (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/${name}`)).status,
        404,
        name,
      );
    }
  });

  it("helm's habits: HELM_NAMESPACE, uninstall --ignore-not-found, rollback 0, --rollback-on-failure", async () => {
    const helmish = await rayctl(['install', 'habits', '--cluster-only'], { HELM_NAMESPACE: ns });
    assert.equal(helmish.code, 0, helmish.stderr);
    await ok(['upgrade', 'habits', '--reuse-values', '--min-workers', 'rayWorkerType=0']);
    assert.match((await ok(['rollback', 'habits', '0'])).stdout, /REVISION: 3\n[\s\S]*DESCRIPTION: Rollback to 1/);

    // --rollback-on-failure is --atomic: a failed upgrade (nothing makes the cluster Running) is rolled back.
    const failed = await rayctl([
      '-n',
      ns,
      'upgrade',
      'habits',
      '--reuse-values',
      '--rollback-on-failure',
      '--timeout',
      '1s',
    ]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /rolling back to revision 3/);

    await ok(['uninstall', 'habits']);
    const missing = await rayctl(['-n', ns, 'uninstall', 'habits']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /release "habits" not found/);
    assert.match((await ok(['uninstall', 'habits', '--ignore-not-found'])).stdout, /not found: nothing to uninstall/);
  });
});
