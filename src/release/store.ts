import { UserError } from '../errors.ts';
import type { Release, ReleaseStatus } from './model.ts';

/** A revision as stored: the release and the version of the record it was read at (for safe updates). */
export interface StoredRevision {
  release: Release;
  resourceVersion: string;
  /** The createdAt label (unix seconds), kept across updates. */
  createdAt?: string;
}

/** Where releases are listed from: one namespace, or all of them. */
export type Scope = { namespace: string } | { allNamespaces: true };

/** Another writer got there first; the message says what to do. */
export class ReleaseConflictError extends UserError {}

/**
 * Where release records live: Helm's storage driver, narrowed to what the actions use. The cluster's Secrets in
 * production (ReleaseStorage); an in-memory store in unit tests, as Helm tests its actions on its memory driver.
 */
export interface ReleaseStore {
  /** Every revision of a release, oldest first. */
  history(name: string, namespace: string): Promise<StoredRevision[]>;
  get(name: string, namespace: string, version: number): Promise<StoredRevision | undefined>;
  /** Writes a new revision; fails with ReleaseConflictError if that revision exists (another writer won). */
  create(release: Release): Promise<StoredRevision>;
  /** Replaces a revision; fails with ReleaseConflictError if it changed since `stored` was read. */
  update(stored: StoredRevision, release: Release): Promise<StoredRevision>;
  /** Deletes a revision; a missing one is not an error. */
  delete(name: string, namespace: string, version: number): Promise<void>;
  /** The latest revision of each release in scope whose status is in `statuses`. */
  listLatest(scope: Scope, statuses: ReadonlySet<ReleaseStatus>, selector?: string): Promise<Release[]>;
}

/** The error of a create that lost to another writer, worded the same by every store. */
export function revisionTaken(release: Release): ReleaseConflictError {
  return new ReleaseConflictError(
    `release "${release.name}" revision ${release.version} was just created by someone else: another operation on this release is running`,
    `wait for it to finish, then check \`rayctl history ${release.name} -n ${release.namespace}\``,
  );
}

/** The error of an update that lost to another writer. */
export function revisionChanged(release: Release): ReleaseConflictError {
  return new ReleaseConflictError(
    `release "${release.name}" revision ${release.version} was changed by someone else while this command ran`,
    `check \`rayctl history ${release.name} -n ${release.namespace}\` and retry`,
  );
}
