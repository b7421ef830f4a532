import { setTimeout as sleep } from 'node:timers/promises';
import { microTime } from '../kube/time.ts';
import type { Lease, LeaseApi } from './api.ts';
import type { Logger } from './log.ts';

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  renewSeconds: number;
  retrySeconds: number;
}

/** Time for the elector: the wall clock in production, a fake one in unit tests. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const WALL_CLOCK: Clock = { now: () => new Date(), sleep: (ms) => sleep(ms) };

/** The lease operations election needs: a lost race is `undefined` (LeaseApi over the API server). */
export type Leases = Pick<LeaseApi, 'get' | 'create' | 'update'>;

/**
 * Leader election with a coordination.k8s.io Lease, as client-go does it: only the holder reconciles; a holder that
 * stops renewing loses the lease once it expires, and a standby takes over.
 */
export class LeaderElector {
  private lease: Lease | undefined;
  private stopped = false;

  constructor(
    private readonly leases: Leases,
    private readonly options: LeaderOptions,
    private readonly log: Logger,
    private readonly clock: Clock = WALL_CLOCK,
  ) {}

  /** Resolves once this process holds the lease. */
  async acquire(): Promise<void> {
    let announced = false;
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.log.info(
          `became leader (lease ${this.options.namespace}/${this.options.name}, identity ${this.options.identity})`,
        );
        return;
      }
      if (!announced) {
        this.log.info(
          `waiting for leadership: lease ${this.options.namespace}/${this.options.name} is held by ${this.lease?.spec.holderIdentity ?? 'another replica'}`,
        );
        announced = true;
      }
      await this.clock.sleep(this.options.retrySeconds * 1000);
    }
  }

  /** Keeps renewing; calls onLost (once) if the lease cannot be renewed before it expires. */
  keepRenewing(onLost: () => void): Promise<void> {
    return (async () => {
      let lastRenewed = this.clock.now().getTime();
      while (!this.stopped) {
        await this.clock.sleep(this.options.renewSeconds * 1000);
        if (this.stopped) return;
        if (await this.tryAcquireOrRenew().catch(() => false)) lastRenewed = this.clock.now().getTime();
        else if (this.clock.now().getTime() - lastRenewed > this.options.leaseSeconds * 1000) {
          this.log.error('lost leadership: could not renew the lease in time');
          onLost();
          return;
        }
      }
    })();
  }

  /** Gives the lease up at once, so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.lease || this.lease.spec.holderIdentity !== this.options.identity) return;
    const released: Lease = {
      ...this.lease,
      spec: {
        ...this.lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: microTime(this.clock.now()),
      },
    };
    await this.leases.update(released).catch(() => undefined);
    this.log.info('released leadership');
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseSeconds } = this.options;
    const now = this.clock.now();
    const current = await this.leases.get(namespace, name);
    if (!current) {
      this.lease = await this.leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      });
      return this.lease !== undefined;
    }
    this.lease = current;
    const holder = current.spec.holderIdentity ?? '';
    const renewed = Date.parse(current.spec.renewTime ?? '') || 0;
    const expired = renewed + (current.spec.leaseDurationSeconds ?? leaseSeconds) * 1000 < now.getTime();
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    // The resourceVersion it carries makes this a compare-and-swap: of two candidates, one wins.
    const updated = await this.leases.update({
      ...current,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: taking ? microTime(now) : (current.spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (current.spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
      },
    });
    if (updated) this.lease = updated;
    return updated !== undefined;
  }
}
