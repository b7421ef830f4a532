import { customLabels } from './custom-labels.ts';
import { UserError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound, KubeError } from '../kube/errors.ts';
import { isTransient } from '../kube/retry.ts';
import { decodeRelease, encodeRelease, OWNER, OWNER_LABEL, releaseLabels, SECRET_TYPE, secretName } from './codec.ts';
import type { Release, ReleaseStatus } from './model.ts';
import { revisionChanged, revisionTaken, type ReleaseStore, type Scope, type StoredRevision } from './store.ts';

interface SecretObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: { release?: string };
}

/**
 * Helm's Secrets driver: one Secret per revision, named and labelled as Helm does, so that `helm` and rayctl read
 * each other's releases. A new revision is a create (AlreadyExists means another writer won); an update carries
 * the resourceVersion it read, so a concurrent change is reported instead of overwritten.
 */
export class ReleaseStorage implements ReleaseStore {
  constructor(
    private readonly client: KubeClient,
    /** Told about records `listLatest` skips because they cannot be decoded. */
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Every revision of a release, oldest first. A record that cannot be decoded is an error, never skipped. */
  async history(name: string, namespace: string): Promise<StoredRevision[]> {
    const secrets = await this.listSecrets({ namespace }, `${OWNER_LABEL}=${OWNER},name=${name}`);
    return secrets.map((s) => this.toRevision(s)).sort((a, b) => a.release.version - b.release.version);
  }

  async get(name: string, namespace: string, version: number): Promise<StoredRevision | undefined> {
    try {
      const secret = await this.client.request<SecretObject>(
        'GET',
        `/api/v1/namespaces/${namespace}/secrets/${secretName(name, version)}`,
        { verb: 'get', resource: 'secrets', namespace, name: secretName(name, version) },
      );
      return this.toRevision(secret);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** `attempts`: how often a create whose outcome is unknown is tried again after reading (see below). */
  async create(release: Release, attempts = 3): Promise<StoredRevision> {
    const name = secretName(release.name, release.version);
    const createdAt = unixSeconds();
    try {
      const created = await this.client.request<SecretObject>(
        'POST',
        `/api/v1/namespaces/${release.namespace}/secrets`,
        { verb: 'create', resource: 'secrets', namespace: release.namespace, name },
        { body: this.toSecret(release, { createdAt }) },
      );
      return { release, resourceVersion: created.metadata.resourceVersion ?? '', createdAt };
    } catch (err) {
      if (isAlreadyExists(err)) throw revisionTaken(release);
      if (!(err instanceof KubeError && isTransient(err.status))) throw err;
      // The connection broke after the request left: the Secret may exist. A create is not sent again blindly:
      // read, then decide. Ours (the same record) is success; someone else's is a conflict; none, create again.
      const stored = await this.get(release.name, release.namespace, release.version);
      if (stored && JSON.stringify(stored.release) === JSON.stringify(release)) return stored;
      if (stored) throw revisionTaken(release);
      if (attempts <= 1) throw err;
      return this.create(release, attempts - 1);
    }
  }

  /** Replaces a revision, failing if it changed since `stored` was read. */
  async update(stored: StoredRevision, release: Release): Promise<StoredRevision> {
    const name = secretName(release.name, release.version);
    const secret = this.toSecret(release, {
      ...(stored.createdAt ? { createdAt: stored.createdAt } : {}),
      modifiedAt: unixSeconds(),
    });
    secret.metadata.resourceVersion = stored.resourceVersion;
    try {
      const updated = await this.client.request<SecretObject>(
        'PUT',
        `/api/v1/namespaces/${release.namespace}/secrets/${name}`,
        { verb: 'update', resource: 'secrets', namespace: release.namespace, name },
        { body: secret },
      );
      return {
        release,
        resourceVersion: updated.metadata.resourceVersion ?? '',
        ...(stored.createdAt ? { createdAt: stored.createdAt } : {}),
      };
    } catch (err) {
      // Deleted since it was read (pruned, uninstalled) is changed too, as the store's contract says.
      if (isConflict(err) || isNotFound(err)) {
        throw revisionChanged(release);
      }
      throw err;
    }
  }

  async delete(name: string, namespace: string, version: number): Promise<void> {
    try {
      await this.client.request('DELETE', `/api/v1/namespaces/${namespace}/secrets/${secretName(name, version)}`, {
        verb: 'delete',
        resource: 'secrets',
        namespace,
        name: secretName(name, version),
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * The latest revision of each release whose status is in `statuses`. Chooses from labels alone (a metadata-only
   * list), then fetches and decodes just the records it will return: Helm decodes every revision of every release.
   */
  async listLatest(scope: Scope, statuses: ReadonlySet<ReleaseStatus>, selector?: string): Promise<Release[]> {
    const base = [`${OWNER_LABEL}=${OWNER}`, ...(selector ? [selector] : [])].join(',');
    const metadata = await this.listSecrets(scope, base, true);
    const latest = new Map<string, { version: number; status: string; secret: string }>();
    for (const { metadata: m } of metadata) {
      const labels = m.labels ?? {};
      const version = Number(labels.version);
      const key = `${m.namespace}/${labels.name}`;
      if (!labels.name || !Number.isInteger(version)) continue;
      if ((latest.get(key)?.version ?? -1) < version)
        latest.set(key, { version, status: labels.status ?? '', secret: m.name });
    }
    const shown = [...latest.entries()].filter(([, v]) => statuses.has(v.status as ReleaseStatus));
    if (shown.length === 0) return [];
    const wanted = new Set(shown.map(([key, v]) => `${key.split('/')[0]}/${v.secret}`));
    const shownStatuses = [...new Set(shown.map(([, v]) => v.status))];
    const full = await this.listSecrets(scope, `${base},status in (${shownStatuses.join(',')})`);
    // As helm list: one corrupt record (perhaps in a namespace the user never looks at) must not hide the others.
    return full
      .filter((s) => wanted.has(`${s.metadata.namespace}/${s.metadata.name}`))
      .flatMap((s) => {
        try {
          return [this.toRevision(s).release];
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          this.warn(`skipping ${err.message}`);
          return [];
        }
      });
  }

  private async listSecrets(scope: Scope, labelSelector: string, metadataOnly = false): Promise<SecretObject[]> {
    const namespace = 'namespace' in scope ? scope.namespace : undefined;
    const path = namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets';
    const result = await this.client.request<{ items: SecretObject[] }>(
      'GET',
      path,
      { verb: 'list', resource: 'secrets', ...(namespace ? { namespace } : {}) },
      {
        query: { labelSelector, fieldSelector: `type=${SECRET_TYPE}` },
        ...(metadataOnly ? { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' } : {}),
      },
    );
    // An empty PartialObjectMetadataList has no items field at all.
    return result.items ?? [];
  }

  private toRevision(secret: SecretObject): StoredRevision {
    const source = `${secret.metadata.namespace}/${secret.metadata.name}`;
    const data = secret.data?.release;
    if (data === undefined) throw new UserError(`release record ${source} has no data.release`);
    const release = decodeRelease(Buffer.from(data, 'base64').toString('utf8'), source);
    const createdAt = secret.metadata.labels?.createdAt;
    const labels = customLabels(secret.metadata.labels);
    return {
      release: { ...release, namespace: release.namespace || secret.metadata.namespace, ...(labels ? { labels } : {}) },
      resourceVersion: secret.metadata.resourceVersion ?? '',
      ...(createdAt ? { createdAt } : {}),
    };
  }

  private toSecret(release: Release, timestamps: Record<string, string>): SecretObject & Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: SECRET_TYPE,
      metadata: {
        name: secretName(release.name, release.version),
        namespace: release.namespace,
        labels: { ...release.labels, ...releaseLabels(release), ...timestamps },
      },
      data: { release: Buffer.from(encodeRelease(release)).toString('base64') },
    };
  }
}

function unixSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}
