import type { ReleaseRef } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { assertNoOperationInProgress, lastDeployed, latest, ReleaseNotFoundError } from '../release/history.ts';
import { isPending, type Release } from '../release/model.ts';
import type { ReleaseContext } from './context.ts';
import { restore, type TransitionOptions } from './transition.ts';

/**
 * Helm's rollback: restores revision N (without N, the one before the current revision) as a new revision. A
 * rollback is also how a pending-* release is resolved: the pending revision is marked failed first.
 */
export async function rollbackTo(
  ctx: ReleaseContext,
  ref: ReleaseRef,
  version: number | undefined,
  options: TransitionOptions,
): Promise<Release> {
  const history = await ctx.storage.history(ref.name, ref.namespace);
  const releases = history.map((r) => r.release);
  const last = latest(releases);
  if (!last) throw new ReleaseNotFoundError(ref);
  // A pending latest revision is what a rollback resolves; anything else in progress must finish first.
  const resolvingPending = isPending(last.info.status);
  if (!resolvingPending) assertNoOperationInProgress(releases);
  const targetVersion = version ?? last.version - 1;
  const target = releases.find((r) => r.version === targetVersion);
  if (!target) {
    throw new UserError(
      version === undefined
        ? `release "${ref.name}" has no revision before ${last.version} to roll back to`
        : `release "${ref.name}" has no revision ${version}`,
      `see the revisions with \`rayctl history ${ref.name} -n ${ref.namespace}\``,
    );
  }
  if (resolvingPending) {
    await ctx.storage.update(history.at(-1)!, {
      ...last,
      info: { ...last.info, status: 'failed', description: `${last.info.description}; superseded by a rollback` },
    });
  }
  return restore(ctx, releases, lastDeployed(releases) ?? last, target, options);
}
