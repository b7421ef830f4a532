import { parseManifest } from '../chart/manifest.ts';
import type { ReleaseRef } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { assertNoOperationInProgress, lastDeployed, latest, nextVersion } from '../release/history.ts';
import { isPending, type Release } from '../release/model.ts';
import type { ActionContext } from './context.ts';
import { applyObjects, checkAllOwnership, deleteObjects, removedObjects } from './deploy.ts';
import { PendingOperation } from './operation.ts';
import { supersede } from './upgrade.ts';
import { waitForReady } from './wait.ts';

export interface RollbackOptions {
  wait: boolean;
  timeoutMs: number;
  force: boolean;
  historyMax?: number;
}

/**
 * Helm's rollback: a new revision that copies revision N's chart, values and manifest, applied over what runs now.
 * Without N, the revision before the current one. A rollback is also how a pending-* release is resolved.
 */
export async function rollbackTo(
  ctx: ActionContext,
  ref: ReleaseRef,
  version: number | undefined,
  options: RollbackOptions,
): Promise<Release> {
  const history = await ctx.storage.history(ref.name, ref.namespace);
  const releases = history.map((r) => r.release);
  const last = latest(releases);
  if (!last)
    throw new UserError(
      `release "${ref.name}" not found in namespace "${ref.namespace}"`,
      'list releases with `rayctl list -A`',
    );
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
    const stored = history.at(-1)!;
    await ctx.storage.update(stored, {
      ...last,
      info: { ...last.info, status: 'failed', description: `${last.info.description}; superseded by a rollback` },
    });
  }
  const current = lastDeployed(releases) ?? last;
  const targetObjects = parseManifest(target.manifest, target.namespace);
  await checkAllOwnership(ctx, ref, targetObjects);
  const now = ctx.now().toISOString();
  const operation = await PendingOperation.begin(
    ctx,
    {
      ...target,
      version: nextVersion(releases),
      info: {
        ...target.info,
        first_deployed: current.info.first_deployed,
        last_deployed: now,
        deleted: '',
        status: 'pending-rollback',
        description: `Rollback to ${targetVersion}`,
      },
    },
    { history: releases, historyMax: options.historyMax ?? 10 },
  );
  try {
    await applyObjects(ctx, targetObjects, { force: options.force });
    await deleteObjects(
      ctx,
      removedObjects(parseManifest(current.manifest, current.namespace), targetObjects, ref.namespace),
    );
    if (options.wait)
      await waitForReady(
        ctx,
        targetObjects.map((o) => o.object),
        options.timeoutMs,
      );
  } catch (err) {
    await operation.finish('failed', `Rollback "${ref.name}" failed: ${(err as Error).message}`);
    throw err;
  }
  await supersede(ctx, await ctx.storage.history(ref.name, ref.namespace), operation.release.version);
  return operation.finish('deployed', `Rollback to ${targetVersion}`);
}
