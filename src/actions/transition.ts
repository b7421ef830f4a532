import { parseManifest } from '../chart/manifest.ts';
import type { RenderedObject } from '../chart/objects.ts';
import { nextVersion, revisionsToPrune } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import { ReleaseConflictError, type StoredRevision } from '../release/store.ts';
import type { ReleaseContext } from './context.ts';
import { allInOrder, applyObjects, checkAllOwnership, deleteObjects, removedObjects } from './deploy.ts';
import { PendingOperation } from './operation.ts';
import { waitForReady } from './wait.ts';

/** How the objects are changed and what is waited for; the same for install, upgrade and rollback. */
export interface TransitionOptions {
  wait: boolean;
  timeoutMs: number;
  /** Take over fields another field manager set (--force-conflicts). */
  force: boolean;
  /** Revisions kept per release once the new one is written (0 = all). */
  historyMax: number;
}

export interface Transition {
  /** The new revision, written pending-install/-upgrade/-rollback before anything else changes. */
  pending: Release;
  /**
   * The release's revisions as read before the change, with their record versions: what is pruned under historyMax
   * and what is superseded once the new revision is deployed.
   */
  history: readonly StoredRevision[];
  /** What runs now (nothing for an install): objects it has and the target lacks are deleted. */
  from: readonly RenderedObject[];
  /** What the new revision renders, applied in install order. */
  to: readonly RenderedObject[];
  /** Work before the objects are applied, inside the transition (the CRDs an upgrade changes). */
  before?: () => Promise<void>;
  /** The description of the revision once deployed, and of it once failed. */
  deployed: string;
  failed: (err: Error) => string;
  /** Undoes a failed change (--atomic). The revision is already failed when it runs; the original error is kept. */
  undo?: (failed: Release) => Promise<void>;
}

/**
 * Helm's Update(original, target): the one sequence that moves a release to a new revision. The pending revision
 * is written first, then the objects are applied, the ones the target no longer has deleted, readiness waited
 * for, and at last the revision marked deployed while the other deployed revisions are superseded; any failure on
 * the way marks the revision failed (and undoes, with --atomic), so no failure leaves a release pending.
 */
export async function transition(ctx: ReleaseContext, t: Transition, options: TransitionOptions): Promise<Release> {
  const { namespace } = t.pending;
  const pruned = new Set(
    revisionsToPrune(
      t.history.map((stored) => stored.release),
      options.historyMax,
    ),
  );
  const operation = await PendingOperation.begin(ctx, t.pending, [...pruned]);
  try {
    await t.before?.();
    await applyObjects(ctx, t.to, { force: options.force });
    await deleteObjects(ctx, removedObjects(t.from, t.to, namespace));
    if (options.wait)
      await waitForReady(
        ctx,
        t.to.map((o) => o.object),
        options.timeoutMs,
      );
    // Helm supersedes, then deploys: two round trips. At once, they cost one, and every outcome still reads right:
    // of two deployed revisions the newest is the release, and a failure of either write ends this one failed.
    await allInOrder([
      operation.record('deployed', t.deployed),
      supersede(
        ctx,
        t.history.filter((stored) => !pruned.has(stored.release)),
        t.pending,
      ),
    ] as const);
  } catch (err) {
    const failed = await operation.finish('failed', t.failed(err as Error));
    if (t.undo) {
      try {
        await t.undo(failed);
      } catch (undoErr) {
        ctx.progress.warn(`--atomic: undoing failed too: ${(undoErr as Error).message}`);
      }
    }
    throw err;
  }
  await operation.end();
  return operation.release;
}

/**
 * Marks every deployed revision other than `newRevision` superseded, as Helm does once a new one is deployed. It
 * works from the history read at the start, which saves a list call on every upgrade and rollback; only when another
 * writer changed one of those revisions since is the history read again.
 */
async function supersede(ctx: ReleaseContext, history: readonly StoredRevision[], newRevision: Release): Promise<void> {
  const supersedeIn = async (revisions: readonly StoredRevision[]): Promise<void> => {
    for (const stored of revisions) {
      const r = stored.release;
      if (r.version !== newRevision.version && r.info.status === 'deployed') {
        await ctx.storage.update(stored, { ...r, info: { ...r.info, status: 'superseded' } });
      }
    }
  };
  try {
    await supersedeIn(history);
  } catch (err) {
    if (!(err instanceof ReleaseConflictError)) throw err;
    await supersedeIn(await ctx.storage.history(newRevision.name, newRevision.namespace));
  }
}

/**
 * Helm's rollback: a new revision that copies `target`'s chart, values and manifest, applied over what runs now
 * (`current`). The rollback command and --atomic upgrades both restore this way.
 */
export async function restore(
  ctx: ReleaseContext,
  history: readonly StoredRevision[],
  current: Release,
  target: Release,
  options: TransitionOptions,
): Promise<Release> {
  const to = parseManifest(target.manifest, target.namespace);
  await checkAllOwnership(ctx, target, to);
  return transition(
    ctx,
    {
      pending: {
        ...target,
        version: nextVersion(history.map((stored) => stored.release)),
        info: {
          ...target.info,
          first_deployed: current.info.first_deployed,
          last_deployed: ctx.now().toISOString(),
          deleted: '',
          status: 'pending-rollback',
          description: `Rollback to ${target.version}`,
        },
      },
      history,
      from: parseManifest(current.manifest, current.namespace),
      to,
      deployed: `Rollback to ${target.version}`,
      failed: (err) => `Rollback "${target.name}" failed: ${err.message}`,
    },
    options,
  );
}
