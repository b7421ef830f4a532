// Why pods are not ready, in the words a user can act on: a container's waiting reason and message
// (ImagePullBackOff, ErrImagePull, CrashLoopBackOff with its last exit code, CreateContainerConfigError ...), the
// scheduler's message for an unschedulable pod, or a failing readiness probe. Pure: pods in, lines out.
import type { KubeObject } from '../chart/objects.ts';
import { clusterPodSelector } from '../operator/labels.ts';

export interface PodState {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerState[];
    initContainerStatuses?: ContainerState[];
  };
}

interface ContainerState {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { exitCode?: number } };
  lastState?: { terminated?: { exitCode?: number; reason?: string } };
}

/** Waiting reasons the kubelet sets while a container is merely being created: not worth naming. */
const ROUTINE = new Set(['ContainerCreating', 'PodInitializing']);

/** One line per pod that is not ready, saying what blocks it; ready or finished pods give none. */
export function podBlockers(pods: readonly PodState[]): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const why = blocker(pod);
    if (why) lines.push(`pod ${pod.metadata.name}: ${why}`);
  }
  return lines;
}

function blocker(pod: PodState): string | undefined {
  const status = pod.status ?? {};
  if (status.phase === 'Succeeded') return undefined;
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return `not scheduled (${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''})`;
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && !ROUTINE.has(waiting.reason)) {
      const last = container.lastState?.terminated;
      const exited = waiting.reason === 'CrashLoopBackOff' && last ? `, last exit code ${last.exitCode ?? '?'}` : '';
      return `container ${container.name} ${waiting.reason}${exited}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
  }
  if (status.phase === 'Failed') return 'Failed';
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (status.phase === 'Running' && ready?.status !== 'True') {
    const notReady = status.containerStatuses?.filter((c) => !c.ready).map((c) => c.name) ?? [];
    return `running, not ready (${notReady.length ? `containers ${notReady.join(', ')}` : 'readiness'})`;
  }
  if (!scheduled) return 'not scheduled yet';
  return status.phase === 'Running' ? undefined : 'starting';
}

/** The pods an object waits on: a Deployment's (by its selector) or a RayCluster's (by the cluster label). */
export function podsSelector(object: KubeObject): { namespace: string; labelSelector: string } | undefined {
  const namespace = object.metadata.namespace;
  if (!namespace) return undefined;
  if (object.kind === 'Deployment') {
    const labels = (object.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
      ?.matchLabels;
    if (!labels || Object.keys(labels).length === 0) return undefined;
    return {
      namespace,
      labelSelector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    };
  }
  if (object.kind === 'RayCluster') return { namespace, labelSelector: clusterPodSelector(object.metadata.name) };
  return undefined;
}
