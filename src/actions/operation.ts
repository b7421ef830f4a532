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
 * One change to a release, from its pending-* revision to its final status. While it runs, a Lease heartbeat tells
 * `--recover` that a live process owns the pending revision; SIGINT/SIGTERM mark the revision failed before exit,
 * so a killed command never leaves a release that looks in progress when nothing is running.
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
    // The first renewal need not hold up the work: --recover waits out a whole lease anyway.
    operation.heartbeatStarted = operation.startHeartbeat();
    return operation;
  }

  private heartbeatStarted: Promise<void> = Promise.resolve();

  get release(): Release {
    return this.stored.release;
  }

  /** Records the outcome on the revision and ends the operation. */
  async finish(status: ReleaseStatus, description: string, extra: Partial<Release['info']> = {}): Promise<Release> {
    try {
      this.stored = await this.ctx.storage.update(this.stored, {
        ...this.stored.release,
        info: { ...this.stored.release.info, ...extra, status, description },
      });
      return this.stored.release;
    } finally {
      await this.end();
    }
  }

  private async end(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.heartbeatStarted;
    this.stopHeartbeat();
    // Best effort: a lease left behind only makes --recover wait out its duration.
    await this.ctx.objects.delete(heartbeatLease(this.stored.release)).catch(() => undefined);
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

  private async startHeartbeat(): Promise<void> {
    const identity = `${hostname()}/${process.pid}`;
    const renew = () =>
      this.ctx.objects.apply(
        heartbeatLease(this.stored.release, {
          holderIdentity: identity,
          leaseDurationSeconds: LEASE_SECONDS,
          renewTime: microTime(this.ctx.now()),
        }),
        { fieldManager: FIELD_MANAGER, force: true },
      );
    try {
      await renew();
    } catch (err) {
      this.ctx.progress.warn(
        `no heartbeat lease (${(err as Error).message}); --recover cannot tell whether this command is alive`,
      );
      return;
    }
    const timer = setInterval(() => void renew().catch(() => undefined), RENEW_MS);
    timer.unref();
    this.stopHeartbeat = () => clearInterval(timer);
  }
}

/** Refuses `--recover` while the process that wrote the pending revision still renews its lease. */
export async function assertNoLiveOperation(ctx: ReleaseContext, release: Release): Promise<void> {
  const lease = (await ctx.objects.get(heartbeatLease(release)))?.spec as LeaseSpec | undefined;
  if (!lease) return;
  const renewed = Date.parse(lease.renewTime ?? '');
  const ageSeconds = (ctx.now().getTime() - renewed) / 1000;
  if (Number.isFinite(ageSeconds) && ageSeconds < (lease.leaseDurationSeconds ?? LEASE_SECONDS)) {
    throw new UserError(
      `revision ${release.version} of "${release.name}" is still being worked on by rayctl ${lease.holderIdentity ?? '(unknown)'} (heartbeat ${Math.max(0, Math.round(ageSeconds))} s ago)`,
      'wait for that command to finish; --recover is for operations whose process is gone',
    );
  }
}
