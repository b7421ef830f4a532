import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEAD_UID_ANNOTATION } from '../../../src/operator/labels.ts';
import {
  alreadyLeft,
  podChanged,
  podProgressed,
  slimCluster,
  slimPod,
  slimService,
} from '../../../src/operator/slim.ts';
import type { Pod, RayCluster, Service } from '../../../src/operator/types.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'c-worker-x',
    namespace: 'ray',
    uid: 'u1',
    resourceVersion: '7',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { 'ray-cluster-name': 'c' },
    annotations: { [HEAD_UID_ANNOTATION]: 'h1', 'user/big': 'x'.repeat(1000) },
    ownerReferences: [{ apiVersion: 'cluster.ray.io/v1', kind: 'RayCluster', name: 'c', uid: 'c1', controller: true }],
    managedFields: [{ manager: 'kubelet' }],
  },
  spec: { containers: [{ name: 'ray' }], nodeName: 'kwok-node-1' },
  status: {
    phase: 'Running',
    podIP: '10.0.0.5',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
    containerStatuses: [{ name: 'ray', ready: true }],
  },
} as unknown as Pod;

describe('slim cache objects', () => {
  it('keeps of a pod only what the reconcile reads', () => {
    assert.deepEqual(slimPod(pod), {
      metadata: {
        name: 'c-worker-x',
        namespace: 'ray',
        uid: 'u1',
        resourceVersion: '7',
        creationTimestamp: '2026-01-01T00:00:00Z',
        labels: { 'ray-cluster-name': 'c' },
        annotations: { [HEAD_UID_ANNOTATION]: 'h1' },
        ownerReferences: [{ uid: 'c1', controller: true }],
      },
      status: { phase: 'Running', podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('tells a change the reconcile reads from one it does not', () => {
    const slim = slimPod(pod);
    const rescheduled = slimPod({ ...pod, metadata: { ...pod.metadata, resourceVersion: '8' }, spec: undefined });
    assert.equal(podChanged(slim, rescheduled), false);
    const notReady = slimPod({ ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    assert.equal(podChanged(slim, notReady), true);
    const deleting = slimPod({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' } });
    assert.equal(podChanged(slim, deleting), true);
    const relabelled = slimPod({ ...pod, metadata: { ...pod.metadata, labels: { 'ray-cluster-name': 'd' } } });
    assert.equal(podChanged(slim, relabelled), true);
    const orphaned = slimPod({ ...pod, metadata: { ...pod.metadata, ownerReferences: [] } });
    assert.equal(podChanged(slim, orphaned), true);
  });

  it('keeps of a Service its ports, selector and cluster IP, and of a RayCluster all but managed fields', () => {
    const service = {
      metadata: { name: 's', namespace: 'ray', labels: { a: 'b' }, managedFields: [{}] },
      spec: { clusterIP: '10.96.0.9', ports: [{ name: 'gcs', port: 6379 }], selector: { x: 'y' }, type: 'ClusterIP' },
    } as unknown as Service;
    assert.deepEqual(slimService(service), {
      metadata: { name: 's', namespace: 'ray', labels: { a: 'b' } },
      spec: { clusterIP: '10.96.0.9', ports: [{ name: 'gcs', port: 6379 }], selector: { x: 'y' } },
    });
    const cluster = {
      apiVersion: 'cluster.ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'c', uid: 'c1', managedFields: [{}] },
      spec: { headPodType: 'h', podTypes: [] },
    } as unknown as RayCluster;
    assert.deepEqual(slimCluster(cluster).metadata, { name: 'c', uid: 'c1' });
  });
});

describe('a pod that only progressed', () => {
  /** The slim pod `pod` with its status replaced. */
  const withStatus = (status: Pod['status']): Pod => ({ ...slimPod(pod), status });
  const ready = (value: string) => [{ type: 'Ready', status: value }];
  const pending = withStatus({ phase: 'Pending', conditions: ready('False') });
  const started = withStatus({ phase: 'Running', podIP: '10.0.0.5', conditions: ready('False') });
  const serving = withStatus({ phase: 'Running', podIP: '10.0.0.5', conditions: ready('True') });

  it('started, became Ready, or both at once: progress', () => {
    assert.equal(podProgressed(pending, started), true);
    assert.equal(podProgressed(started, serving), true);
    assert.equal(podProgressed(pending, serving), true);
    assert.equal(podProgressed(withStatus(undefined), serving), true);
  });

  it('lost readiness, ended, or did not start: not progress', () => {
    assert.equal(podProgressed(serving, started), false);
    assert.equal(podProgressed(serving, withStatus({ phase: 'Failed', podIP: '10.0.0.5' })), false);
    assert.equal(podProgressed(started, withStatus({ phase: 'Succeeded', podIP: '10.0.0.5' })), false);
    assert.equal(podProgressed(withStatus({ phase: 'Failed' }), serving), false);
    assert.equal(podProgressed(withStatus({ phase: 'Unknown' }), serving), false);
    assert.equal(podProgressed(pending, withStatus({ phase: 'Pending', conditions: ready('True') })), false);
  });

  it('a new IP, or a change besides the status at the same time: not progress', () => {
    assert.equal(podProgressed(started, { ...serving, status: { ...serving.status, podIP: '10.0.0.6' } }), false);
    const terminating = { ...serving, metadata: { ...serving.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' } };
    assert.equal(podProgressed(started, terminating), false);
    const orphaned = { ...serving, metadata: { ...serving.metadata, ownerReferences: [] } };
    assert.equal(podProgressed(started, orphaned), false);
    const replaced = { ...serving, metadata: { ...serving.metadata, uid: 'u2' } };
    assert.equal(podProgressed(started, replaced), false);
  });
});

describe('pod events of a pod that had already left every plan', () => {
  const live = slimPod(pod);
  const terminating: Pod = { ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' } };

  it('need no reconcile as the pod goes: terminating already, or deleted by this operator', () => {
    assert.equal(alreadyLeft('deleted', terminating, terminating, false), true);
    assert.equal(alreadyLeft('modified', terminating, terminating, false), true);
    assert.equal(alreadyLeft('modified', live, terminating, true), true);
    assert.equal(alreadyLeft('deleted', live, live, true), true);
  });

  it('need one when the pod leaves now, comes back into plans, or was never seen', () => {
    // Deleted by someone else: the plan must replace it.
    assert.equal(alreadyLeft('modified', live, terminating, false), false);
    assert.equal(alreadyLeft('deleted', live, live, false), false);
    // A pod this operator deleted that is not terminating: the delete may not have happened yet, or failed.
    assert.equal(alreadyLeft('modified', live, live, true), false);
    assert.equal(alreadyLeft('added', undefined, terminating, true), false);
  });
});
