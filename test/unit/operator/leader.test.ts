import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease } from '../../../src/operator/api.ts';
import { LeaderElector, type Leases } from '../../../src/operator/leader.ts';
import { OperatorLog } from '../../../src/operator/log.ts';
import { FakeClock, settle } from '../fakes/fake-clock.ts';

/** The API server's rules for one Lease: create fails if it exists, update fails unless the resourceVersion matches. */
class MemoryLeases implements Leases {
  lease: Lease | undefined;
  failing = false;
  private version = 0;

  async get(): Promise<Lease | undefined> {
    await Promise.resolve();
    if (this.failing) throw new Error('API server unavailable');
    return this.lease && structuredClone(this.lease);
  }

  async create(lease: Lease): Promise<Lease | undefined> {
    await Promise.resolve();
    if (this.failing) throw new Error('API server unavailable');
    if (this.lease) return undefined;
    return this.store(lease);
  }

  async update(lease: Lease): Promise<Lease | undefined> {
    await Promise.resolve();
    if (this.failing) throw new Error('API server unavailable');
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) return undefined;
    return this.store(lease);
  }

  private store(lease: Lease): Lease {
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.version) },
    };
    return structuredClone(this.lease);
  }
}

const OPTIONS = { namespace: 'ray', name: 'ray-operator-leader', leaseSeconds: 15, renewSeconds: 5, retrySeconds: 2 };
const quiet = new OperatorLog('text', 'error', () => {});

function candidate(leases: Leases, clock: FakeClock, identity: string) {
  const elector = new LeaderElector(leases, { ...OPTIONS, identity }, quiet, clock);
  let leader = false;
  const acquired = elector.acquire().then(() => (leader = true));
  return { elector, acquired, isLeader: () => leader };
}

describe('leader election', () => {
  it('the first candidate takes the lease; a second waits while it renews', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = candidate(leases, clock, 'a');
    await a.acquired;
    void a.elector.keepRenewing(() => assert.fail('a must not lose the lease'));
    const b = candidate(leases, clock, 'b');
    await clock.advance(60_000);
    assert.equal(b.isLeader(), false);
    assert.equal(leases.lease?.spec.holderIdentity, 'a');
    assert.equal(leases.lease?.spec.leaseTransitions, 0);
    await a.elector.release();
    await b.elector.release();
  });

  it('a holder that stops renewing loses the lease once it expires, not before', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = candidate(leases, clock, 'a');
    await a.acquired; // and never renews: a crashed replica
    const b = candidate(leases, clock, 'b');
    await clock.advance(14_000);
    assert.equal(b.isLeader(), false, 'the lease (15 s) has not expired yet');
    await clock.advance(4_000);
    assert.equal(b.isLeader(), true);
    assert.equal(leases.lease?.spec.holderIdentity, 'b');
    assert.equal(leases.lease?.spec.leaseTransitions, 1);
    await b.elector.release();
  });

  it('release() hands over at once: the standby takes the lease on its next retry', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = candidate(leases, clock, 'a');
    await a.acquired;
    const b = candidate(leases, clock, 'b');
    await settle();
    await a.elector.release();
    await clock.advance(OPTIONS.retrySeconds * 1000);
    assert.equal(b.isLeader(), true);
    await b.elector.release();
  });

  it('a leader that cannot renew for longer than the lease gives up leadership, once', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = candidate(leases, clock, 'a');
    await a.acquired;
    let lost = 0;
    const renewing = a.elector.keepRenewing(() => lost++);
    leases.failing = true;
    await clock.advance(15_000);
    assert.equal(lost, 0, 'failures within the lease duration are retried');
    await clock.advance(10_000);
    await renewing;
    assert.equal(lost, 1);
  });

  it('of two candidates for an expired lease, exactly one wins', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const old = candidate(leases, clock, 'old');
    await old.acquired;
    await clock.advance(20_000);
    const b = candidate(leases, clock, 'b');
    const c = candidate(leases, clock, 'c');
    await settle();
    assert.equal([b.isLeader(), c.isLeader()].filter(Boolean).length, 1);
    assert.equal(leases.lease?.spec.leaseTransitions, 1);
    await b.elector.release();
    await c.elector.release();
  });
});
