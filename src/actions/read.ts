import type { ReleaseRef } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { RayClusterApi } from '../operator/api.ts';
import type { RayCluster } from '../operator/types.ts';
import { latest, ReleaseNotFoundError } from '../release/history.ts';
import type { Release, ReleaseStatus } from '../release/model.ts';
import type { Scope } from '../release/store.ts';
import type { ActionContext, ReleaseContext } from './context.ts';

/** One revision of a release (default: the latest), or a clear error naming what is missing. */
export async function readRevision(ctx: ActionContext, ref: ReleaseRef, version?: number): Promise<Release> {
  if (version !== undefined) {
    const stored = await ctx.storage.get(ref.name, ref.namespace, version);
    if (!stored) {
      throw new UserError(
        `release "${ref.name}" has no revision ${version} in namespace "${ref.namespace}"`,
        `see its revisions with \`rayctl history ${ref.name} -n ${ref.namespace}\``,
      );
    }
    return stored.release;
  }
  const last = latest(await readHistory(ctx, ref));
  return last!;
}

/** Every revision, oldest first; an unknown release is an error. */
export async function readHistory(ctx: ActionContext, ref: ReleaseRef): Promise<Release[]> {
  const history = (await ctx.storage.history(ref.name, ref.namespace)).map((r) => r.release);
  if (history.length === 0) {
    throw new ReleaseNotFoundError(ref);
  }
  return history;
}

/** A RayCluster, or an error naming what is missing and where (for the commands that work on one cluster). */
export async function readRayCluster(ctx: ActionContext, namespace: string, name: string): Promise<RayCluster> {
  const cluster = await new RayClusterApi(ctx.client).get(namespace, name);
  if (!cluster)
    throw new UserError(
      `RayCluster "${name}" not found in namespace "${namespace}"`,
      'list clusters with `rayctl get clusters -A`, or pass -n NAMESPACE',
    );
  return cluster;
}

/** `list`: the latest revision of each release in scope with one of `statuses`, by name then namespace. */
export async function listReleases(
  ctx: ReleaseContext,
  scope: Scope,
  statuses: ReadonlySet<ReleaseStatus>,
  selector?: string,
): Promise<Release[]> {
  const releases = await ctx.storage.listLatest(scope, statuses, selector);
  return releases.sort((a, b) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace));
}
