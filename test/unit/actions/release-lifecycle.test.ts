// The release state machine (pending → deployed / failed / superseded), on in-memory fakes of the cluster and the
// release store, as Helm tests its actions on its memory driver. The same sequences run against a real API server
// in test/e2e/releases-*.test.ts; here each rule and failure path is taken one at a time, in milliseconds.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { ReleaseContext } from '../../../src/actions/context.ts';
import { install, type InstallRequest } from '../../../src/actions/install.ts';
import { rollbackTo } from '../../../src/actions/rollback.ts';
import { uninstall } from '../../../src/actions/uninstall.ts';
import { upgrade, type UpgradeRequest } from '../../../src/actions/upgrade.ts';
import { ReleaseNotFoundError } from '../../../src/release/history.ts';
import type { CompiledChart } from '../../../src/chart/compile.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { Values } from '../../../src/chart/tree.ts';
import { ReleaseConflictError } from '../../../src/release/store.ts';
import * as requests from '../../fixtures/deploy-requests.ts';
import { memoryContext } from '../fakes/release-context.ts';

const NS = 'ray';
/** The chart's operatorNamespace default. */
const OPERATOR_NS = 'default';
const release = { name: 'c1', namespace: NS };
let chart: CompiledChart;
before(async () => {
  chart = await loadBuiltinChart();
});

const installRequest = (userValues: Values = {}, extra: Partial<InstallRequest> = {}) =>
  requests.installRequest({ release, chart }, userValues, extra);
const upgradeRequest = (userValues: Values = {}, extra: Partial<UpgradeRequest> = {}) =>
  requests.upgradeRequest({ release, chart }, userValues, extra);

const rollbackOptions = { wait: false, timeoutMs: 1_000, force: false, historyMax: 10 };

/** The RayCluster's upscaling speed as live in the cluster: the value the tests change between revisions. */
function liveUpscalingSpeed(ctx: ReturnType<typeof memoryContext>): unknown {
  return (ctx.cluster.find('RayCluster', 'c1', NS)?.spec as { upscalingSpeed?: number } | undefined)?.upscalingSpeed;
}

const failApplyOf = (kind: string) => (call: { verb: string; kind: string }) =>
  call.verb === 'apply' && call.kind === kind ? new Error(`${kind} refused by the fake API server`) : undefined;

