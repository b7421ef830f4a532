import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterView } from '../../../src/actions/cluster-view.ts';
import { autoscalerText } from '../../../src/cli/cluster-output.ts';
import type { AutoscalerStatus } from '../../../src/operator/types.ts';

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
