import { UserError } from '../errors.ts';
import { RayClusterApi } from '../operator/api.ts';
import type { ActionContext } from './context.ts';
import { readRayCluster } from './read.ts';

export interface ScaleRequest {
  namespace: string;
  cluster: string;
  podType: string;
  /** The new desiredWorkers; the bounds below may change with it (kubectl-ray's `scale cluster`). */
  workers?: number;
  minWorkers?: number;
  maxWorkers?: number;
}

/**
 * Sets a pod type's desiredWorkers (the fewest workers the operator keeps; its autoscaler may add more) and, if
 * asked, its [minWorkers, maxWorkers]. The result is checked as a whole (min ≤ desired ≤ max), and written with a
 * JSON patch whose `test` guards against the pod type list changing between the read and the write.
 */
export async function scaleWorkers(ctx: ActionContext, request: ScaleRequest): Promise<void> {
  const { namespace, cluster: name, podType: typeName } = request;
  const cluster = await readRayCluster(ctx, namespace, name);
  const index = cluster.spec.podTypes.findIndex((t) => t.name === typeName);
  const podType = cluster.spec.podTypes[index];
  if (!podType) {
    throw new UserError(
      `RayCluster "${name}" has no pod type "${typeName}"`,
      `pod types: ${cluster.spec.podTypes.map((t) => t.name).join(', ')}`,
    );
  }
  const min = request.minWorkers ?? podType.minWorkers ?? 0;
  const max = request.maxWorkers ?? podType.maxWorkers ?? Number.POSITIVE_INFINITY;
  if (min > max)
    throw new UserError(
      `${typeName}: minWorkers ${min} would be above maxWorkers ${max}`,
      'give both --min-workers and --max-workers',
    );
  const workers = request.workers ?? podType.desiredWorkers;
  if (workers !== undefined && (workers < min || workers > max)) {
    throw new UserError(
      `${request.workers === undefined ? `the current desiredWorkers ${workers}` : `--workers ${workers}`} is outside ${typeName}'s range [${min}, ${max}]`,
      request.workers === undefined
        ? 'give --workers too, within the new range'
        : 'widen the range with --min-workers/--max-workers in the same command',
    );
  }
  const changes: [string, number | undefined][] = [
    ['minWorkers', request.minWorkers],
    ['maxWorkers', request.maxWorkers],
    ['desiredWorkers', request.workers],
  ];
  const operations = changes
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => ({ op: 'add', path: `/spec/podTypes/${index}/${field}`, value }));
  const patched = await new RayClusterApi(ctx.client).patch(
    namespace,
    name,
    [{ op: 'test', path: `/spec/podTypes/${index}/name`, value: typeName }, ...operations],
    'rayctl-scale',
  );
  // An older CRD has no desiredWorkers field, and the API server silently drops unknown fields.
  if (request.workers !== undefined && patched.spec.podTypes[index]?.desiredWorkers !== request.workers) {
    throw new UserError(
      "the cluster's RayCluster CRD is older than this rayctl and has no podTypes[].desiredWorkers: the request was dropped",
      'update the CRD with `rayctl show crds | kubectl apply --server-side --force-conflicts -f -`, then scale again',
    );
  }
}
