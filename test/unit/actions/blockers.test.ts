// What --wait says blocks a pod: the reasons a kubelet and the scheduler put in pod status (shapes as in the
// Kubernetes API reference for ContainerStateWaiting and PodCondition).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podBlockers, podsSelector, type PodState } from '../../../src/actions/blockers.ts';

const pod = (name: string, status: PodState['status']): PodState => ({ metadata: { name }, status });
const scheduled = { type: 'PodScheduled', status: 'True' };

describe('podBlockers', () => {
  it("names a container's waiting reason and message", () => {
    const pulling = pod('op-1', {
      phase: 'Pending',
      conditions: [scheduled],
      containerStatuses: [
        {
          name: 'ray-operator',
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "rayctl/operator:0.1.0"' } },
        },
      ],
    });
    assert.deepEqual(podBlockers([pulling]), [
      'pod op-1: container ray-operator ImagePullBackOff: Back-off pulling image "rayctl/operator:0.1.0"',
    ]);
  });

  it('adds the last exit code to CrashLoopBackOff', () => {
    const crashing = pod('head', {
      phase: 'Running',
      conditions: [scheduled, { type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'ray-node',
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          lastState: { terminated: { exitCode: 137 } },
        },
      ],
    });
    assert.deepEqual(podBlockers([crashing]), [
      'pod head: container ray-node CrashLoopBackOff, last exit code 137: back-off 40s restarting failed container',
    ]);
  });

  it("gives the scheduler's message for an unschedulable pod", () => {
    const unschedulable = pod('worker', {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
        },
      ],
    });
    assert.deepEqual(podBlockers([unschedulable]), [
      'pod worker: not scheduled (Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)',
    ]);
  });

  it('says which containers a running pod waits on for readiness; ready, finished and deleting pods say nothing', () => {
    const unready = pod('a', {
      phase: 'Running',
      conditions: [scheduled, { type: 'Ready', status: 'False' }],
      containerStatuses: [
        { name: 'main', ready: false, state: { running: {} } },
        { name: 'side', ready: true, state: { running: {} } },
      ],
    });
    const ready = pod('b', { phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'True' }] });
    const done = pod('c', { phase: 'Succeeded' });
    const leaving: PodState = { metadata: { name: 'd', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: {} };
    assert.deepEqual(podBlockers([unready, ready, done, leaving]), ['pod a: running, not ready (containers main)']);
  });

  it('does not name the routine ContainerCreating', () => {
    const creating = pod('e', {
      phase: 'Pending',
      conditions: [scheduled],
      containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }],
    });
    assert.deepEqual(podBlockers([creating]), ['pod e: starting']);
  });
});

describe('podsSelector', () => {
  it("selects a Deployment's pods by its matchLabels and a RayCluster's by its cluster label", () => {
    assert.deepEqual(
      podsSelector({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ray-operator', namespace: 'default' },
        spec: { selector: { matchLabels: { 'cluster.ray.io/component': 'operator' } } },
      }),
      { namespace: 'default', labelSelector: 'cluster.ray.io/component=operator' },
    );
    assert.deepEqual(
      podsSelector({ apiVersion: 'cluster.ray.io/v1', kind: 'RayCluster', metadata: { name: 'rc', namespace: 'ray' } }),
      { namespace: 'ray', labelSelector: 'ray-cluster-name=rc' },
    );
  });
});
