import { parseManifest } from '../chart/manifest.ts';
import type { Values } from '../chart/tree.ts';
import { mergeValues } from '../chart/values.ts';
import { UserError } from '../errors.ts';
import { assertNoOperationInProgress, lastDeployed, latest, nextVersion } from '../release/history.ts';
import { isPending, type Release } from '../release/model.ts';
import type { StoredRevision } from '../release/storage.ts';
import type { ActionContext } from './context.ts';
import { allInOrder, applyObjects, checkAllOwnership, deleteObjects, removedObjects } from './deploy.ts';
import { applyCrdChanges, planCrdUpgrade } from './crds.ts';
import { checkOperators, install, newRevision, type InstallRequest } from './install.ts';
import { renderedOperator } from './operators.ts';
import { assertNoLiveOperation, PendingOperation } from './operation.ts';
import { renderRelease } from './render.ts';
import { rollbackTo } from './rollback.ts';
import { waitForReady } from './wait.ts';

export interface UpgradeRequest extends InstallRequest {
  /** Install when the release does not exist. */
  install: boolean;
  reuseValues: boolean;
  resetValues: boolean;
  /** Mark a pending revision left by a killed command failed, then upgrade. */
  recover: boolean;
}

/** Helm 3's value rules: --reuse-values merges over the last values, --reset-values drops them, and with neither
 * an upgrade that sets nothing keeps the last values. */
export function upgradeValues(
  request: Pick<UpgradeRequest, 'reuseValues' | 'resetValues'>,
  current: Values,
  supplied: Values,
): Values {
  if (request.resetValues) return supplied;
  if (request.reuseValues) return mergeValues(current, supplied);
  return Object.keys(supplied).length === 0 ? current : supplied;
}

export async function upgrade(ctx: ActionContext, request: UpgradeRequest): Promise<Release> {
  const { release } = request;
  let history = await ctx.storage.history(release.name, release.namespace);
  if (request.recover) history = await recoverPending(ctx, history);
  const releases = history.map((r) => r.release);
  const last = latest(releases);
  if (!last || last.info.status === 'uninstalled') {
    if (request.install) return install(ctx, { ...request, replace: true });
    throw new UserError(
      `release "${release.name}" not found in namespace "${release.namespace}"`,
      `install it with \`rayctl install ${release.name} -n ${release.namespace}\`, or add --install`,
    );
  }
  assertNoOperationInProgress(releases);
  const current = lastDeployed(releases) ?? last;
  const userValues = upgradeValues(request, current.config, request.userValues);
  const dropped = Object.keys(current.config).filter((key) => !(key in userValues));
  if (dropped.length > 0 && !request.resetValues) {
    ctx.progress.warn(
      `values were given without --reuse-values, so the release's last values for ${dropped.join(', ')} are not kept (as in Helm); add --reuse-values to keep them`,
    );
  }
  const rendered = renderRelease(request.chart, release, userValues);
  const merged = { ...request, userValues };
  if (request.dryRun !== 'none') {
    return newRevision(merged, rendered, {
      version: nextVersion(releases),
      status: 'pending-upgrade',
      description: 'Dry run complete',
      now: ctx.now(),
    });
  }
  const [, , crdChanges] = await allInOrder([
    checkOperators(ctx, request, rendered),
    checkAllOwnership(ctx, release, rendered.objects),
    request.skipCrds
      ? Promise.resolve([])
      : planCrdUpgrade(ctx, rendered.crds, renderedOperator(rendered.objects.map((o) => o.object)) !== undefined),
  ] as const);
  const operation = await PendingOperation.begin(
    ctx,
    newRevision(merged, rendered, {
      version: nextVersion(releases),
      status: 'pending-upgrade',
      description: 'Preparing upgrade',
      firstDeployed: current.info.first_deployed,
      now: ctx.now(),
    }),
    { history: releases, historyMax: request.historyMax },
  );
  try {
    // The CRD first: the new operator may rely on its new fields.
    await applyCrdChanges(ctx, crdChanges);
    await applyObjects(ctx, rendered.objects, { force: request.forceConflicts });
    await deleteObjects(
      ctx,
      removedObjects(parseManifest(current.manifest, current.namespace), rendered.objects, release.namespace),
    );
    if (request.wait)
      await waitForReady(
        ctx,
        rendered.objects.map((o) => o.object),
        request.timeoutMs,
      );
  } catch (err) {
    await operation.finish('failed', `Upgrade "${release.name}" failed: ${(err as Error).message}`);
    if (request.atomic && current.info.status === 'deployed') {
      ctx.progress.warn(`--atomic: rolling back to revision ${current.version}`);
      await rollbackTo(ctx, release, current.version, {
        wait: request.wait,
        timeoutMs: request.timeoutMs,
        force: request.forceConflicts,
      });
    }
    throw err;
  }
  await supersede(ctx, history, operation.release.version);
  return operation.finish('deployed', request.description ?? 'Upgrade complete');
}

/** Marks every deployed revision other than `version` superseded, as Helm does once a new one is deployed. */
export async function supersede(
  ctx: ActionContext,
  history: readonly StoredRevision[],
  version: number,
): Promise<void> {
  for (const stored of history) {
    const r = stored.release;
    if (r.version !== version && r.info.status === 'deployed') {
      await ctx.storage.update(stored, { ...r, info: { ...r.info, status: 'superseded' } });
    }
  }
}

/** --recover: a pending revision whose writer is gone becomes failed, so the release can move on. */
async function recoverPending(ctx: ActionContext, history: StoredRevision[]): Promise<StoredRevision[]> {
  const last = history.at(-1);
  if (!last || !isPending(last.release.info.status)) return history;
  await assertNoLiveOperation(ctx, last.release);
  const failed = await ctx.storage.update(last, {
    ...last.release,
    info: {
      ...last.release.info,
      status: 'failed',
      description: `Marked failed by --recover: the operation that left it ${last.release.info.status} is no longer running`,
    },
  });
  ctx.progress.info(`recovered: revision ${last.release.version} was ${last.release.info.status}, now failed`);
  return [...history.slice(0, -1), failed];
}
