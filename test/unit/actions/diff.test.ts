// `rayctl diff` on the in-memory cluster: what it compares, that it refuses what the change would refuse, and that
// it writes nothing. The same runs against the real API server in test/e2e/diff.test.ts.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { diffInstall, diffRevision, diffRollback, diffUpgrade } from '../../../src/actions/diff.ts';
import { install, type InstallRequest } from '../../../src/actions/install.ts';
import { upgrade, type UpgradeRequest } from '../../../src/actions/upgrade.ts';
import type { CompiledChart } from '../../../src/chart/compile.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { Values } from '../../../src/chart/tree.ts';
import type { UserError } from '../../../src/errors.ts';
import * as requests from '../../fixtures/deploy-requests.ts';
import { memoryContext } from '../fakes/release-context.ts';

const NS = 'ray';
const release = { name: 'c1', namespace: NS };
let chart: CompiledChart;
before(async () => {
  chart = await loadBuiltinChart();
});

const installRequest = (userValues: Values = {}, extra: Partial<InstallRequest> = {}) =>
  requests.installRequest({ release, chart }, userValues, extra);
const upgradeRequest = (userValues: Values = {}, extra: Partial<UpgradeRequest> = {}) =>
  requests.upgradeRequest({ release, chart }, userValues, extra);

const options = { force: false };
const changedLines = (diff: string) => diff.split('\n').filter((l) => /^[-+]/.test(l));

/** Everything a diff must leave as it was: the objects (with their resourceVersions) and the release records. */
async function snapshot(ctx: ReturnType<typeof memoryContext>) {
  return {
    objects: structuredClone([...ctx.cluster.objects]),
    statuses: await ctx.store.statuses('c1', NS),
  };
}

describe('diff upgrade', () => {
  test('one changed value is one changed field, and nothing is written', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ clusterOnly: true }));
    const was = await snapshot(ctx);
    const callsBefore = ctx.cluster.calls.length;
    const diffs = await diffUpgrade(
      ctx,
      upgradeRequest({ podTypes: { rayWorkerType: { minWorkers: 1 } } }, { reuseValues: true }),
      options,
    );
    assert.deepEqual(
      diffs.map((d) => [d.kind, d.name, d.namespace, d.change]),
      [['RayCluster', 'c1', NS, 'changed']],
    );
    assert.deepEqual(changedLines(diffs[0]!.diff), ['-      minWorkers: 2', '+      minWorkers: 1']);
    assert.deepEqual(await snapshot(ctx), was);
    // It did ask the API server: a dry-run apply per object of the new revision.
    assert.ok(ctx.cluster.calls.slice(callsBefore).some((c) => c.verb === 'apply' && c.kind === 'RayCluster'));
  });

  test('the same values again: no changes', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ clusterOnly: true }));
    assert.deepEqual(await diffUpgrade(ctx, upgradeRequest({ clusterOnly: true }), options), []);
    // No values: the last ones are kept, as upgrade does.
    assert.deepEqual(await diffUpgrade(ctx, upgradeRequest(), options), []);
  });

  test('objects the new revision drops are shown as removed', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    const diffs = await diffUpgrade(ctx, upgradeRequest({ clusterOnly: true }), options);
    assert.ok(diffs.length > 1);
    assert.ok(diffs.every((d) => d.change === 'removed'));
    assert.ok(diffs.some((d) => d.kind === 'Deployment' && d.name === 'ray-operator'));
    const clusterRole = diffs.find((d) => d.kind === 'ClusterRole');
    assert.ok(clusterRole && clusterRole.namespace === undefined, 'cluster-scoped: no namespace');
    assert.ok(changedLines(diffs[0]!.diff).every((l) => l.startsWith('-')));
  });

  test('refuses what upgrade refuses: a missing release', async () => {
    const ctx = memoryContext();
    await assert.rejects(diffUpgrade(ctx, upgradeRequest(), options), /release "c1" not found/);
  });
});

describe('diff install', () => {
  test('everything is new, whether or not the cluster serves RayClusters yet', async () => {
    const ctx = memoryContext();
    // No CRD yet: the RayCluster is shown as rendered.
    const unserved = await diffInstall(ctx, installRequest({ clusterOnly: true }), options);
    assert.deepEqual(
      unserved.map((d) => [d.kind, d.change]),
      [['RayCluster', 'added']],
    );
    // Another release brought the CRD: the RayCluster is what a dry-run apply makes of it.
    await install(ctx, { ...installRequest({ clusterOnly: true }), release: { name: 'x', namespace: 'other' } });
    const diffs = await diffInstall(ctx, installRequest({ clusterOnly: true }), options);
    assert.deepEqual(
      diffs.map((d) => [d.kind, d.namespace, d.change]),
      [['RayCluster', NS, 'added']],
    );
    assert.match(diffs[0]!.diff, /^\+kind: RayCluster$/m);
    assert.doesNotMatch(diffs[0]!.diff, /resourceVersion|generation/);
    assert.equal(ctx.cluster.find('RayCluster', 'c1', NS), undefined);
    assert.deepEqual(await ctx.store.statuses('c1', NS), {});
  });

  test('an installed release is refused, with the way to diff an upgrade', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ clusterOnly: true }));
    await assert.rejects(diffInstall(ctx, installRequest({ clusterOnly: true }), options), (err: UserError) => {
      assert.match(err.message, /already installed/);
      assert.match(err.hint ?? '', /rayctl diff upgrade c1 -n ray/);
      return true;
    });
  });

  test('an object that no release owns is refused, as install refuses it', async () => {
    const ctx = memoryContext();
    await install(ctx, { ...installRequest({ clusterOnly: true }), release: { name: 'x', namespace: 'other' } });
    await ctx.cluster.create({
      apiVersion: 'cluster.ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'c1', namespace: NS },
    });
    await assert.rejects(
      diffInstall(ctx, installRequest({ clusterOnly: true }), options),
      /RayCluster "c1" in namespace "ray" exists and cannot be imported/,
    );
  });
});

describe('diff rollback', () => {
  test('after an upgrade, shows the upgrade reversed', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ clusterOnly: true }));
    await upgrade(ctx, upgradeRequest({ podTypes: { rayWorkerType: { minWorkers: 1 } } }, { reuseValues: true }));
    const was = await snapshot(ctx);
    const diffs = await diffRollback(ctx, release, undefined, options);
    assert.deepEqual(changedLines(diffs[0]!.diff), ['-      minWorkers: 1', '+      minWorkers: 2']);
    assert.deepEqual(await diffRollback(ctx, release, 2, options), []);
    assert.deepEqual(await snapshot(ctx), was);
    await assert.rejects(diffRollback(ctx, release, 7, options), /has no revision 7/);
  });
});

describe('diffRevision (upgrade --dry-run=server --diff)', () => {
  test("compares a dry run's revision with the last deployed one", async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ clusterOnly: true }));
    const target = await upgrade(
      ctx,
      upgradeRequest({ clusterOnly: true, image: 'rayproject/ray:2.41.0' }, { dryRun: 'server' }),
    );
    const diffs = await diffRevision(ctx, target, options);
    assert.deepEqual(changedLines(diffs[0]!.diff), [
      '-              image: rayproject/ray:2.40.0',
      '+              image: rayproject/ray:2.41.0',
      '-              image: rayproject/ray:2.40.0',
      '+              image: rayproject/ray:2.41.0',
    ]);
  });
});
