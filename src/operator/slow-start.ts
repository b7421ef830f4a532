// Many calls of one kind (a cluster's worker creates) in parallel, but not blindly: in batches of 1, 2, 4, … as
// Kubernetes' ReplicaSet controller makes pods. Ten workers take four round trips instead of ten, and a refusal that
// would hit every call (a quota, an admission webhook) costs one failed call, not one per pod. Deletes, which no quota
// refuses, start at the largest batch.

import { MAX_SOCKETS } from '../kube/client.ts';

/**
 * The largest batch: as many calls as an HTTP/1.1 client has connections, so none of them waits for one. Over HTTP/2
 * they are streams of one connection; 16 then only bounds how many creates one batch risks when it fails.
 */
export const MAX_BATCH = MAX_SOCKETS;

/**
 * Runs `work` on each item, in order, in batches that double from `firstBatch` (1 unless calls of this kind have just
 * succeeded) up to MAX_BATCH, each batch in parallel. After a batch in which a call failed, no further batch starts and
 * the first failure is thrown: every call of that batch has settled by then, so what succeeded has been recorded by its
 * `work`.
 */
export async function inSlowStartBatches<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  firstBatch = 1,
): Promise<void> {
  let done = 0;
  for (let size = Math.min(firstBatch, MAX_BATCH); done < items.length; size = Math.min(size * 2, MAX_BATCH)) {
    const batch = items.slice(done, done + size);
    done += batch.length;
    const failed = (await Promise.allSettled(batch.map(work))).find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
  }
}
