// What the operator's caches keep of each object: only the fields a reconcile (desired.ts, controller.ts) or the
// autoscaler's view reads. A pod as the API server sends it is several KB (managed fields, the whole spec, container
// statuses); a thousand-pod cluster's cache would hold megabytes nobody reads.
import { HEAD_UID_ANNOTATION } from './labels.ts';
import type { Pod, RayCluster, Service } from './types.ts';

/**
 * A pod as the cache keeps it. Kept: metadata.name, namespace, uid, resourceVersion, creationTimestamp,
 * deletionTimestamp, labels, the head-uid annotation (no other annotation), ownerReferences (uid and controller);
 * status.phase, status.podIP and the Ready condition (type and status). Dropped: everything else, the spec included.
 */
export function slimPod(pod: Pod): Pod {
  const m = pod.metadata;
  const metadata: Pod['metadata'] = { name: m.name };
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.creationTimestamp !== undefined) metadata.creationTimestamp = m.creationTimestamp;
  if (m.deletionTimestamp !== undefined) metadata.deletionTimestamp = m.deletionTimestamp;
  if (m.labels !== undefined) metadata.labels = m.labels;
  const headUid = m.annotations?.[HEAD_UID_ANNOTATION];
  if (headUid !== undefined) metadata.annotations = { [HEAD_UID_ANNOTATION]: headUid };
  if (m.ownerReferences !== undefined)
    metadata.ownerReferences = m.ownerReferences.map((o) =>
      o.controller === undefined ? { uid: o.uid } : { uid: o.uid, controller: o.controller },
    );
  const slim: Pod = { metadata };
  const s = pod.status;
  if (s) {
    const status: NonNullable<Pod['status']> = {};
    if (s.phase !== undefined) status.phase = s.phase;
    if (s.podIP !== undefined) status.podIP = s.podIP;
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    if (ready) status.conditions = [{ type: 'Ready', status: ready.status }];
    slim.status = status;
  }
  return slim;
}

/** Whether two slim pods differ in anything a reconcile reads (a new resourceVersion alone is no change). */
export function podChanged(a: Pod, b: Pod): boolean {
  const am = a.metadata;
  const bm = b.metadata;
  return (
    am.uid !== bm.uid ||
    am.deletionTimestamp !== bm.deletionTimestamp ||
    am.creationTimestamp !== bm.creationTimestamp ||
    a.status?.phase !== b.status?.phase ||
    a.status?.podIP !== b.status?.podIP ||
    a.status?.conditions?.[0]?.status !== b.status?.conditions?.[0]?.status ||
    am.annotations?.[HEAD_UID_ANNOTATION] !== bm.annotations?.[HEAD_UID_ANNOTATION] ||
    !sameRecord(am.labels, bm.labels) ||
    !sameOwners(am.ownerReferences, bm.ownerReferences)
  );
}

/**
 * Whether a slim pod's change (one podChanged found) is only progress: it started (Pending → Running, its IP given)
 * or became Ready, and nothing else a reconcile reads changed. It moves the cluster's status, not what a plan does.
 */
export function podProgressed(old: Pod, pod: Pod): boolean {
  const was = old.status;
  const is = pod.status;
  if (is?.phase !== 'Running' || (was?.phase !== undefined && was.phase !== 'Pending' && was.phase !== 'Running'))
    return false;
  if (was?.conditions?.[0]?.status === 'True' && is.conditions?.[0]?.status !== 'True') return false;
  if (was?.podIP !== undefined && was.podIP !== is.podIP) return false;
  return !podChanged(old, { metadata: pod.metadata, ...(was ? { status: was } : {}) });
}

/**
 * Whether a pod event changes nothing a plan reads because the pod had already left every plan (desired.ts leaves out
 * terminating pods and those this operator deleted) and stays out: it is now terminating, or gone. A pod being
 * deleted sends two or three events after the plan that deleted it; none needs a reconcile.
 */
export function alreadyLeft(type: 'added' | 'modified' | 'deleted', old: Pod | undefined, pod: Pod, deleting: boolean) {
  const leftBefore = old !== undefined && (old.metadata.deletionTimestamp !== undefined || deleting);
  return leftBefore && (type === 'deleted' || pod.metadata.deletionTimestamp !== undefined);
}

const SERVICE_METADATA: string[] = ['namespace', 'uid', 'resourceVersion', 'labels', 'ownerReferences'];

/**
 * A head Service as the cache keeps it: metadata.name, namespace, uid, resourceVersion, labels, ownerReferences;
 * spec.clusterIP, spec.ports and spec.selector.
 */
export function slimService(service: Service): Service {
  const m = service.metadata;
  const metadata: Service['metadata'] = { name: m.name };
  for (const key of SERVICE_METADATA) if (m[key] !== undefined) metadata[key] = m[key];
  const spec = service.spec;
  return {
    metadata,
    ...(spec
      ? {
          spec: {
            ...(spec.clusterIP !== undefined ? { clusterIP: spec.clusterIP } : {}),
            ...(spec.ports !== undefined ? { ports: spec.ports } : {}),
            ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
          },
        }
      : {}),
  };
}

/** A RayCluster as the cache keeps it: all of it but metadata.managedFields (the spec is what the reconcile reads). */
export function slimCluster(cluster: RayCluster): RayCluster {
  const metadata = cluster.metadata as RayCluster['metadata'] & { managedFields?: unknown };
  if (metadata.managedFields === undefined) return cluster;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...cluster, metadata: rest };
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

function sameOwners(a: Pod['metadata']['ownerReferences'], b: Pod['metadata']['ownerReferences']): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((o, i) => o.uid === b[i]!.uid && o.controller === b[i]!.controller);
}
