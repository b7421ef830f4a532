import { hostname } from 'node:os';
import { UserError } from '../errors.ts';
import { microTime } from '../kube/time.ts';
import type { Release, ReleaseStatus } from '../release/model.ts';
import type { StoredRevision } from '../release/store.ts';
import type { KubeObject } from '../chart/objects.ts';
import { FIELD_MANAGER } from './deploy.ts';
import type { ReleaseContext } from './context.ts';

const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
}

/** The heartbeat Lease of a release's running operation. */
const heartbeatLease = (release: { name: string; namespace: string }, spec?: LeaseSpec): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: `rayctl.release.${release.name}`, namespace: release.namespace },
  ...(spec ? { spec } : {}),
});

/**
 * One change to a release, from its pending-* revision to its final status. `--recover` takes a pending revision
 * younger than a lease as in progress; a change that runs longer renews a Lease heartbeat every RENEW_MS, which
 * says its process is alive. Most commands end before the first renewal and make no Lease calls at all.
 * SIGINT/SIGTERM mark the revision failed before exit, so a killed command never leaves a release that looks in
 * progress when nothing is running.
 */
export class PendingOperation {
  private stopHeartbeat: () => void = () => {};
  private readonly onSignal = (signal: NodeJS.Signals) => void this.interrupted(signal);

  private constructor(
    private readonly ctx: ReleaseContext,
    private stored: StoredRevision,
  ) {}

  /**
   * Makes room under --history-max (deletes `pruned`), writes the pending revision (a create: if it exists, another
   * operation won) and starts the heartbeat.
   */
  static async begin(ctx: ReleaseContext, pending: Release, pruned: readonly Release[]): Promise<PendingOperation> {
    for (const old of pruned) {
      await ctx.storage.delete(old.name, old.namespace, old.version);
    }
    const operation = new PendingOperation(ctx, await ctx.storage.create(pending));
    ctx.progress.info(
      `release "${pending.name}" revision ${pending.version}: ${pending.info.status} (${pending.info.description})`,
    );
    process.on('SIGINT', operation.onSignal);
    process.on('SIGTERM', operation.onSignal);
    operation.startHeartbeat();
    return operation;
  }

  /** The last renewal, awaited before the Lease is deleted so that none lands after the delete. */
  private renewal: Promise<void> = Promise.resolve();
  private leaseWritten = false;

  get release(): Release {
    return this.stored.release;
  }

  /** Records the outcome on the revision and ends the operation. */
  async finish(status: ReleaseStatus, description: string, extra: Partial<Release['info']> = {}): Promise<Release> {
    try {
      return await this.record(status, description, extra);
    } finally {
      await this.end();
    }
  }

  /** Records a status on the revision; the operation goes on until end() (or finish()). */
  async record(status: ReleaseStatus, description: string, extra: Partial<Release['info']> = {}): Promise<Release> {
    this.stored = await this.ctx.storage.update(this.stored, {
      ...this.stored.release,
      info: { ...this.stored.release.info, ...extra, status, description },
    });
    return this.stored.release;
  }

  /** Stops the heartbeat and the signal handlers, and removes the Lease if one was written. */
  async end(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.stopHeartbeat();
    await this.renewal;
    // Best effort: a lease left behind only makes --recover wait out its duration.
    if (this.leaseWritten) await this.ctx.objects.delete(heartbeatLease(this.stored.release)).catch(() => undefined);
  }

  private async interrupted(signal: NodeJS.Signals): Promise<void> {
    this.ctx.progress.doneWaiting();
    this.ctx.progress.warn(`${signal}: marking revision ${this.stored.release.version} failed before exiting`);
    try {
      await this.finish('failed', `Release "${this.stored.release.name}" failed: interrupted by ${signal}`);
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  }

  private startHeartbeat(): void {
    const identity = `${hostname()}/${process.pid}`;
    const renew = async () => {
      try {
        await this.ctx.objects.apply(
          heartbeatLease(this.stored.release, {
            holderIdentity: identity,
            leaseDurationSeconds: LEASE_SECONDS,
            renewTime: microTime(this.ctx.now()),
          }),
          { fieldManager: FIELD_MANAGER, force: true },
        );
        this.leaseWritten = true;
      } catch (err) {
        // A Lease that cannot be written once (no right to Leases, say) is not tried again.
        if (this.leaseWritten) return;
        this.stopHeartbeat();
        this.ctx.progress.warn(
          `no heartbeat lease (${(err as Error).message}); --recover cannot tell whether this command is alive`,
        );
      }
    };
    const timer = setInterval(() => {
      this.renewal = renew();
    }, RENEW_MS);
    timer.unref();
    this.stopHeartbeat = () => clearInterval(timer);
  }
}

/**
 * Refuses `--recover` while the process that wrote the pending revision may be alive: it still renews its lease, or
 * the revision is younger than a lease (its writer renews first RENEW_MS after writing it).
 */
export async function assertNoLiveOperation(ctx: ReleaseContext, release: Release): Promise<void> {
  const lease = (await ctx.objects.get(heartbeatLease(release)))?.spec as LeaseSpec | undefined;
  const now = ctx.now().getTime();
  const renewedAgo = (now - Date.parse(lease?.renewTime ?? '')) / 1000;
  if (Number.isFinite(renewedAgo) && renewedAgo < (lease?.leaseDurationSeconds ?? LEASE_SECONDS)) {
    throw new UserError(
      `revision ${release.version} of "${release.name}" is still being worked on by rayctl ${lease?.holderIdentity ?? '(unknown)'} (heartbeat ${Math.max(0, Math.round(renewedAgo))} s ago)`,
      'wait for that command to finish; --recover is for operations whose process is gone',
    );
  }
  const writtenAgo = (now - Date.parse(release.info.last_deployed)) / 1000;
  if (Number.isFinite(writtenAgo) && writtenAgo < LEASE_SECONDS) {
    throw new UserError(
      `revision ${release.version} of "${release.name}" was written ${Math.max(0, Math.round(writtenAgo))} s ago and may still be in progress`,
      `a command that runs longer than ${RENEW_MS / 1000} s says so with a heartbeat; try --recover again in ${Math.ceil(LEASE_SECONDS - writtenAgo)} s`,
    );
  }
}
