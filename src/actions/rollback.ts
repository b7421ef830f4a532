import type { ReleaseRef } from '../chart/objects.ts';
import { assertNoOperationInProgress, lastDeployed, nextVersion, rollbackTarget } from '../release/history.ts';
import { isPending, type Release } from '../release/model.ts';
import { parseManifest } from '../chart/manifest.ts';
import type { ReleaseContext } from './context.ts';
import { applyObjects, checkAllOwnership } from './deploy.ts';
import { restore, type TransitionOptions } from './transition.ts';

/**
 * Helm's rollback: restores revision N (without N, the one before the current revision) as a new revision. A
 * rollback is also how a pending-* release is resolved: the pending revision is marked failed first.
 */
export async function rollbackTo(
  ctx: ReleaseContext,
  ref: ReleaseRef,
  version: number | undefined,
  options: TransitionOptions & { dryRun?: boolean },
): Promise<Release> {
  const history = await ctx.storage.history(ref.name, ref.namespace);
  const releases = history.map((r) => r.release);
  const { last, target } = rollbackTarget(releases, ref, version);
  // A pending latest revision is what a rollback resolves; anything else in progress must finish first.
  const resolvingPending = isPending(last.info.status);
  if (!resolvingPending) assertNoOperationInProgress(releases);
  if (options.dryRun) return previewRollback(ctx, releases, target, options.force);
  const current = lastDeployed(releases) ?? last;
  let revisions = history;
  if (resolvingPending) {
    const failed = await ctx.storage.update(history.at(-1)!, {
      ...last,
      info: { ...last.info, status: 'failed', description: `${last.info.description}; superseded by a rollback` },
    });
    revisions = [...history.slice(0, -1), failed];
  }
  return restore(ctx, revisions, current, target, options);
}

/**
 * `rollback --dry-run`: the ownership checks and a server-side dry-run apply of the target's objects, and the
 * revision a rollback would write; nothing is written.
 */
async function previewRollback(
  ctx: ReleaseContext,
  releases: readonly Release[],
  target: Release,
  force: boolean,
): Promise<Release> {
  const objects = parseManifest(target.manifest, target.namespace);
  await checkAllOwnership(ctx, target, objects);
  await applyObjects(ctx, objects, { dryRun: true, force });
  return {
    ...target,
    version: nextVersion(releases),
    info: {
      ...target.info,
      last_deployed: ctx.now().toISOString(),
      status: 'pending-rollback',
      description: `Dry run complete (rollback to ${target.version})`,
    },
  };
}