describe('install', () => {
  test('writes revision 1 pending before any object, then marks it deployed', async () => {
    const ctx = memoryContext();
    let appliedBeforeRecord = -1;
    const create = ctx.store.create.bind(ctx.store);
    ctx.store.create = async (release) => {
      appliedBeforeRecord = ctx.cluster.calls.filter((c) => c.verb === 'apply').length;
      return create(release);
    };
    const installed = await install(ctx, installRequest());
    assert.equal(appliedBeforeRecord, 0);
    assert.equal(installed.info.status, 'deployed');
    assert.equal(installed.info.description, 'Install complete');
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed' });
    assert.ok(ctx.cluster.find('RayCluster', 'c1', NS));
    assert.ok(ctx.cluster.find('Deployment', 'ray-operator', OPERATOR_NS));
    assert.ok(ctx.progress.lines.includes('info: created namespace ray'));
  });

  test('a failed apply marks the revision failed and keeps what was applied', async () => {
    const ctx = memoryContext();
    ctx.cluster.failOn = failApplyOf('RayCluster');
    await assert.rejects(install(ctx, installRequest()), /RayCluster refused/);
    const [stored] = await ctx.store.history('c1', NS);
    assert.equal(stored?.release.info.status, 'failed');
    assert.match(stored?.release.info.description ?? '', /^Release "c1" failed: RayCluster refused/);
    assert.ok(ctx.cluster.find('Deployment', 'ray-operator', OPERATOR_NS), 'without --atomic nothing is undone');
  });

  test('--atomic uninstalls what it applied and leaves no record', async () => {
    const ctx = memoryContext();
    ctx.cluster.failOn = failApplyOf('RayCluster');
    await assert.rejects(install(ctx, installRequest({}, { atomic: true })), /RayCluster refused/);
    assert.deepEqual(await ctx.store.history('c1', NS), []);
    assert.equal(ctx.cluster.find('Deployment', 'ray-operator', OPERATOR_NS), undefined);
    assert.ok(ctx.progress.lines.some((l) => l.startsWith('warn: --atomic: uninstalling')));
  });

  test('refuses a name in use, and --replace installs over an uninstalled one as the next revision', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    await assert.rejects(install(ctx, installRequest()), /cannot re-use a name that is still in use.*deployed/);
    await uninstall(ctx, {
      release,
      keepHistory: true,
      wait: false,
      timeoutMs: 1_000,
      deleteCrds: false,
      withClusters: false,
      force: false,
    });
    await assert.rejects(
      install(ctx, installRequest()),
      (err: Error & { hint?: string }) => /is uninstalled/.test(err.message) && /add --replace/.test(err.hint ?? ''),
    );
    const replaced = await install(ctx, installRequest({}, { replace: true }));
    assert.equal(replaced.version, 2);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'uninstalled', 2: 'deployed' });
  });

  test('two installs of one name at once: one wins, the other loses with a conflict before changing anything', async () => {
    const ctx = memoryContext();
    const results = await Promise.allSettled([install(ctx, installRequest()), install(ctx, installRequest())]);
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(lost.length, 1);
    assert.ok((lost[0] as PromiseRejectedResult).reason instanceof ReleaseConflictError);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed' });
  });
});

