import { crdDiff, crdUnchanged, type CrdShape } from '../chart/crd-diff.ts';
import type { RenderedObject } from '../chart/objects.ts';
import type { ActionContext } from './context.ts';
import { findOperators, type OperatorInstance } from './operators.ts';

export interface ClusterVersions {
  server: string;
  operators: OperatorInstance[];
  /** The installed RayCluster CRD against this rayctl's. */
  crd: { name: string; state: 'same' | 'older' | 'newer' | 'different' | 'missing'; detail: string[] };
}

/** What runs in the cluster: the API server's version, every Ray operator with its version, and the CRD's age. */
export async function clusterVersions(ctx: ActionContext, chartCrd: RenderedObject): Promise<ClusterVersions> {
  const [server, operators, live] = await Promise.all([
    ctx.client.request<{ gitVersion: string }>('GET', '/version', { verb: 'get', resource: 'version' }),
    findOperators(ctx),
    ctx.objects.get(chartCrd.object),
  ]);
  const name = chartCrd.object.metadata.name;
  if (!live) return { server: server.gitVersion, operators, crd: { name, state: 'missing', detail: [] } };
  const diff = crdDiff(live as CrdShape, chartCrd.object as CrdShape);
  const state = crdUnchanged(diff)
    ? 'same'
    : diff.removed.length === 0
      ? 'older'
      : diff.added.length === 0
        ? 'newer'
        : 'different';
  return {
    server: server.gitVersion,
    operators,
    crd: { name, state, detail: [...diff.added.map((f) => `lacks ${f}`), ...diff.removed.map((f) => `has ${f}`)] },
  };
}
