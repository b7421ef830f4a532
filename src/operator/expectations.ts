// What the operator did that its cache has not shown yet ("expectations", as in KubeRay and controller-runtime): a
// pod created counts as present, and one deleted as gone, until the watch catches up or a TTL passes. Without them
// a reconcile on a stale cache would create a second pod for one slot, or delete one twice.
import type { PendingPod } from './desired.ts';

/** After this, an expectation is dropped: the create or delete surely happened, or failed unseen. */
export const EXPECTATION_TTL_MS = 60_000;

export class Expectations {
  private readonly creates = new Map<string, Map<string, PendingPod & { at: number }>>();
  private readonly deletes = new Map<string, Map<string, number>>();
  /**
   * Pods the watch has shown recently, by namespace/name. The watch can show a new pod before the create call that
   * made it returns; an expectation recorded after that would never be met.
   */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = EXPECTATION_TTL_MS,
  ) {}

  /** A pod of cluster `cluster` (namespace/name) was created as `pod.name` in `namespace`. */
  created(cluster: string, namespace: string, pod: PendingPod): void {
    if (this.seen.has(`${namespace}/${pod.name}`)) return;
    const pending = this.creates.get(cluster) ?? new Map<string, PendingPod & { at: number }>();
    pending.set(pod.name, { ...pod, at: this.now() });
    this.creates.set(cluster, pending);
  }

  deleted(cluster: string, podName: string): void {
    const pending = this.deletes.get(cluster) ?? new Map<string, number>();
    pending.set(podName, this.now());
    this.deletes.set(cluster, pending);
  }

  /** The watch showed a pod of `cluster`: the expectations about it are met. */
  observed(type: 'added' | 'modified' | 'deleted', cluster: string, namespace: string, podName: string): void {
    if (type === 'added') this.rememberSeen(`${namespace}/${podName}`);
    if (type === 'deleted') this.deletes.get(cluster)?.delete(podName);
    else this.creates.get(cluster)?.delete(podName);
  }

  /** Pods created for `cluster` and not yet in the cache, expired ones dropped. */
  pendingCreates(cluster: string): PendingPod[] {
    const pending = this.creates.get(cluster);
    if (!pending) return [];
    this.prune(pending, (p) => p.at);
    return [...pending.values()].map(({ at: _at, ...pod }) => pod);
  }

  /** Whether `podName` was deleted for `cluster` and the cache has not shown it gone (cheap: one lookup, no pruning). */
  isDeleting(cluster: string, podName: string): boolean {
    const at = this.deletes.get(cluster)?.get(podName);
    return at !== undefined && this.now() - at < this.ttlMs;
  }

  /** Pods deleted for `cluster` that the cache still holds, expired ones dropped. */
  pendingDeletes(cluster: string): Set<string> {
    const pending = this.deletes.get(cluster);
    if (!pending) return new Set();
    this.prune(pending, (at) => at);
    return new Set(pending.keys());
  }

  /** The cluster is gone: nothing about it is expected any more. */
  forget(cluster: string): void {
    this.creates.delete(cluster);
    this.deletes.delete(cluster);
  }

  private prune<V>(pending: Map<string, V>, at: (value: V) => number): void {
    const now = this.now();
    for (const [name, value] of pending) if (now - at(value) >= this.ttlMs) pending.delete(name);
  }

  private rememberSeen(podKey: string): void {
    const now = this.now();
    this.seen.set(podKey, now);
    // Bounded: old sightings matter to no create call still in flight.
    if (this.seen.size > 10_000) for (const [key, at] of this.seen) if (now - at >= this.ttlMs) this.seen.delete(key);
  }
}
