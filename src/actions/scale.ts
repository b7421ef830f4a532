import { UserError } from '../errors.ts';
import { RayClusterApi } from '../operator/api.ts';
import type { ActionContext } from './context.ts';
import { readRayCluster } from './read.ts';

export interface ScaleRequest {
  namespace: string;
  cluster: string;
  podType: string;
  workers: number;
}

/**
 * Sets a pod type's desiredWorkers: the fewest workers the operator keeps (its autoscaler may add more). Checked
 * against the type's [minWorkers, maxWorkers] here, and written with a JSON patch whose `test` guards against the
 * pod type list changing between the read and the write.
 */
export async function scaleWorkers(ctx: ActionContext, request: ScaleRequest): Promise<void> {
  const { namespace, cluster: name, podType: typeName, workers } = request;
  const cluster = await readRayCluster(ctx, namespace, name);
  const index = cluster.spec.podTypes.findIndex((t) => t.name === typeName);
  const podType = cluster.spec.podTypes[index];
  if (!podType) {
    throw new UserError(
      `RayCluster "${name}" has no pod type "${typeName}"`,
      `pod types: ${cluster.spec.podTypes.map((t) => t.name).join(', ')}`,
    );
  }
  const min = podType.minWorkers ?? 0;
  const max = podType.maxWorkers ?? Number.POSITIVE_INFINITY;
  if (workers < min || workers > max) {
    throw new UserError(
      `--workers ${workers} is outside ${typeName}'s range [${min}, ${max}]`,
      `change the range with \`rayctl upgrade <release> -n ${namespace} --reuse-values --min-workers ${typeName}=N --max-workers ${typeName}=M\``,
    );
  }
  const patched = await new RayClusterApi(ctx.client).patch(
    namespace,
    name,
    [
      { op: 'test', path: `/spec/podTypes/${index}/name`, value: typeName },
      { op: 'add', path: `/spec/podTypes/${index}/desiredWorkers`, value: workers },
    ],
    'rayctl-scale',
  );
  // An older CRD has no desiredWorkers field, and the API server silently drops unknown fields.
  if (patched.spec.podTypes[index]?.desiredWorkers !== workers) {
    throw new UserError(
      "the cluster's RayCluster CRD is older than this rayctl and has no podTypes[].desiredWorkers: the request was dropped",
      'update the CRD with `rayctl show crds | kubectl apply --server-side --force-conflicts -f -`, then scale again',
    );
  }
}
