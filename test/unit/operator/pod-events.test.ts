// The Events one reconcile records: its notes, then one Event for the pods it deleted and one for those it created.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodEventBatch, ReconcileEvents } from '../../../src/operator/controller.ts';

test('pods of several roles and reasons: one event that names each group, counted when there are several', () => {
  const batch = new PodEventBatch('CreatedPod', 'Created');
  batch.add('head', 'c-head-x1', 'no head pod');
  for (const name of ['c-worker-a', 'c-worker-b', 'c-worker-c']) batch.add('worker', name, 'rayWorkerType 0 < 3');
  batch.add('worker', 'c-worker-d', 'replacing a failed pod');
  assert.deepEqual(batch.event(), {
    reason: 'CreatedPod',
    message:
      'Created head pod c-head-x1: no head pod; ' +
      'created 3 worker pods (c-worker-a, c-worker-b, c-worker-c): rayWorkerType 0 < 3; ' +
      'created worker pod c-worker-d: replacing a failed pod',
  });
  assert.equal(new PodEventBatch('DeletedPod', 'Deleted').event(), undefined);
});

test('a reconcile: its notes in order, then deletes, then creates; nothing for a kind with no pods', () => {
  const events = new ReconcileEvents();
  events.created.add('worker', 'c-worker-n', 'scaling up');
  events.deleted.add('head', 'c-head-old', 'head type config changed');
  events.note('Warning', 'HeadRestart', 'replacing head pod c-head-old');
  assert.deepEqual(events.all(), [
    { type: 'Warning', reason: 'HeadRestart', message: 'replacing head pod c-head-old' },
    { type: 'Normal', reason: 'DeletedPod', message: 'Deleted head pod c-head-old: head type config changed' },
    { type: 'Normal', reason: 'CreatedPod', message: 'Created worker pod c-worker-n: scaling up' },
  ]);
  assert.deepEqual(new ReconcileEvents().all(), []);
});
