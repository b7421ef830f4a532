import type { Release, ReleaseStatus } from '../../../src/release/model.ts';
import {
  revisionChanged,
  revisionTaken,
  type ReleaseStore,
  type Scope,
  type StoredRevision,
} from '../../../src/release/store.ts';

/** Every call yields once, as a round trip to the API server would, so that concurrent callers interleave. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

const key = (namespace: string, name: string, version: number) => `${namespace}/${name}/${version}`;

/**
 * Helm's memory driver for rayctl: revisions in a map, with the Secrets driver's rules (a create of an existing
 * revision and an update of a changed one both lose with ReleaseConflictError). Records are copied in and out, so
 * a test cannot change what is stored by holding on to an object.
 */
export class MemoryReleaseStore implements ReleaseStore {
  private readonly records = new Map<string, StoredRevision>();
  private version = 0;

  async history(name: string, namespace: string): Promise<StoredRevision[]> {
    await roundTrip();
    return [...this.records.values()]
      .filter((r) => r.release.name === name && r.release.namespace === namespace)
      .sort((a, b) => a.release.version - b.release.version)
      .map((r) => structuredClone(r));
  }

  async get(name: string, namespace: string, version: number): Promise<StoredRevision | undefined> {
    await roundTrip();
    const stored = this.records.get(key(namespace, name, version));
    return stored && structuredClone(stored);
  }

  async create(release: Release): Promise<StoredRevision> {
    await roundTrip();
    const k = key(release.namespace, release.name, release.version);
    if (this.records.has(k)) throw revisionTaken(release);
    return this.put(k, release);
  }

  async update(stored: StoredRevision, release: Release): Promise<StoredRevision> {
    await roundTrip();
    const k = key(release.namespace, release.name, release.version);
    if (this.records.get(k)?.resourceVersion !== stored.resourceVersion) throw revisionChanged(release);
    return this.put(k, release);
  }

  async delete(name: string, namespace: string, version: number): Promise<void> {
    await roundTrip();
    this.records.delete(key(namespace, name, version));
  }

  async listLatest(scope: Scope, statuses: ReadonlySet<ReleaseStatus>): Promise<Release[]> {
    await roundTrip();
    const latest = new Map<string, Release>();
    for (const { release } of this.records.values()) {
      if ('namespace' in scope && release.namespace !== scope.namespace) continue;
      const k = `${release.namespace}/${release.name}`;
      if ((latest.get(k)?.version ?? 0) < release.version) latest.set(k, release);
    }
    return [...latest.values()].filter((r) => statuses.has(r.info.status)).map((r) => structuredClone(r));
  }

  /** Statuses by version, for compact assertions: `{ 1: 'superseded', 2: 'deployed' }`. */
  async statuses(name: string, namespace: string): Promise<Record<number, ReleaseStatus>> {
    return Object.fromEntries(
      (await this.history(name, namespace)).map((r) => [r.release.version, r.release.info.status]),
    );
  }

  private put(k: string, release: Release): StoredRevision {
    const stored = { release: structuredClone(release), resourceVersion: String(++this.version) };
    this.records.set(k, stored);
    return structuredClone(stored);
  }
}
