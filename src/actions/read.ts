import type { ReleaseRef } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { isNotFound } from '../kube/errors.ts';
import { rayClusterPath } from '../operator/labels.ts';
import type { RayCluster } from '../operator/types.ts';
import { latest } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { ActionContext } from './context.ts';

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
    throw new UserError(
      `release "${ref.name}" not found in namespace "${ref.namespace}"`,
      'list releases with `rayctl list -A`',
    );
  }
  return history;
}

/** A RayCluster, or an error naming what is missing and where (for the commands that work on one cluster). */
export async function readRayCluster(ctx: ActionContext, namespace: string, name: string): Promise<RayCluster> {
  try {
    return await ctx.client.request<RayCluster>('GET', rayClusterPath(namespace, name), {
      verb: 'get',
      resource: 'rayclusters',
      namespace,
      name,
    });
  } catch (error) {
    if (isNotFound(error))
      throw new UserError(
        `no RayCluster "${name}" in namespace "${namespace}"`,
        'list them with `kubectl get rayclusters -A`, or pass -n NAMESPACE',
      );
    throw error;
  }
}
