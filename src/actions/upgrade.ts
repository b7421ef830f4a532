import { parseManifest } from '../chart/manifest.ts';
import type { Values } from '../chart/tree.ts';
import { mergeValues } from '../chart/values.ts';
import {
  assertNoOperationInProgress,
  lastDeployed,
  latest,
  nextVersion,
  ReleaseNotFoundError,
} from '../release/history.ts';
import { isPending, type Release } from '../release/model.ts';
import type { StoredRevision } from '../release/store.ts';
import type { ReleaseContext } from './context.ts';
import { applyCrdChanges, planCrdUpgrade } from './crds.ts';
import type { DeployRequest } from './deploy-request.ts';
import { allInOrder, checkAllOwnership } from './deploy.ts';
import { assertNoLiveOperation } from './operation.ts';
import { checkOperators, renderedOperator } from './operators.ts';
import { newRevision, renderRelease } from './render.ts';
import { restore, transition } from './transition.ts';

export interface UpgradeRequest extends DeployRequest {
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

export async function upgrade(ctx: ReleaseContext, request: UpgradeRequest): Promise<Release> {
  const { release } = request;
  let history = await ctx.storage.history(release.name, release.namespace);
  if (request.recover) history = await recoverPending(ctx, history);
  const releases = history.map((r) => r.release);
  const last = latest(releases);
  if (!last || last.info.status === 'uninstalled') {
    throw new ReleaseNotFoundError(
      release,
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
  // helm merges the labels of an upgrade into the previous revision's; newRevision drops the removed (null) ones.
  const merged = { ...request, userValues, labels: { ...current.labels, ...request.labels } };
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
    checkAllOwnership(ctx, release, rendered.objects, { takeOwnership: Boolean(request.takeOwnership) }),
    request.skipCrds
      ? Promise.resolve([])
      : planCrdUpgrade(ctx, rendered.crds, renderedOperator(rendered.objects.map((o) => o.object)) !== undefined),
  ] as const);
  const options = {
    wait: request.wait,
    timeoutMs: request.timeoutMs,
    force: request.forceConflicts || Boolean(request.takeOwnership),
    historyMax: request.historyMax,
  };
  return transition(
    ctx,
    {
      pending: newRevision(merged, rendered, {
        version: nextVersion(releases),
        status: 'pending-upgrade',
        description: 'Preparing upgrade',
        firstDeployed: current.info.first_deployed,
        now: ctx.now(),
      }),
      history,
      from: parseManifest(current.manifest, current.namespace),
      to: rendered.objects,
      // The CRD first: the new operator may rely on its new fields.
      before: () => applyCrdChanges(ctx, crdChanges),
      deployed: request.description ?? 'Upgrade complete',
      failed: (err) => `Upgrade "${release.name}" failed: ${err.message}`,
      ...(request.atomic && current.info.status === 'deployed'
        ? {
            undo: async (failed: Release) => {
              ctx.progress.warn(`--atomic: rolling back to revision ${current.version}`);
              await restore(ctx, await ctx.storage.history(release.name, release.namespace), failed, current, options);
            },
          }
        : {}),
    },
    options,
  );
}

/** --recover: a pending revision whose writer is gone becomes failed, so the release can move on. */
async function recoverPending(ctx: ReleaseContext, history: StoredRevision[]): Promise<StoredRevision[]> {
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
