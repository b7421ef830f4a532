import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusWrites } from '../../../src/operator/status-writes.ts';
import type { RayClusterStatus } from '../../../src/operator/types.ts';

const ready = (n: number): RayClusterStatus => ({ phase: 'Updating', observedGeneration: 1, readyWorkers: n });
const STORED = ready(0);

describe('status writes', () => {
  it('writes nothing when the status is what is stored, in whatever key order the API server sent it', () => {
    const writes = new StatusWrites(() => 0, 1_000, 5_000);
    assert.deepEqual(
      writes.offer('uid', { phase: 'Running', readyWorkers: 2 }, { readyWorkers: 2, phase: 'Running' }),
      {
        write: false,
      },
    );
    assert.deepEqual(writes.unwritten(), []);
  });

  it('writes a burst of changes once, after the cluster was quiet, with the latest status', () => {
    let now = 0;
    const writes = new StatusWrites(() => now, 1_000, 5_000);
    assert.deepEqual(writes.offer('uid', ready(1), STORED), { write: false, retryInMs: 1_000 });
    now = 400;
    assert.deepEqual(writes.offer('uid', ready(2), STORED), { write: false, retryInMs: 1_000 });
    now = 900;
    // The same status again (a pod event that changed nothing) does not push the write back.
    assert.deepEqual(writes.offer('uid', ready(2), STORED), { write: false, retryInMs: 500 });
    assert.deepEqual(writes.unwritten(), ['uid']);
    now = 1_400;
    assert.deepEqual(writes.offer('uid', ready(2), STORED), { write: true });
    writes.wrote('uid', ready(2));
    assert.deepEqual(writes.lastWritten('uid'), ready(2));
    assert.deepEqual(writes.unwritten(), []);
    // Written: the same status is no change, whatever the cache says.
    assert.deepEqual(writes.offer('uid', ready(2), STORED), { write: false });
  });

  it('writes at least every maxDelayMs while changes keep coming', () => {
    let now = 0;
    const writes = new StatusWrites(() => now, 1_000, 5_000);
    for (let n = 1; now < 5_000; n++, now += 500) assert.equal(writes.offer('uid', ready(n), STORED).write, false);
    assert.deepEqual(writes.offer('uid', ready(99), STORED), { write: true });
  });

  it('writes a cluster that arrives (Running, Error) with a new phase, reason or observedGeneration at once', () => {
    const writes = new StatusWrites(() => 0, 1_000, 5_000);
    const running = (generation: number): RayClusterStatus => ({
      ...ready(1),
      phase: 'Running',
      observedGeneration: generation,
    });
    assert.deepEqual(writes.offer('uid', running(1), undefined), { write: true });
    assert.deepEqual(writes.offer('uid', running(1), STORED), { write: true });
    assert.deepEqual(writes.offer('uid', running(2), { ...STORED, phase: 'Running' }), { write: true });
    assert.deepEqual(writes.offer('uid', { ...ready(1), phase: 'Error', reason: 'bad spec' }, STORED), { write: true });
    assert.deepEqual(
      writes.offer('uid', { ...ready(1), phase: 'Error', reason: 'worse spec' }, { ...STORED, phase: 'Error' }),
      { write: true },
    );
    assert.deepEqual(writes.offer('uid', ready(1), STORED), { write: false, retryInMs: 1_000 });
  });

  it('lets the way there (Updating) wait like any change: a cluster that settles quickly is one write', () => {
    let now = 0;
    const writes = new StatusWrites(() => now, 1_000, 5_000);
    // A new cluster, and a Running one whose spec changed: neither first Updating is written at once.
    assert.deepEqual(writes.offer('new', ready(0), undefined), { write: false, retryInMs: 1_000 });
    const scaled = { ...ready(1), observedGeneration: 2 };
    assert.deepEqual(writes.offer('scaled', scaled, { ...ready(1), phase: 'Running' }), {
      write: false,
      retryInMs: 1_000,
    });
    now = 600;
    assert.deepEqual(writes.offer('new', { ...ready(2), phase: 'Running' }, undefined), { write: true });
    writes.wrote('new', { ...ready(2), phase: 'Running' });
    assert.deepEqual(writes.unwritten(), ['scaled']);
    // One that does not settle is still written once it has been quiet.
    now = 1_000;
    assert.deepEqual(writes.offer('scaled', scaled, { ...ready(1), phase: 'Running' }), { write: true });
  });

  it('a change back to what was written needs no write', () => {
    let now = 0;
    const writes = new StatusWrites(() => now, 1_000, 5_000);
    writes.wrote('uid', ready(3));
    assert.equal(writes.offer('uid', ready(4), undefined).write, false);
    now = 100;
    assert.deepEqual(writes.offer('uid', ready(3), undefined), { write: false });
    assert.deepEqual(writes.unwritten(), []);
    writes.forget('uid');
    assert.equal(writes.lastWritten('uid'), undefined);
  });
});