describe('upgrade', () => {
  async function installed(): Promise<ReturnType<typeof memoryContext>> {
    const ctx = memoryContext();
    await install(ctx, installRequest({ upscalingSpeed: 3 }));
    return ctx;
  }

  test('deploys the new revision and supersedes the previous one', async () => {
    const ctx = await installed();
    const upgraded = await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }));
    assert.equal(upgraded.version, 2);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'deployed' });
    assert.equal(liveUpscalingSpeed(ctx), 5);
    assert.equal(upgraded.info.first_deployed, (await ctx.store.get('c1', NS, 1))?.release.info.first_deployed);
  });

  test('deletes what the new revision no longer renders, except objects marked keep', async () => {
    const ctx = await installed();
    const bundle = ctx.cluster.find('ConfigMap', 'ray-operator-bundle', OPERATOR_NS)!;
    bundle.metadata.annotations = { ...bundle.metadata.annotations, 'helm.sh/resource-policy': 'keep' };
    await upgrade(ctx, upgradeRequest({ clusterOnly: true }));
    assert.equal(ctx.cluster.find('Deployment', 'ray-operator', OPERATOR_NS), undefined);
    assert.ok(ctx.cluster.find('ConfigMap', 'ray-operator-bundle', OPERATOR_NS));
    assert.ok(ctx.cluster.find('RayCluster', 'c1', NS));
  });

  test('a failure marks the new revision failed; --atomic then restores the last deployed one', async () => {
    const ctx = await installed();
    ctx.cluster.failOn = failApplyOf('RayCluster');
    await assert.rejects(upgrade(ctx, upgradeRequest({ upscalingSpeed: 5, clusterOnly: true })), /RayCluster refused/);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed', 2: 'failed' });

    const atomic = await installed();
    atomic.cluster.failOn = (call) =>
      call.verb === 'apply' &&
      call.kind === 'RayCluster' &&
      atomic.cluster.calls.filter((c) => c.kind === 'RayCluster' && c.verb === 'apply').length === 2
        ? new Error('RayCluster refused by the fake API server')
        : undefined;
    await assert.rejects(
      upgrade(atomic, upgradeRequest({ upscalingSpeed: 5, clusterOnly: true }, { atomic: true })),
      /RayCluster refused/,
    );
    assert.deepEqual(await atomic.store.statuses('c1', NS), { 1: 'superseded', 2: 'failed', 3: 'deployed' });
    assert.equal((await atomic.store.get('c1', NS, 3))?.release.info.description, 'Rollback to 1');
    assert.equal(liveUpscalingSpeed(atomic), 3);
    // The restore applies revision 1 over what the failed upgrade left: the operator it deleted comes back.
    assert.ok(atomic.cluster.find('Deployment', 'ray-operator', OPERATOR_NS));
  });

  test('marks the new revision deployed while it supersedes the old one: both writes in flight at once', async () => {
    const ctx = await installed();
    const update = ctx.store.update.bind(ctx.store);
    let inFlight = 0;
    const atStart: Record<string, number> = {};
    ctx.store.update = async (stored, next) => {
      atStart[next.info.status] = inFlight++;
      // A slow API server: a write that waits for the other starts only after it has ended.
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        return await update(stored, next);
      } finally {
        inFlight--;
      }
    };
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }));
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'deployed' });
    assert.equal(Math.max(atStart.deployed!, atStart.superseded!), 1);
  });

  test('a failure while superseding still ends the revision failed, never pending', async () => {
    const ctx = await installed();
    const update = ctx.store.update.bind(ctx.store);
    ctx.store.update = async (stored, next) => {
      if (next.info.status === 'superseded') throw new Error('store unavailable');
      return update(stored, next);
    };
    await assert.rejects(upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 })), /store unavailable/);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed', 2: 'failed' });
  });

  test('refuses while a revision is pending; --recover marks it failed once no process holds its lease', async () => {
    const ctx = await installed();
    const [first] = await ctx.store.history('c1', NS);
    await ctx.store.create({
      ...first!.release,
      version: 2,
      info: { ...first!.release.info, status: 'pending-upgrade' },
    });
    await assert.rejects(upgrade(ctx, upgradeRequest({ upscalingSpeed: 4 })), /another operation is in progress/);

    // A live heartbeat (renewed "now") means the writer is still running.
    await ctx.cluster.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'rayctl.release.c1', namespace: NS },
      spec: { holderIdentity: 'host/123', renewTime: ctx.now().toISOString(), leaseDurationSeconds: 15 },
    });
    await assert.rejects(
      upgrade(ctx, upgradeRequest({ upscalingSpeed: 4 }, { recover: true })),
      /still being worked on by rayctl host\/123/,
    );

    await ctx.cluster.delete({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'rayctl.release.c1', namespace: NS },
    });
    // No heartbeat, but the revision is younger than a lease: its writer renews only 5 s in, so it may be alive.
    await assert.rejects(
      upgrade(ctx, upgradeRequest({ upscalingSpeed: 4 }, { recover: true })),
      /revision 2 of "c1" was written \d+ s ago and may still be in progress/,
    );
    const written = Date.parse(first!.release.info.last_deployed);
    ctx.now = () => new Date(written + 16_000);
    const recovered = await upgrade(ctx, upgradeRequest({ upscalingSpeed: 4 }, { recover: true }));
    assert.equal(recovered.version, 3);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'failed', 3: 'deployed' });
  });

  test('keeps at most --history-max revisions, never dropping the last deployed one', async () => {
    const ctx = await installed();
    for (let workers = 4; workers <= 8; workers++)
      await upgrade(ctx, upgradeRequest({ upscalingSpeed: workers }, { historyMax: 3 }));
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 4: 'superseded', 5: 'superseded', 6: 'deployed' });

    // A failed latest revision: the deployed one survives pruning although it is the oldest.
    ctx.cluster.failOn = failApplyOf('RayCluster');
    await assert.rejects(upgrade(ctx, upgradeRequest({ upscalingSpeed: 9 }, { historyMax: 2 })));
    await assert.rejects(upgrade(ctx, upgradeRequest({ upscalingSpeed: 9 }, { historyMax: 2 })));
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 6: 'deployed', 8: 'failed' });
  });

  test('an unknown release is ReleaseNotFoundError, which upgrade --install turns into an install', async () => {
    const ctx = memoryContext();
    await assert.rejects(upgrade(ctx, upgradeRequest()), ReleaseNotFoundError);
  });

  test('--dry-run writes nothing', async () => {
    const ctx = await installed();
    const before = ctx.cluster.calls.length;
    const dry = await upgrade(ctx, upgradeRequest({ upscalingSpeed: 9 }, { dryRun: 'client' }));
    assert.equal(dry.info.description, 'Dry run complete');
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed' });
    assert.equal(ctx.cluster.calls.length, before);
  });
});

