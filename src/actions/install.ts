import type { CompiledChart } from '../chart/compile.ts';
import type { ReleaseRef } from '../chart/objects.ts';
import { toManifest } from '../chart/render.ts';
import type { Values } from '../chart/tree.ts';
import { UserError } from '../errors.ts';
import { storedChart } from '../release/chart-record.ts';
import { latest, nextVersion } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { ActionContext } from './context.ts';
import { allInOrder, applyObjects, checkAllOwnership, ensureCrds, ensureNamespace } from './deploy.ts';
import { PendingOperation } from './operation.ts';
import { checkOperatorConflict, findOperators, renderedOperator, serves } from './operators.ts';
import { renderRelease, type RenderedRelease } from './render.ts';
import { uninstallObjects } from './uninstall.ts';
import { waitForReady } from './wait.ts';

export type DryRun = 'none' | 'client' | 'server';

export interface InstallRequest {
  release: ReleaseRef;
  chart: CompiledChart;
  userValues: Values;
  createNamespace: boolean;
  wait: boolean;
  timeoutMs: number;
  atomic: boolean;
  dryRun: DryRun;
  description?: string;
  skipCrds: boolean;
  replace: boolean;
  historyMax: number;
  forceConflicts: boolean;
}

/** A release record as Helm writes it, for a new revision. */
export function newRevision(
  request: { release: ReleaseRef; chart: CompiledChart; userValues: Values },
  rendered: RenderedRelease,
  fields: {
    version: number;
    status: Release['info']['status'];
    description: string;
    firstDeployed?: string;
    now: Date;
  },
): Release {
  const now = fields.now.toISOString();
  return {
    name: request.release.name,
    namespace: request.release.namespace,
    version: fields.version,
    info: {
      first_deployed: fields.firstDeployed ?? now,
      last_deployed: now,
      deleted: '',
      description: fields.description,
      status: fields.status,
      notes: rendered.notes,
    },
    chart: storedChart(request.chart.chart),
    config: request.userValues,
    manifest: toManifest(rendered.objects),
    hooks: [],
    apply_method: 'ssa',
  };
}

/**
 * Helm's install: revision 1 (or the next, with --replace) is written pending-install with its manifest first, then
 * CRDs, then the objects by server-side apply, then deployed or failed. Refusals happen before anything is written.
 */
export async function install(ctx: ActionContext, request: InstallRequest): Promise<Release> {
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
  // One request first: its TLS session lets the concurrent checks' new connections resume instead of handshaking.
  const history = (await ctx.storage.history(release.name, release.namespace)).map((r) => r.release);
  await allInOrder([
    checkOperators(ctx, request, rendered),
    request.createNamespace ? Promise.resolve() : ensureNamespace(ctx, release.namespace, false),
    checkAllOwnership(ctx, release, rendered.objects),
  ] as const);
  const last = latest(history);
  if (last && !(request.replace && (last.info.status === 'uninstalled' || last.info.status === 'failed'))) {
    throw new UserError(
      `cannot re-use a name that is still in use: release "${release.name}" in namespace "${release.namespace}" is ${last.info.status} (revision ${last.version})`,
      last.info.status === 'uninstalled' || last.info.status === 'failed'
        ? `add --replace to install over it, or \`rayctl upgrade ${release.name} -n ${release.namespace}\``
        : `change it with \`rayctl upgrade ${release.name} -n ${release.namespace}\`, or choose another name`,
    );
  }
  const objects = rendered.objects.map((o) => o.object);
  if (request.dryRun === 'server') {
    const servable = [];
    for (const o of rendered.objects)
      if (await ctx.objects.discovery.find(o.object.apiVersion, o.object.kind)) servable.push(o);
    await applyObjects(ctx, servable, { dryRun: true, force: request.forceConflicts });
    return newRevision(request, rendered, {
      version: nextVersion(history),
      status: 'pending-install',
      description: 'Dry run complete',
      now: ctx.now(),
    });
  }
  if (request.createNamespace) await ensureNamespace(ctx, release.namespace, true);
  const operation = await PendingOperation.begin(
    ctx,
    newRevision(request, rendered, {
      version: nextVersion(history),
      status: 'pending-install',
      description: 'Initial install underway',
      now: ctx.now(),
    }),
    { history, historyMax: request.historyMax },
  );
  try {
    if (!request.skipCrds) await ensureCrds(ctx, rendered.crds);
    await applyObjects(ctx, rendered.objects, { force: request.forceConflicts });
    if (request.wait) await waitForReady(ctx, objects, request.timeoutMs);
  } catch (err) {
    const failed = await operation.finish('failed', `Release "${release.name}" failed: ${(err as Error).message}`);
    if (request.atomic) {
      ctx.progress.warn('--atomic: uninstalling what was installed');
      await uninstallObjects(ctx, failed);
      for (const revision of [...history, failed])
        await ctx.storage.delete(revision.name, revision.namespace, revision.version);
    }
    throw err;
  }
  return operation.finish('deployed', request.description ?? 'Install complete');
}

/**
 * One operator per scope: refuse a second operator whose scope overlaps one that runs, and warn when a cluster-only
 * release lands where no operator will reconcile it.
 */
export async function checkOperators(
  ctx: ActionContext,
  request: { release: ReleaseRef },
  rendered: RenderedRelease,
): Promise<void> {
  let operators;
  try {
    operators = await findOperators(ctx);
  } catch (err) {
    ctx.progress.warn(`cannot check for other Ray operators: ${(err as Error).message}`);
    return;
  }
  const wanted = renderedOperator(rendered.objects.map((o) => o.object));
  if (wanted) {
    checkOperatorConflict(wanted, operators, request.release);
    return;
  }
  const hasCluster = rendered.objects.some((o) => o.object.kind === 'RayCluster');
  if (hasCluster && !operators.some((o) => serves(o, request.release.namespace))) {
    ctx.progress.warn(
      `no Ray operator serves namespace "${request.release.namespace}": nothing will run RayCluster "${request.release.name}" until one is installed ` +
        `(rayctl install ray-operator --operator-only, or run \`rayctl operator\`)`,
    );
  }
}
