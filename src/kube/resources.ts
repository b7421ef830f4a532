import type { KubeObject } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import type { KubeClient } from './client.ts';
import { isNotFound, type KubeCall } from './errors.ts';

/** How the API server serves one kind: its REST plural and whether objects live in a namespace. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * Kinds every API server serves the same way: no discovery round trip for them (the /api/v1 document alone is tens
 * of kilobytes). Custom resources such as RayCluster are discovered.
 */
const BUILT_IN: Record<string, [plural: string, namespaced: boolean]> = {
  'v1/Namespace': ['namespaces', false],
  'v1/ServiceAccount': ['serviceaccounts', true],
  'v1/Secret': ['secrets', true],
  'v1/ConfigMap': ['configmaps', true],
  'v1/Service': ['services', true],
  'v1/Pod': ['pods', true],
  'v1/Event': ['events', true],
  'v1/PersistentVolumeClaim': ['persistentvolumeclaims', true],
  'apps/v1/Deployment': ['deployments', true],
  'apps/v1/ReplicaSet': ['replicasets', true],
  'apps/v1/StatefulSet': ['statefulsets', true],
  'apps/v1/DaemonSet': ['daemonsets', true],
  'batch/v1/Job': ['jobs', true],
  'rbac.authorization.k8s.io/v1/ClusterRole': ['clusterroles', false],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ['clusterrolebindings', false],
  'rbac.authorization.k8s.io/v1/Role': ['roles', true],
  'rbac.authorization.k8s.io/v1/RoleBinding': ['rolebindings', true],
  'coordination.k8s.io/v1/Lease': ['leases', true],
  // GA since Kubernetes 1.30, the oldest release still supported upstream.
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': ['validatingadmissionpolicies', false],
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': ['validatingadmissionpolicybindings', false],
  'apiextensions.k8s.io/v1/CustomResourceDefinition': ['customresourcedefinitions', false],
};

/** The REST info of a kind every API server serves, without asking. */
export function builtInResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  const builtIn = BUILT_IN[`${apiVersion}/${kind}`];
  return builtIn && { apiVersion, kind, plural: builtIn[0], namespaced: builtIn[1] };
}

/** Maps apiVersion + kind to REST paths by asking the API server once per apiVersion (like kubectl's discovery). */
export class Discovery implements KindResolver {
  private readonly lists = new Map<string, Promise<ApiResourceList | undefined>>();
  /** The apiVersions whose discovery has answered. */
  private readonly answered = new Set<string>();

  constructor(private readonly client: KubeClient) {}

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = await this.find(apiVersion, kind);
    if (!found) {
      throw new UserError(
        `the cluster does not serve ${kind} (${apiVersion})`,
        kind === 'RayCluster' ? 'install the RayCluster CRD: rayctl show crds | kubectl apply -f -' : undefined,
      );
    }
    return found;
  }

  /** Like resource(), but undefined when the cluster does not serve the kind (e.g. the CRD is not installed). */
  async find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const builtIn = builtInResource(apiVersion, kind);
    if (builtIn) return builtIn;
    let list = this.lists.get(apiVersion);
    if (!list) {
      list = this.fetch(apiVersion);
      this.lists.set(apiVersion, list);
      void list.then(
        () => this.answered.add(apiVersion),
        () => undefined,
      );
    }
    const entry = (await list)?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    return entry && { apiVersion, kind, plural: entry.name, namespaced: entry.namespaced };
  }

  /** Whether find() answers for the kind without asking the cluster (built in, or its apiVersion discovered). */
  answersAtOnce(apiVersion: string, kind: string): boolean {
    return builtInResource(apiVersion, kind) !== undefined || this.answered.has(apiVersion);
  }

  /** Whether discovery already answered that the cluster serves the kind, without asking it. */
  async knownServed(apiVersion: string, kind: string): Promise<boolean> {
    const list = this.lists.get(apiVersion);
    return list !== undefined && Boolean((await list)?.resources.some((r) => r.kind === kind));
  }

  /** Forget what was learnt, e.g. after installing a CRD. */
  reset(): void {
    this.lists.clear();
    this.answered.clear();
  }

  private async fetch(apiVersion: string): Promise<ApiResourceList | undefined> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      return await this.client.request<ApiResourceList>('GET', path, { verb: 'discover', resource: apiVersion });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The REST info discovery most likely gives a kind: the plural by Kubernetes' own rule for guessing one (lowercase;
 * -s gets -es, -y becomes -ies, anything else gets -s), namespaced if the object names a namespace.
 */
export function likelyResource(object: ObjectRef): ResourceInfo {
  const singular = object.kind.toLowerCase();
  const plural = singular.endsWith('s')
    ? `${singular}es`
    : singular.endsWith('y')
      ? `${singular.slice(0, -1)}ies`
      : `${singular}s`;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    plural,
    namespaced: object.metadata.namespace !== undefined,
  };
}

type Settled<T> = { value: T } | { error: unknown };

/** A promise that never rejects, so one whose result turns out unneeded raises no unhandled rejection. */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function unwrap<T>(result: Settled<T>): T {
  if ('error' in result) throw result.error;
  return result.value;
}

