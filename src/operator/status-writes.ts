// When a RayCluster's status is written. Every pod of a cluster that starts, becomes Ready or goes changes the status a
// little (a ready count, a condition's message); one write per change is one API request per pod event and one more
// watch event and reconcile for the write itself. So a changed status waits until its cluster has been quiet for
// `quietMs` (or, while pod events keep coming, until the oldest unwritten change is `maxDelayMs` old), and a burst of
// changes is one write. Nothing is dropped: the reconcile that is told to wait is queued again for when the write is
// due, and the write then carries the latest status. A cluster that arrives (Running, Error) with a new phase, reason
// or observedGeneration is written at once: that is what `rayctl install --wait`, `kubectl wait` and scripts follow.
// The way there (Updating) waits like any other change: a new cluster or a scale that settles within seconds is one
// write, not two, and the pod creates that follow the start of it are reconciled again anyway.
import { canonicalJson } from './canonical-json.ts';
import type { RayClusterStatus } from './types.ts';

/** A quiet cluster's status is written this long after it changed. */
export const STATUS_QUIET_MS = 1_000;
/** A changing cluster's status is written at least this often. */
export const STATUS_MAX_DELAY_MS = 5_000;

export type StatusDecision = { write: true } | { write: false; retryInMs?: number };

interface Pending {
  json: string;
  firstAt: number;
  changedAt: number;
}

export class StatusWrites {
  /** What this replica last wrote, per cluster, and that as JSON (the operator builds statuses in one key order). */
  private readonly written = new Map<string, { status: RayClusterStatus; json: string }>();
  /** A status computed and not written yet, per cluster. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly quietMs = STATUS_QUIET_MS,
    private readonly maxDelayMs = STATUS_MAX_DELAY_MS,
  ) {}

  /**
   * A reconcile computed `status` for the cluster `key` (its uid) whose stored status is `stored` (the cache's, when this replica
   * has not written one yet): write it now, or not (and when to look again).
   */
  offer(key: string, status: RayClusterStatus, stored: RayClusterStatus | undefined): StatusDecision {
    const json = JSON.stringify(status);
    const written = this.written.get(key);
    // Until this replica wrote one, the stored status is the API server's, keys sorted: compared canonically.
    if (written ? json === written.json : canonicalJson(status) === canonicalJson(stored ?? {})) {
      this.pending.delete(key);
      return { write: false };
    }
    const before = written?.status ?? stored ?? {};
    if (
      status.phase !== 'Updating' &&
      (status.phase !== before.phase ||
        (status.reason ?? '') !== (before.reason ?? '') ||
        status.observedGeneration !== before.observedGeneration)
    )
      return { write: true };
    const now = this.now();
    let pending = this.pending.get(key);
    if (!pending) {
      pending = { json, firstAt: now, changedAt: now };
      this.pending.set(key, pending);
    } else if (pending.json !== json) {
      pending.json = json;
      pending.changedAt = now;
    }
    const due = Math.min(pending.changedAt + this.quietMs, pending.firstAt + this.maxDelayMs);
    return now >= due ? { write: true } : { write: false, retryInMs: due - now };
  }

  /** `status` was written for `key`. */
  wrote(key: string, status: RayClusterStatus): void {
    const json = JSON.stringify(status);
    this.written.set(key, { status, json });
    // What was waiting is older than this: the latest status a reconcile computed is the one written.
    this.pending.delete(key);
  }

  /** The status this replica last wrote for `key`, if any. */
  lastWritten(key: string): RayClusterStatus | undefined {
    return this.written.get(key)?.status;
  }

  /** Clusters with a status computed and not written yet. */
  unwritten(): string[] {
    return [...this.pending.keys()];
  }

  /** The cluster is gone. */
  forget(key: string): void {
    this.written.delete(key);
    this.pending.delete(key);
  }
}
