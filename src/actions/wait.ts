import { setTimeout as sleep } from 'node:timers/promises';
import { describeObject, type KubeObject } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import type { ActionContext } from './context.ts';

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

/**
 * Waits until every Deployment is available and every RayCluster is Running, showing what is being waited for.
 * On timeout, says what was not ready and why (pending pods with their scheduling reasons).
 */
export async function waitForReady(
  ctx: ActionContext,
  objects: readonly KubeObject[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = objects.filter((o) => readinessOf(o));
  for (;;) {
    const notReady: string[] = [];
    for (const object of pending) {
      const why = readinessOf(object)!(await ctx.objects.get(object));
      if (why) notReady.push(`${describeObject(object)}: ${why}`);
    }
    if (notReady.length === 0) {
      ctx.progress.doneWaiting();
      return;
    }
    ctx.progress.waiting(`waiting for ${notReady.join('; ')}`);
    if (Date.now() > deadline) {
      ctx.progress.doneWaiting();
      const reasons = await pendingPodReasons(ctx, pending);
      throw new UserError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for:\n  - ${[...notReady, ...reasons].join('\n  - ')}`,
        'raise --timeout, or look at the pods with `kubectl get pods` and `kubectl describe pod`',
      );
    }
    await sleep(POLL_MS);
  }
}

interface PodSummary {
  metadata: { name: string };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** For each namespace of the waited-for objects: pods that are not running, with the scheduler's reason. */
async function pendingPodReasons(ctx: ActionContext, objects: readonly KubeObject[]): Promise<string[]> {
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
  const reasons: string[] = [];
  for (const namespace of namespaces) {
    const pods = await ctx.objects.list<PodSummary>('v1', 'Pod', { namespace }).catch(() => []);
    for (const pod of pods) {
      if (pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded') continue;
      const stuck = pod.status?.conditions?.find((c) => c.status === 'False');
      const why = stuck
        ? `${stuck.type}=False ${stuck.reason ?? ''}${stuck.message ? `: ${stuck.message}` : ''}`
        : 'no conditions yet';
      reasons.push(
        `pod "${pod.metadata.name}" in namespace "${namespace}" is ${pod.status?.phase ?? 'Pending'} (${why.trim()})`,
      );
    }
  }
  return reasons;
}
