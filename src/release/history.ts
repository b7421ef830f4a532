import { UserError } from '../errors.ts';
import { isPending, type Release } from './model.ts';

/** No revision of the release exists (for upgrade: none but an uninstalled one); `--install`, `--ignore-not-found` act on it. */
export class ReleaseNotFoundError extends UserError {
  constructor(ref: { name: string; namespace: string }, hint = 'list releases with `rayctl list -A`') {
    super(`release "${ref.name}" not found in namespace "${ref.namespace}"`, hint);
  }
}

/** The revision after the newest one (1 for a new release). */
/**
 * The revision a rollback restores: `version`, or without it the one before the latest (helm's rule). The release
 * must exist; a missing revision is a user error that says where to look.
 */
export function rollbackTarget(
  releases: readonly Release[],
  ref: { name: string; namespace: string },
  version: number | undefined,
): { last: Release; target: Release } {
  const last = latest(releases);
  if (!last) throw new ReleaseNotFoundError(ref);
  const target = releases.find((r) => r.version === (version ?? last.version - 1));
  if (!target) {
    throw new UserError(
      version === undefined
        ? `release "${ref.name}" has no revision before ${last.version} to roll back to`
        : `release "${ref.name}" has no revision ${version}`,
      `see the revisions with \`rayctl history ${ref.name} -n ${ref.namespace}\``,
    );
  }
  return { last, target };
}

export function nextVersion(history: readonly Release[]): number {
  return history.reduce((max, r) => Math.max(max, r.version), 0) + 1;
}

export function latest(history: readonly Release[]): Release | undefined {
  return history.reduce<Release | undefined>((best, r) => (best && best.version > r.version ? best : r), undefined);
}

export function lastDeployed(history: readonly Release[]): Release | undefined {
  return latest(history.filter((r) => r.info.status === 'deployed'));
}

/**
 * A pending-* latest revision means another rayctl or helm is (or was, until it was killed) changing the release;
 * nothing else may start until it is resolved.
 */
export function assertNoOperationInProgress(history: readonly Release[]): void {
  const last = latest(history);
  if (!last || !isPending(last.info.status)) return;
  const { name, namespace } = last;
  throw new UserError(
    `another operation is in progress on release "${name}" (revision ${last.version}, ${last.info.status} since ${last.info.last_deployed || 'an unknown time'})`,
    `if no other rayctl or helm is running it (it was killed), resolve it with \`rayctl upgrade ${name} -n ${namespace} --recover\` (marks it failed) or \`rayctl rollback ${name} -n ${namespace}\``,
  );
}

/**
 * The revisions to delete so that at most `max` remain once one more is created (0 = keep all): oldest first,
 * never the last deployed one, which rollbacks and `helm` need.
 */
export function revisionsToPrune(history: readonly Release[], max: number): Release[] {
  if (max <= 0) return [];
  const keep = lastDeployed(history);
  const candidates = [...history].sort((a, b) => a.version - b.version).filter((r) => r !== keep);
  const excess = history.length + 1 - max;
  return excess > 0 ? candidates.slice(0, excess) : [];
}
