import { setTimeout as sleep } from 'node:timers/promises';
import { parseManifest } from '../chart/manifest.ts';
import { describeObject, type KubeObject, type ReleaseRef, type RenderedObject } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { clusterPodSelector } from '../operator/labels.ts';
import { RAYCLUSTER_API } from '../operator/types.ts';
import { latest, ReleaseNotFoundError } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { ReleaseContext } from './context.ts';
import { deleteLive, deleteObjects, readLive, type Propagation } from './deploy.ts';
import { renderedOperator, serves, type OperatorInstance } from './operators.ts';
import { ownerOf } from './ownership.ts';

export interface UninstallRequest {
  release: ReleaseRef;
  keepHistory: boolean;
  wait: boolean;
  timeoutMs: number;
  deleteCrds: boolean;
  /** Uninstall the cluster releases an operator still serves first. */
  withClusters: boolean;
  /** Proceed despite served clusters or foreign RayClusters. */
  force: boolean;
  /** How deletions reach dependents (helm's `--cascade`); Background unless asked. */
  propagation?: Propagation;
  /** Check everything and report what would go; change nothing. */
  dryRun?: boolean;
  /** The description recorded on a kept history (helm's `--description`). */
  description?: string;
}

export interface Uninstalled {
  release: Release;
  /** Objects left in place by `helm.sh/resource-policy: keep`. */
  kept: KubeObject[];
  /** Objects deleted (with `dryRun`: that would be). */
  deleted: KubeObject[];
}

const RAYCLUSTER_CRD = 'rayclusters.cluster.ray.io';

export async function uninstall(ctx: ReleaseContext, request: UninstallRequest): Promise<Uninstalled> {
  const { name, namespace } = request.release;
  const history = await ctx.storage.history(name, namespace);
  const lastStored = history.at(-1);
  const last = latest(history.map((r) => r.release));
  if (!lastStored || !last) throw new ReleaseNotFoundError(request.release);
  if (last.info.status === 'uninstalled') {
    if (!request.keepHistory) {
      if (!request.dryRun) for (const r of history) await ctx.storage.delete(name, namespace, r.release.version);
      return { release: last, kept: [], deleted: [] };
    }
    throw new UserError(
      `release "${name}" is already uninstalled (its history was kept)`,
      `remove the history with \`rayctl uninstall ${name} -n ${namespace}\``,
    );
  }
  const objects = parseManifest(last.manifest, last.namespace);
  await checkServedClusters(ctx, last, objects, request);
  if (request.deleteCrds && !request.force) await checkNoForeignRayClusters(ctx, request.release);
  const deletion = { propagation: request.propagation ?? 'Background', dryRun: Boolean(request.dryRun) } as const;
  if (request.dryRun) return { release: last, ...(await deleteObjects(ctx, objects, deletion)) };

  // The objects' state is read while the release is marked uninstalling: reads, so no need to wait for the mark.
  const [uninstalling, live] = await Promise.all([
    ctx.storage.update(lastStored, {
      ...last,
      info: { ...last.info, status: 'uninstalling', description: 'Deletion in progress (or silently failed)' },
    }),
    readLive(ctx, objects),
  ]);
  let stored = uninstalling;
  const { kept, deleted } = await deleteLive(ctx, live, deletion);
  if (request.wait) {
    await waitGone(ctx, deleted, request.timeoutMs);
    // An orphaning uninstall leaves the pods on purpose.
    if (deletion.propagation !== 'Orphan')
      await waitRayPodsGone(
        ctx,
        deleted.filter((o) => o.kind === 'RayCluster'),
        request.timeoutMs,
      );
  }
  if (request.deleteCrds) await deleteRayClusterCrd(ctx, request.wait, request.timeoutMs);

  const done: Release = {
    ...stored.release,
    info: {
      ...stored.release.info,
      status: 'uninstalled',
      deleted: ctx.now().toISOString(),
      description: request.description ?? 'Uninstallation complete',
    },
  };
  if (request.keepHistory) {
    stored = await ctx.storage.update(stored, done);
  } else {
    await Promise.all(history.map((r) => ctx.storage.delete(name, namespace, r.release.version)));
  }
  return { release: done, kept, deleted };
}

/**
 * Uninstalling an operator while its clusters exist would leave them unreconciled: refuse and list them, or
 * uninstall them first (--with-clusters), or go ahead (--force).
 */
