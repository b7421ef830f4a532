import type { KubeObject } from '../../../src/chart/objects.ts';
import { UserError } from '../../../src/errors.ts';
import { KubeError } from '../../../src/kube/errors.ts';
import {
  builtInResource,
  type ClusterObjects,
  type KindResolver,
  type ResourceInfo,
} from '../../../src/kube/resources.ts';

/** Every call yields once, as a round trip to the API server would, so that concurrent callers interleave. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

type Ref = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** A call the fake is about to serve; a test's `failOn` may answer it with an error instead. */
export interface Call {
  verb: 'apply' | 'create' | 'get' | 'delete' | 'list';
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** A delete's propagation policy, when one was given. */
  propagation?: string;
}

/**
 * An in-memory API server for the release actions, as Helm tests its actions on a printing fake kube client:
 * objects by kind, namespace and name; built-in kinds plus those of the CRDs created in it (established at once);
 * apply replaces the object's fields; every call is recorded and may be made to fail.
 */
export class MemoryCluster implements ClusterObjects {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: Call[] = [];
  failOn: (call: Call) => Error | undefined = () => undefined;
  private resourceVersion = 0;

  readonly discovery: KindResolver = {
    find: (apiVersion, kind) => Promise.resolve(this.served(apiVersion, kind)),
    resource: async (apiVersion, kind) => {
      await roundTrip();
      const info = this.served(apiVersion, kind);
      if (!info) throw new UserError(`the cluster does not serve ${kind} (${apiVersion})`);
      return info;
    },
    // Nothing is remembered between lookups here, so callers always take their asking path.
    knownServed: () => Promise.resolve(false),
    reset: () => {},
  };

  async apply(object: KubeObject, options: { dryRun?: boolean }): Promise<KubeObject> {
    const info = await this.call('apply', object);
    const k = this.key(info, object);
    const live = this.objects.get(k);
    const next = this.stamp({ ...structuredClone(object), status: live?.status ?? object.status }, live);
    if (!options.dryRun) this.objects.set(k, next);
    return structuredClone(next);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const info = await this.call('create', object);
    const k = this.key(info, object);
    if (this.objects.has(k))
      throw new KubeError(
        `${info.plural} "${object.metadata.name}" already exists`,
        { verb: 'create', resource: info.plural, name: object.metadata.name },
        409,
        'AlreadyExists',
      );
    let created = this.stamp(structuredClone(object), undefined);
    if (object.kind === 'CustomResourceDefinition')
      created = { ...created, status: { conditions: [{ type: 'Established', status: 'True' }] } };
    this.objects.set(k, created);
    return structuredClone(created);
  }

  async get(ref: Ref): Promise<KubeObject | undefined> {
    const info = this.served(ref.apiVersion, ref.kind);
    if (!info) return undefined;
    await this.call('get', ref);
    const live = this.objects.get(this.key(info, ref));
    return live && structuredClone(live);
  }

  async delete(ref: Ref, options: { dryRun?: boolean; propagation?: string } = {}): Promise<boolean> {
    const info = this.served(ref.apiVersion, ref.kind);
    if (!info) return false;
    await this.call('delete', ref, options.propagation);
    if (options.dryRun) return this.objects.has(this.key(info, ref));
    return this.objects.delete(this.key(info, ref));
  }

  async list<T = KubeObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<T[]> {
    const info = this.served(apiVersion, kind);
    if (!info) return [];
    await this.call('list', { apiVersion, kind, metadata: { name: '', ...options } });
    const wanted = parseSelector(options.labelSelector);
    return [...this.objects.values()]
      .filter((o) => o.apiVersion === apiVersion && o.kind === kind)
      .filter((o) => !options.namespace || o.metadata.namespace === options.namespace)
      .filter((o) => Object.entries(wanted).every(([k, v]) => o.metadata.labels?.[k] === v))
      .map((o) => structuredClone(o) as T);
  }

  /** The live object of a kind and name, for assertions. */
  find(kind: string, name: string, namespace?: string): KubeObject | undefined {
    return [...this.objects.values()].find(
      (o) =>
        o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
    );
  }

  /** `Kind/name` of every object, sorted, for assertions. */
  names(): string[] {
    return [...this.objects.values()].map((o) => `${o.kind}/${o.metadata.name}`).sort();
  }

  private served(apiVersion: string, kind: string): ResourceInfo | undefined {
    const builtIn = builtInResource(apiVersion, kind);
    if (builtIn) return builtIn;
    for (const crd of this.objects.values()) {
      if (crd.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as {
        group: string;
        scope: string;
        names: { kind: string; plural: string };
        versions: { name: string; served: boolean }[];
      };
      const servedHere = spec.versions.some((v) => v.served && `${spec.group}/${v.name}` === apiVersion);
      if (servedHere && spec.names.kind === kind)
        return { apiVersion, kind, plural: spec.names.plural, namespaced: spec.scope === 'Namespaced' };
    }
    return undefined;
  }

  private async call(verb: Call['verb'], ref: Ref, propagation?: string): Promise<ResourceInfo> {
    const call: Call = {
      verb,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(ref.metadata.name ? { name: ref.metadata.name } : {}),
      ...(ref.metadata.namespace ? { namespace: ref.metadata.namespace } : {}),
      ...(propagation ? { propagation } : {}),
    };
    this.calls.push(call);
    await roundTrip();
    const failure = this.failOn(call);
    if (failure) throw failure;
    const info = this.served(ref.apiVersion, ref.kind);
    if (!info) throw new UserError(`the cluster does not serve ${ref.kind} (${ref.apiVersion})`);
    return info;
  }

  private key(info: ResourceInfo, ref: Ref): string {
    return `${info.apiVersion}/${info.kind}/${info.namespaced ? (ref.metadata.namespace ?? '') : ''}/${ref.metadata.name}`;
  }

  private stamp(object: KubeObject, live: KubeObject | undefined): KubeObject {
    const generation = Number(live?.metadata.generation ?? 0) + 1;
    return {
      ...object,
      metadata: {
        ...object.metadata,
        resourceVersion: String(++this.resourceVersion),
        generation,
      },
    };
  }
}

/** Equality selectors only (`a=b,c=d`): what the release actions use; anything else is refused, not ignored. */
function parseSelector(selector: string | undefined): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(
    selector.split(',').map((term) => {
      const match = /^([^=!]+)=([^=]*)$/.exec(term.trim());
      if (!match) throw new Error(`MemoryCluster: unsupported label selector term "${term}"`);
      return [match[1]!, match[2]!];
    }),
  );
}
