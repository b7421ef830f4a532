import { UserError } from '../errors.ts';
import { latest, nextVersion } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { ReleaseContext } from './context.ts';
import type { DeployRequest } from './deploy-request.ts';
import { allInOrder, applyObjects, checkAllOwnership, deleteObjects, ensureCrds, ensureNamespace } from './deploy.ts';
import { checkOperators } from './operators.ts';
import { newRevision, renderRelease } from './render.ts';
import { transition } from './transition.ts';

export interface InstallRequest extends DeployRequest {
  createNamespace: boolean;
  /** Install over a release whose last revision is uninstalled (history kept) or failed. */
  replace: boolean;
}

/**
 * Helm's install: revision 1 (or the next, with --replace) is written pending-install with its manifest first, then
 * CRDs, then the objects by server-side apply, then deployed or failed. Refusals happen before anything is written.
 */
export async function install(ctx: ReleaseContext, request: InstallRequest): Promise<Release> {
  const { release } = request;
  const rendered = renderRelease(request.chart, release, request.userValues);
  if (request.dryRun === 'client') {
    return newRevision(request, rendered, {
      version: 1,
      status: 'pending-install',
      description: 'Dry run complete',
      now: ctx.now(),
    });
  }
  // The history and the checks at once: what is rendered does not depend on the history, and the calls share one
  // HTTP/2 connection.
  const [stored] = await allInOrder([
    ctx.storage.history(release.name, release.namespace),
    checkOperators(ctx, request, rendered),
    request.createNamespace ? Promise.resolve() : ensureNamespace(ctx, release.namespace, false),
    checkAllOwnership(ctx, release, rendered.objects, { takeOwnership: Boolean(request.takeOwnership) }),
  ] as const);
  const history = stored.map((r) => r.release);
  const last = latest(history);
  if (last && !(request.replace && (last.info.status === 'uninstalled' || last.info.status === 'failed'))) {
    throw new UserError(
      `cannot re-use a name that is still in use: release "${release.name}" in namespace "${release.namespace}" is ${last.info.status} (revision ${last.version})`,
      last.info.status === 'uninstalled' || last.info.status === 'failed'
        ? `add --replace to install over it, or \`rayctl upgrade ${release.name} -n ${release.namespace}\``
        : `change it with \`rayctl upgrade ${release.name} -n ${release.namespace}\`, or choose another name`,
    );
  }
  if (request.dryRun === 'server') {
    const servable = [];
    for (const o of rendered.objects)
      if (await ctx.objects.discovery.find(o.object.apiVersion, o.object.kind)) servable.push(o);
    await applyObjects(ctx, servable, {
      dryRun: true,
      force: request.forceConflicts || Boolean(request.takeOwnership),
    });
    return newRevision(request, rendered, {
      version: nextVersion(history),
      status: 'pending-install',
      description: 'Dry run complete',
      now: ctx.now(),
    });
  }
  if (request.createNamespace) await ensureNamespace(ctx, release.namespace, true);
  return transition(
    ctx,
    {
      pending: newRevision(request, rendered, {
        version: nextVersion(history),
        status: 'pending-install',
        description: 'Initial install underway',
        now: ctx.now(),
      }),
      history: stored,
      from: [],
      to: rendered.objects,
      ...(request.skipCrds ? {} : { before: () => ensureCrds(ctx, rendered.crds) }),
      deployed: request.description ?? 'Install complete',
      failed: (err) => `Release "${release.name}" failed: ${err.message}`,
      ...(request.atomic
        ? {
            undo: async (failed: Release) => {
              ctx.progress.warn('--atomic: uninstalling what was installed');
              await deleteObjects(ctx, rendered.objects);
              for (const revision of [...history, failed])
                await ctx.storage.delete(revision.name, revision.namespace, revision.version);
            },
          }
        : {}),
    },
    {
      wait: request.wait,
      timeoutMs: request.timeoutMs,
      force: request.forceConflicts || Boolean(request.takeOwnership),
      historyMax: request.historyMax,
    },
  );
}
