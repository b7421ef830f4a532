import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { WorkQueue } from '../../../src/operator/queue.ts';

describe('work queue', () => {
  it('holds a key once however often it is added, in first-added order', async () => {
    const queue = new WorkQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
    assert.equal(queue.depth, 3);
    assert.deepEqual([await queue.next(), await queue.next(), await queue.next()], ['a', 'b', 'c']);
  });

  it('never hands out a key in progress; added meanwhile, it comes back once after done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    assert.equal(await queue.next(), 'a');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    assert.equal(await queue.next(), 'b', 'a is in progress');
    assert.equal(queue.depth, 0);
    queue.done('a');
    assert.equal(queue.depth, 1);
    assert.equal(await queue.next(), 'a');
    queue.done('a');
    assert.equal(queue.depth, 0);
  });

  it('a waiting worker gets a key as soon as it is added', async () => {
    const queue = new WorkQueue();
    const waiting = queue.next();
    queue.add('a');
    assert.equal(await waiting, 'a');
    queue.add('a');
    assert.equal(queue.depth, 0, 'in progress: held back until done');
  });

  it('retries back off exponentially per key, capped; forget resets the count', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const queue = new WorkQueue(50, 300);
      const readyAfter = (ms: number) => {
        mock.timers.tick(ms - 1);
        const early = queue.depth;
        mock.timers.tick(1);
        const due = queue.depth;
        return { early, due };
      };
      const delays = [50, 100, 200, 300, 300];
      for (const delay of delays) {
        queue.retry('a');
        assert.deepEqual(readyAfter(delay), { early: 0, due: 1 }, `retry after ${delay} ms`);
        queue.done((await queue.next())!);
      }
      queue.forget('a');
      queue.retry('a');
      assert.deepEqual(readyAfter(50), { early: 0, due: 1 });
    } finally {
      mock.timers.reset();
    }
  });

  it('shutDown wakes waiting workers with undefined and drops pending retries', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const queue = new WorkQueue();
      const waiting = queue.next();
      queue.retry('a');
      queue.shutDown();
      assert.equal(await waiting, undefined);
      mock.timers.tick(60_000);
      assert.equal(queue.depth, 0);
      queue.add('b');
      assert.equal(await queue.next(), undefined);
    } finally {
      mock.timers.reset();
    }
  });
});
