import { setTimeout as sleep } from 'node:timers/promises';
import { describeObject, type KubeObject } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { KubeError } from '../kube/errors.ts';
import { isTransient } from '../kube/retry.ts';
import { podBlockers, podsSelector, type PodState } from './blockers.ts';
import type { ReleaseContext } from './context.ts';

const POLL_MS = 500;

/** Why an object is not ready yet, or undefined when it is. */
type Readiness = (live: KubeObject | undefined) => string | undefined;

function readinessOf(object: KubeObject): Readiness | undefined {
  switch (object.kind) {
    case 'Deployment':
      return deploymentReadiness;
    case 'RayCluster':
      return rayClusterReadiness;
    default:
      return undefined;
  }
}

function deploymentReadiness(live: KubeObject | undefined): string | undefined {
  if (!live) return 'does not exist';
  const spec = live.spec as { replicas?: number } | undefined;
  const status = (live.status ?? {}) as {
    observedGeneration?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
  };
  const wanted = spec?.replicas ?? 1;
  const generation = (live.metadata as { generation?: number }).generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return 'rollout not yet observed by the controller';
  if ((status.updatedReplicas ?? 0) < wanted) return `${status.updatedReplicas ?? 0}/${wanted} replicas updated`;
  if ((status.availableReplicas ?? 0) < wanted) return `${status.availableReplicas ?? 0}/${wanted} replicas available`;
  return undefined;
}

function rayClusterReadiness(live: KubeObject | undefined): string | undefined {
  if (!live) return 'does not exist';
  const status = (live.status ?? {}) as {
    phase?: string;
    reason?: string;
    workers?: { ready?: number; desired?: number }[];
  };
  if (status.phase === 'Running') return undefined;
  const workers = { ready: 0, desired: 0 };
  for (const w of status.workers ?? []) {
    workers.ready += w.ready ?? 0;
    workers.desired += w.desired ?? 0;
  }
  const phase = status.phase ? `phase ${status.phase}` : 'no phase yet (is an operator serving this namespace?)';
  return `${phase}, ${workers.ready}/${workers.desired} workers ready${status.reason ? `: ${status.reason}` : ''}`;
}

/** How often the pods behind the waited-for objects are read for what blocks them (a list per object). */
const BLOCKERS_EVERY = 5;

/**
 * Waits until every Deployment is available and every RayCluster is Running, showing what is being waited for, for
 * how long, and what blocks the pods behind them (a container's waiting reason, the scheduler's message). On
 * timeout, says all of that in the error.
 */
export async function waitForReady(
  ctx: ReleaseContext,
  objects: readonly KubeObject[],
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const pending = objects.filter((o) => readinessOf(o));
  let blockers: string[] = [];
  let transient = 0;
  for (let poll = 0; ; poll++) {
    const notReady: KubeObject[] = [];
    const reasons: string[] = [];
    try {
      for (const object of pending) {
        const why = readinessOf(object)!(await ctx.objects.get(object));
        if (why) {
          notReady.push(object);
          reasons.push(`${describeObject(object)}: ${why}`);
        }
      }
    } catch (err) {
      // The client has retried already; an API server that stays away for longer (a restart, an upgrade) is waited
      // out until the deadline, as the objects themselves are.
      if (!(err instanceof KubeError && isTransient(err.status)) || Date.now() > deadline) throw err;
      transient++;
      ctx.progress.waiting(`the API server did not answer (${err.message}); still waiting (${transient} so far)`);
      await sleep(POLL_MS);
      continue;
    }
    if (transient > 0) ctx.progress.info(`waited out ${transient} failed reads from the API server`);
    transient = 0;
    if (notReady.length === 0) {
      ctx.progress.doneWaiting();
      return;
    }
    const timedOut = Date.now() > deadline;
    if (poll % BLOCKERS_EVERY === 0 || timedOut) blockers = await blockersOf(ctx, notReady);
    const elapsed = Math.round((Date.now() - started) / 1000);
    ctx.progress.waiting(`waiting for ${[...reasons, ...blockers].join('; ')} (${elapsed} s)`);
    if (timedOut) {
      ctx.progress.doneWaiting();
      throw new UserError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for:\n  - ${[...reasons, ...blockers].join('\n  - ')}`,
        'raise --timeout, or look at the pods with `kubectl get pods` and `kubectl describe pod`',
      );
    }
    await sleep(POLL_MS);
  }
}

/** What blocks the pods behind the objects not ready yet, one line per pod. */
async function blockersOf(ctx: ReleaseContext, objects: readonly KubeObject[]): Promise<string[]> {
  const lines: string[] = [];
  for (const object of objects) {
    const selector = podsSelector(object);
    if (!selector) continue;
    const pods = await ctx.objects.list<PodState>('v1', 'Pod', selector).catch(() => []);
    lines.push(...podBlockers(pods).map((line) => `${line} (${describeObject(object)})`));
  }
  return lines;
}
