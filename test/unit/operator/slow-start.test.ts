// Slow-start batches: how many calls run at once, and that a failing batch stops the ones after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSlowStartBatches, MAX_BATCH } from '../../../src/operator/slow-start.ts';

/** Runs `items` through inSlowStartBatches; returns the sizes of the batches (calls in flight together). */
async function batchesOf(count: number, fails?: (item: number) => boolean, firstBatch?: number) {
  const sizes: number[] = [];
  let inFlight = 0;
  let started = 0;
  const done: number[] = [];
  const error = await inSlowStartBatches(
    Array.from({ length: count }, (_, i) => i),
    async (item) => {
      if (inFlight === 0) sizes.push(0);
      inFlight++;
      started++;
      sizes[sizes.length - 1]!++;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (fails?.(item)) throw new Error(`item ${item} failed`);
      done.push(item);
    },
    firstBatch,
  ).then(
    () => undefined,
    (err: Error) => err,
  );
  return { sizes, started, done, error };
}

test('batches double from one, up to the largest batch', async () => {
  assert.deepEqual((await batchesOf(10)).sizes, [1, 2, 4, 3]);
  assert.equal(MAX_BATCH, 16);
  assert.deepEqual((await batchesOf(40)).sizes, [1, 2, 4, 8, 16, 9]);
  assert.deepEqual((await batchesOf(0)).sizes, []);
});

test('after calls of the kind have succeeded (a new head, before its workers), the doubling goes on from there', async () => {
  assert.deepEqual((await batchesOf(10, undefined, 2)).sizes, [2, 4, 4]);
  assert.deepEqual((await batchesOf(10, undefined, 1)).sizes, [1, 2, 4, 3]);
  assert.deepEqual((await batchesOf(40, undefined, 64)).sizes, [16, 16, 8]);
});

test('a failure ends the run after its batch has settled, and the first failure is what is thrown', async () => {
  const run = await batchesOf(10, (item) => item === 4 || item === 5);
  assert.equal(run.error?.message, 'item 4 failed');
  // Batches [0], [1, 2], [3, 4, 5, 6]: all of the third ran to the end; nothing after it started.
  assert.equal(run.started, 7);
  assert.deepEqual(run.done, [0, 1, 2, 3, 6]);
});