/** `/apis/apps/v1/namespaces/ns/deployments/name`; without a name, the collection. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const scope = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${info.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export function callFor(
  info: ResourceInfo,
  verb: string,
  object?: { metadata: { name: string; namespace?: string } },
): KubeCall {
  return {
    verb,
    resource: info.plural,
    ...(object?.metadata.name ? { name: object.metadata.name } : {}),
    ...(info.namespaced && object?.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** How a kind maps to REST: the part of discovery the actions use. */
export interface KindResolver {
  /** The kind's REST info; a UserError naming the kind when the cluster does not serve it. */
  resource(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** The kind's REST info, or undefined when the cluster does not serve it. */
  find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  /** True only when an earlier lookup already found the kind served: never asks the cluster. */
  knownServed(apiVersion: string, kind: string): Promise<boolean>;
  reset(): void;
}

type ObjectRef = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/**
 * The cluster operations the release actions use, on whole objects of any kind. `Objects` implements it over the
 * API server; unit tests use an in-memory cluster.
 */
export interface ClusterObjects {
  readonly discovery: KindResolver;
  apply(object: KubeObject, options: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<KubeObject>;
  create(object: KubeObject): Promise<KubeObject>;
  get(object: ObjectRef): Promise<KubeObject | undefined>;
  delete(
    object: ObjectRef,
    options?: { dryRun?: boolean; propagation?: 'Background' | 'Foreground' | 'Orphan' },
  ): Promise<boolean>;
  list<T = KubeObject>(
    apiVersion: string,
    kind: string,
    options?: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Promise<T[]>;
}

/** Typed helpers over the client for whole objects. */
export class Objects implements ClusterObjects {
  constructor(
    readonly client: KubeClient,
    readonly discovery: Discovery,
  ) {}

  /** Server-side apply: the API server merges our fields and records us as their manager. */
  async apply(
    object: KubeObject,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean },
  ): Promise<KubeObject> {
    const info = await this.discovery.resource(object.apiVersion, object.kind);
    if (!info.namespaced && object.metadata.namespace !== undefined) {
      const { namespace: _ignored, ...metadata } = object.metadata;
      object = { ...object, metadata };
    }
    return this.client.request<KubeObject>(
      'PATCH',
      resourcePath(info, object.metadata.namespace, object.metadata.name),
      callFor(info, 'apply', object),
      {
        body: object,
        contentType: 'application/apply-patch+yaml',
        query: {
          fieldManager: options.fieldManager,
          force: options.force ? true : undefined,
          dryRun: options.dryRun ? 'All' : undefined,
        },
      },
    );
  }

  /** Creates; AlreadyExists is the caller's to handle. */
  async create(object: KubeObject): Promise<KubeObject> {
    const info = await this.discovery.resource(object.apiVersion, object.kind);
    return this.client.request<KubeObject>(
      'POST',
      resourcePath(info, object.metadata.namespace),
      callFor(info, 'create', object),
      { body: object },
    );
  }

  /**
   * The live object, or undefined if it does not exist (or its kind is not served). A kind not discovered yet is read
   * while discovery runs, at the path discovery most likely names (likelyResource): one round trip instead of two,
   * and a second read only when the guess was wrong.
   */
  async get(object: ObjectRef): Promise<KubeObject | undefined> {
    const guess = this.discovery.answersAtOnce(object.apiVersion, object.kind) ? undefined : likelyResource(object);
    const early = guess && settled(this.read(guess, object));
    const info = await this.discovery.find(object.apiVersion, object.kind);
    if (!info) return undefined;
    if (early && guess.plural === info.plural && guess.namespaced === info.namespaced) return unwrap(await early);
    return this.read(info, object);
  }

  private async read(info: ResourceInfo, object: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.client.request<KubeObject>(
        'GET',
        resourcePath(info, object.metadata.namespace, object.metadata.name),
        callFor(info, 'get', object),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Deletes; true if it existed. Background propagation: dependents go after the owner, as kubectl does. */
  async delete(
    object: ObjectRef,
    options: { dryRun?: boolean; propagation?: 'Background' | 'Foreground' | 'Orphan' } = {},
  ): Promise<boolean> {
    const info = await this.discovery.find(object.apiVersion, object.kind);
    if (!info) return false;
    try {
      await this.client.request(
        'DELETE',
        resourcePath(info, object.metadata.namespace, object.metadata.name),
        callFor(info, 'delete', object),
        // With a body, the API server reads every option from it and ignores the query: dryRun goes in the body.
        {
          body: {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            propagationPolicy: options.propagation ?? 'Background',
            ...(options.dryRun ? { dryRun: ['All'] } : {}),
          },
        },
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async list<T = KubeObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const info = await this.discovery.find(apiVersion, kind);
    if (!info) return [];
    const result = await this.client.request<{ items: T[] }>(
      'GET',
      resourcePath(info, options.namespace),
      { verb: 'list', resource: info.plural, ...(options.namespace ? { namespace: options.namespace } : {}) },
      { query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector } },
    );
    return result.items ?? [];
  }
}