describe('rollback', () => {
  async function twoRevisions(): Promise<ReturnType<typeof memoryContext>> {
    const ctx = memoryContext();
    await install(ctx, installRequest({ upscalingSpeed: 3 }));
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }));
    return ctx;
  }

  test('restores the previous revision as a new one', async () => {
    const ctx = await twoRevisions();
    const restored = await rollbackTo(ctx, release, undefined, rollbackOptions);
    assert.equal(restored.version, 3);
    assert.equal(restored.info.description, 'Rollback to 1');
    assert.deepEqual(restored.config, { upscalingSpeed: 3 });
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'superseded', 3: 'deployed' });
    assert.equal(liveUpscalingSpeed(ctx), 3);
  });

  test('resolves a pending revision: it becomes failed and the rollback goes ahead', async () => {
    const ctx = await twoRevisions();
    const [, second] = await ctx.store.history('c1', NS);
    await ctx.store.create({
      ...second!.release,
      version: 3,
      info: { ...second!.release.info, status: 'pending-upgrade' },
    });
    await rollbackTo(ctx, release, 2, rollbackOptions);
    assert.deepEqual(await ctx.store.statuses('c1', NS), {
      1: 'superseded',
      2: 'superseded',
      3: 'failed',
      4: 'deployed',
    });
  });

  test('names the revisions when the one asked for does not exist', async () => {
    const ctx = await twoRevisions();
    await assert.rejects(rollbackTo(ctx, release, 7, rollbackOptions), /has no revision 7/);
    await assert.rejects(rollbackTo(ctx, { name: 'nope', namespace: NS }, undefined, rollbackOptions), /not found/);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'deployed' });
  });
});

describe('uninstall', () => {
  const uninstallRequest = { release, keepHistory: false, wait: false, timeoutMs: 1_000, deleteCrds: false };
  const request = { ...uninstallRequest, withClusters: false, force: false };

  test('--dry-run names what would go and changes nothing', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    const objectsBefore = [...ctx.cluster.objects.keys()].sort();
    const result = await uninstall(ctx, { ...request, dryRun: true });
    assert.ok(result.deleted.some((o) => o.kind === 'RayCluster' && o.metadata.name === 'c1'));
    assert.deepEqual([...ctx.cluster.objects.keys()].sort(), objectsBefore);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'deployed' });
  });

  test('marks the release uninstalling before it deletes anything', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    const before = ctx.cluster.calls.length;
    const deletes = () => ctx.cluster.calls.slice(before).filter((c) => c.verb === 'delete').length;
    const marks: { status: string; deletesBefore: number }[] = [];
    const update = ctx.store.update.bind(ctx.store);
    ctx.store.update = async (stored, next) => {
      // A slow API server: whatever does not wait for the mark would delete first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const updated = await update(stored, next);
      marks.push({ status: next.info.status, deletesBefore: deletes() });
      return updated;
    };
    await uninstall(ctx, { ...request, keepHistory: true });
    assert.deepEqual(marks[0], { status: 'uninstalling', deletesBefore: 0 });
    assert.ok(deletes() > 0);
    assert.equal(marks.at(-1)?.status, 'uninstalled');
  });

  test("helm's --cascade reaches every delete; --description is recorded on the kept history", async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    const before = ctx.cluster.calls.length;
    await uninstall(ctx, { ...request, keepHistory: true, propagation: 'Orphan', description: 'moved to ray-2' });
    const deletes = ctx.cluster.calls.slice(before).filter((c) => c.verb === 'delete');
    assert.ok(deletes.length > 0);
    assert.deepEqual(new Set(deletes.map((c) => c.propagation)), new Set(['Orphan']));
    const [kept] = await ctx.storage.history('c1', NS);
    assert.equal(kept?.release.info.status, 'uninstalled');
    assert.equal(kept?.release.info.description, 'moved to ray-2');
  });
});

