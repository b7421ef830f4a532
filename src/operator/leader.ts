import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { microTime } from '../kube/time.ts';
import { isConflict, isNotFound, isAlreadyExists } from '../kube/errors.ts';
import type { Logger } from './log.ts';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  renewSeconds: number;
  retrySeconds: number;
}

/**
 * Leader election with a coordination.k8s.io Lease, as client-go does it: only the holder reconciles; a holder that
 * stops renewing loses the lease once it expires, and a standby takes over.
 */
export class LeaderElector {
  private lease: Lease | undefined;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderOptions,
    private readonly log: Logger,
  ) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases/${this.options.name}`;
  }

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
      await sleep(this.options.retrySeconds * 1000);
    }
  }

  /** Keeps renewing; calls onLost (once) if the lease cannot be renewed before it expires. */
  keepRenewing(onLost: () => void): void {
    void (async () => {
      let lastRenewed = Date.now();
      while (!this.stopped) {
        await sleep(this.options.renewSeconds * 1000);
        if (this.stopped) return;
        if (await this.tryAcquireOrRenew().catch(() => false)) lastRenewed = Date.now();
        else if (Date.now() - lastRenewed > this.options.leaseSeconds * 1000) {
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
      spec: { ...this.lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
    };
    await this.client
      .request(
        'PUT',
        this.path,
        { verb: 'update', resource: 'leases', namespace: this.options.namespace },
        { body: released },
      )
      .catch(() => undefined);
    this.log.info('released leadership');
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseSeconds } = this.options;
    const call = { verb: 'get', resource: 'leases', namespace, name };
    const now = new Date();
    let current: Lease | undefined;
    try {
      current = await this.client.request<Lease>('GET', this.path, call);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      const fresh: Lease = {
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
      };
      try {
        this.lease = await this.client.request<Lease>(
          'POST',
          `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
          { ...call, verb: 'create' },
          { body: fresh },
        );
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    this.lease = current;
    const holder = current.spec.holderIdentity ?? '';
    const renewed = Date.parse(current.spec.renewTime ?? '') || 0;
    const expired = renewed + (current.spec.leaseDurationSeconds ?? leaseSeconds) * 1000 < now.getTime();
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    const next: Lease = {
      ...current,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: taking ? microTime(now) : (current.spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (current.spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
      },
    };
    try {
      // The resourceVersion makes this a compare-and-swap: of two candidates, one wins.
      this.lease = await this.client.request<Lease>('PUT', this.path, { ...call, verb: 'update' }, { body: next });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}
