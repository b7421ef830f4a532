import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPECTATION_TTL_MS, Expectations } from '../../../src/operator/expectations.ts';

const worker = (name: string) => ({ name, podType: 'rayWorkerType', role: 'worker' as const });

describe('expectations', () => {
  it('counts a created pod until the watch shows it, and a deleted one until the watch shows it gone', () => {
    const expectations = new Expectations(() => 0);
    expectations.created('ray/c', 'ray', worker('w-1'));
    expectations.deleted('ray/c', 'w-0');
    assert.deepEqual(expectations.pendingCreates('ray/c'), [worker('w-1')]);
    assert.deepEqual([...expectations.pendingDeletes('ray/c')], ['w-0']);
    assert.equal(expectations.isDeleting('ray/c', 'w-0'), true);
    assert.equal(expectations.isDeleting('ray/c', 'w-1'), false);
    assert.equal(expectations.isDeleting('ray/other', 'w-0'), false);
    // Another cluster's expectations are its own.
    assert.deepEqual(expectations.pendingCreates('ray/other'), []);
    expectations.observed('added', 'ray/c', 'ray', 'w-1');
    expectations.observed('deleted', 'ray/c', 'ray', 'w-0');
    assert.deepEqual(expectations.pendingCreates('ray/c'), []);
    assert.deepEqual([...expectations.pendingDeletes('ray/c')], []);
    assert.equal(expectations.isDeleting('ray/c', 'w-0'), false);
  });

  it('expects nothing of a pod the watch showed before its create call returned', () => {
    const expectations = new Expectations(() => 0);
    expectations.observed('added', 'ray/c', 'ray', 'w-1');
    expectations.created('ray/c', 'ray', worker('w-1'));
    assert.deepEqual(expectations.pendingCreates('ray/c'), []);
  });

  it('drops expectations after the TTL, and all of a cluster that is forgotten', () => {
    let now = 0;
    const expectations = new Expectations(() => now);
    expectations.created('ray/c', 'ray', worker('w-1'));
    expectations.deleted('ray/c', 'w-0');
    now = EXPECTATION_TTL_MS - 1;
    assert.equal(expectations.pendingCreates('ray/c').length, 1);
    assert.equal(expectations.isDeleting('ray/c', 'w-0'), true);
    now = EXPECTATION_TTL_MS;
    assert.equal(expectations.isDeleting('ray/c', 'w-0'), false);
    assert.deepEqual(expectations.pendingCreates('ray/c'), []);
    assert.deepEqual([...expectations.pendingDeletes('ray/c')], []);
    expectations.created('ray/c', 'ray', worker('w-2'));
    expectations.forget('ray/c');
    assert.deepEqual(expectations.pendingCreates('ray/c'), []);
  });
});