describe('history reads', () => {
  /** Counts the store's history() calls from here on. */
  function countHistoryReads(ctx: ReturnType<typeof memoryContext>): { count: number } {
    const reads = { count: 0 };
    const history = ctx.store.history.bind(ctx.store);
    ctx.store.history = async (name, namespace) => {
      reads.count++;
      return history(name, namespace);
    };
    return reads;
  }

  test('upgrade and rollback read the history once: superseding works from that read', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ upscalingSpeed: 3 }));
    const reads = countHistoryReads(ctx);
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }));
    assert.equal(reads.count, 1);
    await rollbackTo(ctx, release, 1, rollbackOptions);
    assert.equal(reads.count, 2);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'superseded', 3: 'deployed' });
  });

  test('a deployed revision another writer changed during an upgrade is read again and still superseded', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ upscalingSpeed: 3 }));
    const create = ctx.store.create.bind(ctx.store);
    ctx.store.create = async (pending) => {
      const created = await create(pending);
      // Another writer edits revision 1 after the upgrade read it: the upgrade's copy is stale from here on.
      const [first] = await ctx.store.history('c1', NS);
      await ctx.store.update(first!, { ...first!.release, info: { ...first!.release.info, description: 'edited' } });
      return created;
    };
    const reads = countHistoryReads(ctx);
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }));
    // The upgrade's own read, the other writer's, and the upgrade's read again after its update lost.
    assert.equal(reads.count, 3);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 1: 'superseded', 2: 'deployed' });
    assert.equal((await ctx.store.get('c1', NS, 1))?.release.info.description, 'edited');
  });

  test('superseding leaves alone the deployed revisions pruned under --history-max', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest({ upscalingSpeed: 3 }));
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 4 }));
    // Two deployed revisions, as a crash between deploying and superseding leaves them: the older one is pruned.
    const first = await ctx.store.get('c1', NS, 1);
    await ctx.store.update(first!, { ...first!.release, info: { ...first!.release.info, status: 'deployed' } });
    const reads = countHistoryReads(ctx);
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 5 }, { historyMax: 2 }));
    assert.equal(reads.count, 1);
    assert.deepEqual(await ctx.store.statuses('c1', NS), { 2: 'superseded', 3: 'deployed' });
  });
});

describe('concurrent writers', () => {
  test('an update of a revision another writer changed loses with a conflict', async () => {
    const ctx: ReleaseContext & ReturnType<typeof memoryContext> = memoryContext();
    await install(ctx, installRequest());
    const [read] = await ctx.store.history('c1', NS);
    await ctx.store.update(read!, { ...read!.release, info: { ...read!.release.info, description: 'changed' } });
    await assert.rejects(ctx.store.update(read!, read!.release), ReleaseConflictError);
  });
});

describe('the heartbeat of a running change', () => {
  const leaseCalls = (ctx: ReturnType<typeof memoryContext>) =>
    ctx.cluster.calls.filter((c) => c.kind === 'Lease').map((c) => `${c.verb} ${c.name}`);

  test('a change that ends before the first renewal makes no Lease calls', async () => {
    const ctx = memoryContext();
    await install(ctx, installRequest());
    await upgrade(ctx, upgradeRequest({ upscalingSpeed: 3 }));
    assert.deepEqual(leaseCalls(ctx), []);
  });
});
