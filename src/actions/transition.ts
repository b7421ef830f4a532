import { parseManifest } from '../chart/manifest.ts';
import type { RenderedObject } from '../chart/objects.ts';
import { nextVersion } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { StoredRevision } from '../release/store.ts';
import type { ReleaseContext } from './context.ts';
import { applyObjects, checkAllOwnership, deleteObjects, removedObjects } from './deploy.ts';
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
  /** The release's revisions as read before the change, for pruning under historyMax. */
  history: readonly Release[];
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
 * for, and the other deployed revisions superseded; any failure on the way marks the revision failed (and
 * undoes, with --atomic), so no failure leaves a release pending.
 */
export async function transition(ctx: ReleaseContext, t: Transition, options: TransitionOptions): Promise<Release> {
  const { name, namespace } = t.pending;
  const operation = await PendingOperation.begin(ctx, t.pending, {
    history: t.history,
    historyMax: options.historyMax,
  });
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
    // Read again: pruning and other writers changed the history since it was read. A first install has nothing to
    // supersede: a revision another writer made since would have taken our revision's name and failed this one.
    if (t.history.length > 0) await supersede(ctx, await ctx.storage.history(name, namespace), t.pending.version);
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
  return operation.finish('deployed', t.deployed);
}

/** Marks every deployed revision other than `version` superseded, as Helm does once a new one is deployed. */
async function supersede(ctx: ReleaseContext, history: readonly StoredRevision[], version: number): Promise<void> {
  for (const stored of history) {
    const r = stored.release;
    if (r.version !== version && r.info.status === 'deployed') {
      await ctx.storage.update(stored, { ...r, info: { ...r.info, status: 'superseded' } });
    }
  }
}

/**
 * Helm's rollback: a new revision that copies `target`'s chart, values and manifest, applied over what runs now
 * (`current`). The rollback command and --atomic upgrades both restore this way.
 */
export async function restore(
  ctx: ReleaseContext,
  history: readonly Release[],
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
        version: nextVersion(history),
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
