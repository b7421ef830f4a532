import { hostname } from 'node:os';
import { UserError } from '../errors.ts';
import { isNotFound } from '../kube/errors.ts';
import { microTime } from '../kube/time.ts';
import { revisionsToPrune } from '../release/history.ts';
import type { Release, ReleaseStatus } from '../release/model.ts';
import type { StoredRevision } from '../release/storage.ts';
import type { ActionContext } from './context.ts';

const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

const leaseName = (release: string) => `rayctl.release.${release}`;
const leasePath = (namespace: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name === undefined ? '' : `/${name}`}`;

/**
 * One change to a release, from its pending-* revision to its final status. While it runs, a Lease heartbeat tells
 * `--recover` that a live process owns the pending revision; SIGINT/SIGTERM mark the revision failed before exit,
 * so a killed command never leaves a release that looks in progress when nothing is running.
 */
export class PendingOperation {
  private stopHeartbeat: () => void = () => {};
  private readonly onSignal = (signal: NodeJS.Signals) => void this.interrupted(signal);

  private constructor(
    private readonly ctx: ActionContext,
    private stored: StoredRevision,
  ) {}

  /**
   * Makes room under --history-max, writes the pending revision (a create: if it exists, another operation won)
   * and starts the heartbeat.
   */
  static async begin(
    ctx: ActionContext,
    pending: Release,
    prune: { history: readonly Release[]; historyMax: number },
  ): Promise<PendingOperation> {
    for (const old of revisionsToPrune(prune.history, prune.historyMax)) {
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
    const { name, namespace } = this.stored.release;
    await this.ctx.client
      .request('DELETE', leasePath(namespace, leaseName(name)), { verb: 'delete', resource: 'leases', namespace })
      .catch(() => undefined);
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
    const { name, namespace } = this.stored.release;
    const identity = `${hostname()}/${process.pid}`;
    const body = (): Lease & Record<string, unknown> => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName(name), namespace },
      spec: { holderIdentity: identity, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime(new Date()) },
    });
    const renew = () =>
      this.ctx.client.request(
        'PATCH',
        leasePath(namespace, leaseName(name)),
        { verb: 'apply', resource: 'leases', namespace },
        {
          body: body(),
          contentType: 'application/apply-patch+yaml',
          query: { fieldManager: 'rayctl', force: true },
        },
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
export async function assertNoLiveOperation(ctx: ActionContext, release: Release): Promise<void> {
  let lease: Lease;
  try {
    lease = await ctx.client.request<Lease>('GET', leasePath(release.namespace, leaseName(release.name)), {
      verb: 'get',
      resource: 'leases',
      namespace: release.namespace,
    });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const ageSeconds = (ctx.now().getTime() - renewed) / 1000;
  if (Number.isFinite(ageSeconds) && ageSeconds < (lease.spec?.leaseDurationSeconds ?? LEASE_SECONDS)) {
    throw new UserError(
      `revision ${release.version} of "${release.name}" is still being worked on by rayctl ${lease.spec?.holderIdentity ?? '(unknown)'} (heartbeat ${Math.max(0, Math.round(ageSeconds))} s ago)`,
      'wait for that command to finish; --recover is for operations whose process is gone',
    );
  }
}
