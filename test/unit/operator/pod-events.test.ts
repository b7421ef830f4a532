// The Events one reconcile records for the pods it created or deleted: one per role and reason, not one per pod.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodEventBatch } from '../../../src/operator/controller.ts';

test('one pod: the message names it; several of a role and reason: one event that counts and names them', () => {
  const batch = new PodEventBatch('CreatedPod', 'Created');
  batch.add('head', 'c-head-x1', 'no head pod');
  for (const name of ['c-worker-a', 'c-worker-b', 'c-worker-c']) batch.add('worker', name, 'rayWorkerType 0 < 3');
  batch.add('worker', 'c-worker-d', 'replacing a failed pod');
  assert.deepEqual(batch.events(), [
    { reason: 'CreatedPod', message: 'Created head pod c-head-x1: no head pod' },
    {
      reason: 'CreatedPod',
      message: 'Created 3 worker pods (c-worker-a, c-worker-b, c-worker-c): rayWorkerType 0 < 3',
    },
    { reason: 'CreatedPod', message: 'Created worker pod c-worker-d: replacing a failed pod' },
  ]);
  assert.deepEqual(new PodEventBatch('DeletedPod', 'Deleted').events(), []);
});