async function checkServedClusters(
  ctx: ReleaseContext,
  release: Release,
  objects: readonly RenderedObject[],
  request: UninstallRequest,
): Promise<void> {
  const operator = renderedOperator(objects.map((o) => o.object));
  if (!operator) return;
  const served = (await servedClusters(ctx, operator)).filter((c) => {
    const owner = ownerOf(c);
    return !(owner?.name === release.name && owner.namespace === release.namespace);
  });
  if (served.length === 0) return;
  const listing = served.map((c) => {
    const owner = ownerOf(c);
    return `${describeObject(c)}${owner ? ` (release "${owner.name}" in "${owner.namespace}")` : ''}`;
  });
  if (request.force) {
    ctx.progress.warn(
      `--force: uninstalling the operator leaves these RayClusters unreconciled:\n  - ${listing.join('\n  - ')}`,
    );
    return;
  }
  if (!request.withClusters) {
    throw new UserError(
      `release "${release.name}" runs the Ray operator that still serves ${served.length} RayCluster${served.length === 1 ? '' : 's'}:\n  - ${listing.join('\n  - ')}`,
      'uninstall those releases first, or add --with-clusters to uninstall them now (waiting for their pods to go), or --force to leave them unreconciled',
    );
  }
  for (const cluster of served) {
    const owner = ownerOf(cluster);
    if (!owner) {
      ctx.progress.warn(
        `--with-clusters: ${describeObject(cluster)} belongs to no release; ${request.dryRun ? 'would delete' : 'deleting'} it`,
      );
      await ctx.objects.delete(cluster, { dryRun: Boolean(request.dryRun) });
      continue;
    }
    ctx.progress.info(
      `--with-clusters: ${request.dryRun ? 'would uninstall' : 'uninstalling'} release "${owner.name}" in namespace "${owner.namespace}"`,
    );
    await uninstall(ctx, {
      ...request,
      release: owner,
      withClusters: false,
      deleteCrds: false,
      keepHistory: false,
      wait: true,
    });
  }
}

async function servedClusters(ctx: ReleaseContext, operator: OperatorInstance): Promise<KubeObject[]> {
  const all = await ctx.objects.list(
    RAYCLUSTER_API,
    'RayCluster',
    operator.scope === 'namespace' ? { namespace: operator.namespace } : {},
  );
  return all.filter((c) => serves(operator, c.metadata.namespace ?? ''));
}

/** Deleting the CRD deletes every RayCluster in the cluster: refuse while any belongs to another release. */
async function checkNoForeignRayClusters(ctx: ReleaseContext, release: ReleaseRef): Promise<void> {
  const foreign = (await ctx.objects.list(RAYCLUSTER_API, 'RayCluster')).filter((c) => {
    const owner = ownerOf(c);
    return !(owner?.name === release.name && owner.namespace === release.namespace);
  });
  if (foreign.length === 0) return;
  throw new UserError(
    `refusing --delete-crds: deleting the RayCluster CRD would delete ${foreign.length} RayCluster${foreign.length === 1 ? '' : 's'} of other releases:\n  - ${foreign.map(describeObject).join('\n  - ')}`,
    'uninstall them first, or add --force to delete them all',
  );
}

async function deleteRayClusterCrd(ctx: ReleaseContext, wait: boolean, timeoutMs: number): Promise<void> {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: RAYCLUSTER_CRD },
  };
  if (await ctx.objects.delete(crd)) {
    ctx.progress.info(`deleted CustomResourceDefinition ${RAYCLUSTER_CRD}`);
    if (wait) await waitGone(ctx, [crd], timeoutMs);
  }
}

/** A deleted RayCluster's pods go afterwards, by garbage collection; --wait waits for them too. */
async function waitRayPodsGone(ctx: ReleaseContext, clusters: readonly KubeObject[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const cluster of clusters) {
    const namespace = cluster.metadata.namespace ?? '';
    for (;;) {
      const pods = await ctx.objects.list('v1', 'Pod', {
        namespace,
        labelSelector: clusterPodSelector(cluster.metadata.name),
      });
      if (pods.length === 0) break;
      if (Date.now() > deadline) {
        ctx.progress.doneWaiting();
        throw new UserError(
          `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the ${pods.length} pods of RayCluster "${cluster.metadata.name}" to go`,
        );
      }
      ctx.progress.waiting(
        `waiting for ${pods.length} pods of RayCluster "${cluster.metadata.name}" in namespace "${namespace}" to go`,
      );
      await sleep(500);
    }
  }
  ctx.progress.doneWaiting();
}

/** Waits until each object is gone (finalizers and garbage collection done). */
export async function waitGone(
  ctx: ReleaseContext,
  objects: readonly Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = [];
    for (const object of objects) if (await ctx.objects.get(object)) remaining.push(object);
    if (remaining.length === 0) {
      ctx.progress.doneWaiting();
      return;
    }
    if (Date.now() > deadline) {
      ctx.progress.doneWaiting();
      throw new UserError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for deletion of ${remaining.map(describeObject).join(', ')}`,
      );
    }
    ctx.progress.waiting(`waiting for deletion of ${remaining.map(describeObject).join(', ')}`);
    await sleep(500);
  }
}
