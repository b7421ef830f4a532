import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listClusters, type ClusterView } from '../../../src/actions/cluster-view.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import { chartCrds } from '../../../src/chart/documents.ts';
import { autoscalerText, operatorText } from '../../../src/cli/cluster-output.ts';
import { KubeError } from '../../../src/kube/errors.ts';
import { RAYCLUSTER_API, type AutoscalerStatus } from '../../../src/operator/types.ts';
import { memoryContext } from '../fakes/release-context.ts';

const rayClusterCrd = async () => chartCrds((await loadBuiltinChart()).chart)[0]!.object;

const view = (autoscaler?: AutoscalerStatus): ClusterView => ({
  name: 'c',
  namespace: 'ray',
  phase: 'Running',
  restarts: 0,
  workers: [],
  createdAt: '',
  pods: [],
  ...(autoscaler ? { autoscaler } : {}),
});
const NOW = Date.parse('2026-11-27T12:10:00Z');

describe("rayctl status's autoscaler line", () => {
  it('shows the demand, what cannot fit, and the latest scaling with its age', () => {
    const text = autoscalerText(
      view({
        state: 'Active',
        message: 'reading',
        pendingDemand: '3 × {CPU: 1}',
        infeasibleDemand: '1 × {GPU: 1}',
        lastScaleUp: { time: '2026-11-27T12:05:00Z', message: '+3 rayWorkerType for 3 × {CPU: 1}' },
        lastScaleDown: { time: '2026-11-27T12:09:30Z', message: 'w-1 (rayWorkerType): idle for 16s' },
      }),
      NOW,
    );
    assert.equal(
      text,
      'Active; pending demand: 3 × {CPU: 1}; infeasible: 1 × {GPU: 1}; last scaled down 30s ago: w-1 (rayWorkerType): idle for 16s',
    );
  });

  it('says why it is not active, and nothing for a cluster no autoscaler has seen', () => {
    assert.equal(
      autoscalerText(view({ state: 'Unreachable', message: "Ray's GCS at 10.0.0.1:6379 does not answer" }), NOW),
      "Unreachable: Ray's GCS at 10.0.0.1:6379 does not answer",
    );
    assert.equal(autoscalerText(view({ state: 'Active', message: '' }), NOW), 'Active; pending demand: none');
    assert.equal(autoscalerText(view(), NOW), undefined);
  });
});

describe('a view the cluster will not fully show', () => {
  it('says the operator is unknown (forbidden) when listing Deployments is refused, not "none"', async () => {
    const ctx = memoryContext();
    await ctx.cluster.create(await rayClusterCrd());
    await ctx.cluster.create({
      apiVersion: RAYCLUSTER_API,
      kind: 'RayCluster',
      metadata: { name: 'c', namespace: 'ray' },
    });
    ctx.cluster.failOn = (call) =>
      call.kind === 'Deployment'
        ? new KubeError('deployments.apps is forbidden', { verb: 'list', resource: 'deployments' }, 403, 'Forbidden')
        : undefined;
    const [forbidden] = await listClusters(ctx, {});
    assert.equal(operatorText(forbidden!), 'unknown (forbidden)');

    ctx.cluster.failOn = () => undefined;
    const [allowed] = await listClusters(ctx, {});
    assert.equal(operatorText(allowed!), 'none');
  });
});
