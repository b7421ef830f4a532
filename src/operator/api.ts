// Typed calls for the objects rayctl reads and writes by kind — Pods, Events, Leases, Services, RayClusters — so that
// each path, verb and call description is written once. Whole-object work of any kind (the chart's objects) goes
// through kube/resources.ts instead.
import type { KubeResponse } from '../kube/http2.ts';
import type { KubeClient } from '../kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../kube/errors.ts';
import { MANAGED_FIELDS } from './informer.ts';
import { rayClusterPath } from './labels.ts';
import type { NewPod, Pod, RayCluster, RayClusterStatus, Service } from './types.ts';

const pods = (namespace?: string, name?: string, sub?: string) =>
  `/api/v1${namespace ? `/namespaces/${namespace}` : ''}/pods${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;
const leases = (namespace: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name ? `/${name}` : ''}`;

/**
 * For writes whose answer is read for its metadata at most: the API server sends the object back without spec and
 * status (a pod's create or delete answer shrinks by more than half), which is bytes to read and JSON to parse saved on
 * every pod the operator makes. Plain JSON from a server that cannot. Read without managedFields (parseWrittenMeta).
 */
const METADATA_ONLY = {
  accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
  parse: parseWrittenMeta,
};

/** What the API server answers a write with when asked for METADATA_ONLY. */
export interface WrittenMeta {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/**
 * An answer to a write, parsed up to its metadata's managedFields. They are most of what is left of a pod's answer
 * (a worker pod's: ~700 bytes of name, uid and labels, then ~2 KB of field paths), and no caller reads them or anything
 * after them: the API server writes metadata right after kind and apiVersion, and managedFields as its last field.
 * So the text up to the first `,"managedFields":[` (which no string holds: its quotes would be escaped), closed with
 * `}}`, is the object with metadata's other fields. Any other layout is parsed whole.
 */
export function parseWrittenMeta(json: string): unknown {
  const managed = json.indexOf(MANAGED_FIELDS);
  if (managed >= 0)
    try {
      return JSON.parse(`${json.slice(0, managed)}}}`);
    } catch {
      // Not the layout described above.
    }
  return JSON.parse(json);
}

/** Undefined for a 404, so callers write `if (!x)` instead of try/catch. */
async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export class PodApi {
  constructor(private readonly client: KubeClient) {}

  /** Pods in a namespace (all namespaces without one) matching a label selector. */
  async list<T = Pod>(namespace: string | undefined, labelSelector: string): Promise<T[]> {
    const call = { verb: 'list', resource: 'pods', ...(namespace ? { namespace } : {}) };
    const result = await this.client.request<{ items: T[] }>('GET', pods(namespace), call, {
      query: { labelSelector },
    });
    return result.items;
  }

  /** Creates the pod; the answer is its metadata (the name a generateName made). */
  create(namespace: string, pod: NewPod): Promise<WrittenMeta> {
    return this.client.request<WrittenMeta>(
      'POST',
      pods(namespace),
      { verb: 'create', resource: 'pods', namespace },
      { body: pod, ...METADATA_ONLY },
    );
  }

  /** Deletes the pod if it is still the one with `uid` (a replacement of the same name is left alone); false if gone. */
  async delete(namespace: string, name: string, uid?: string): Promise<boolean> {
    const deleted = await orUndefined(
      this.client.request(
        'DELETE',
        pods(namespace, name),
        { verb: 'delete', resource: 'pods', namespace, name },
        {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', ...(uid ? { preconditions: { uid } } : {}) },
          ...METADATA_ONLY,
        },
      ),
    );
    return deleted !== undefined;
  }

  /** The log of a pod's container as a stream, with the API server's timestamps. */
  log(
    namespace: string,
    name: string,
    query: { container?: string; follow?: boolean; sinceSeconds?: number },
  ): Promise<KubeResponse> {
    return this.client.stream(
      pods(namespace, name, 'log'),
      { verb: 'get', resource: 'pods/log', namespace, name },
      { timestamps: true, ...query },
    );
  }
}

export interface EventInfo {
  type: string;
  reason: string;
  message: string;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

export class EventApi {
  constructor(private readonly client: KubeClient) {}

  /** The Events about one object of a kind, e.g. a RayCluster. */
  async about(namespace: string, kind: string, name: string): Promise<EventInfo[]> {
    const result = await this.client.request<{ items: EventInfo[] }>(
      'GET',
      `/api/v1/namespaces/${namespace}/events`,
      { verb: 'list', resource: 'events', namespace },
      { query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` } },
    );
    return result.items;
  }

  /** Records an Event (`kubectl describe` shows it) on an object, from `component`. */
  async record(
    involved: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string },
    event: { type: 'Normal' | 'Warning'; reason: string; message: string; component: string },
  ): Promise<void> {
    const now = new Date().toISOString();
    const { namespace } = involved;
    await this.client.request(
      'POST',
      `/api/v1/namespaces/${namespace}/events`,
      { verb: 'create', resource: 'events', namespace },
      {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${involved.name}.`, namespace },
          involvedObject: involved,
          reason: event.reason,
          message: event.message,
          type: event.type,
          source: { component: event.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
        ...METADATA_ONLY,
      },
    );
  }
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Leases with compare-and-swap writes: a lost race is `undefined`, not an error. */
export class LeaseApi {
  constructor(private readonly client: KubeClient) {}

  get(namespace: string, name: string): Promise<Lease | undefined> {
    return orUndefined(
      this.client.request<Lease>('GET', leases(namespace, name), { verb: 'get', resource: 'leases', namespace, name }),
    );
  }

  /** Creates the lease; undefined if another candidate created it first. */
  async create(lease: Lease): Promise<Lease | undefined> {
    const { namespace, name } = lease.metadata;
    try {
      return await this.client.request<Lease>(
        'POST',
        leases(namespace),
        { verb: 'create', resource: 'leases', namespace, name },
        { body: lease },
      );
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  /** Replaces the lease at the resourceVersion it carries; undefined if it changed since (another writer won). */
  async update(lease: Lease): Promise<Lease | undefined> {
    const { namespace, name } = lease.metadata;
    try {
      return await this.client.request<Lease>(
        'PUT',
        leases(namespace, name),
        { verb: 'update', resource: 'leases', namespace, name },
        { body: lease },
      );
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }
}

export class RayClusterApi {
  constructor(private readonly client: KubeClient) {}

  get(namespace: string, name: string): Promise<RayCluster | undefined> {
    return orUndefined(
      this.client.request<RayCluster>('GET', rayClusterPath(namespace, name), {
        verb: 'get',
        resource: 'rayclusters',
        namespace,
        name,
      }),
    );
  }

  /** A JSON patch of the spec (with `test` operations guarding what it read). */
  patch(namespace: string, name: string, operations: unknown[], fieldManager: string): Promise<RayCluster> {
    return this.client.request<RayCluster>(
      'PATCH',
      rayClusterPath(namespace, name),
      { verb: 'patch', resource: 'rayclusters', namespace, name },
      { body: operations, contentType: 'application/json-patch+json', query: { fieldManager } },
    );
  }

  /**
   * Sets the whole status through the status subresource. A JSON patch, not a merge patch: a merge would keep fields
   * the new status no longer has (a pending demand that was met, an infeasible one that went away). Returns the
   * resourceVersion the write made.
   */
  async replaceStatus(namespace: string, name: string, status: RayClusterStatus): Promise<string | undefined> {
    const written = await this.client.request<WrittenMeta | undefined>(
      'PATCH',
      rayClusterPath(namespace, name, 'status'),
      { verb: 'patch', resource: 'rayclusters/status', namespace, name },
      {
        body: [{ op: 'add', path: '/status', value: status }],
        contentType: 'application/json-patch+json',
        ...METADATA_ONLY,
      },
    );
    return written?.metadata.resourceVersion;
  }
}

/**
 * Head Services. Created with a plain create, which never touches a Service that exists (someone else's is left
 * alone, see the controller); found by name through a list (the operator may list Services, not get them); kept
 * in line by a merge patch of exactly the fields the operator owns, whoever created the Service.
 */
export class ServiceApi {
  constructor(private readonly client: KubeClient) {}

  /** The Service as created; undefined if one of that name exists already. */
  async create(service: Service, fieldManager: string): Promise<Service | undefined> {
    const namespace = service.metadata.namespace ?? '';
    try {
      return await this.client.request<Service>(
        'POST',
        `/api/v1/namespaces/${namespace}/services`,
        { verb: 'create', resource: 'services', namespace },
        { body: service, query: { fieldManager } },
      );
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  async find(namespace: string, name: string): Promise<Service | undefined> {
    const result = await this.client.request<{ items: Service[] }>(
      'GET',
      `/api/v1/namespaces/${namespace}/services`,
      { verb: 'list', resource: 'services', namespace },
      { query: { fieldSelector: `metadata.name=${name}` } },
    );
    return result.items[0];
  }

  /**
   * Puts `desired`'s labels (others stay), selector (exactly) and ports (whole: a port taken out of headServicePorts
   * goes) on `live`. A merge patch, not an apply: the fields of a Service made by a create are owned by an update,
   * which an apply would never remove.
   */
  async update(desired: Service, live: Service, fieldManager: string): Promise<void> {
    const namespace = desired.metadata.namespace ?? '';
    const { name } = desired.metadata;
    const want = desired.spec as { selector?: Record<string, string>; ports?: unknown };
    const have = (live.spec ?? {}) as { selector?: Record<string, string> };
    // A merge patch merges maps: keys of the live selector that are not wanted are removed with null.
    const selector: Record<string, string | null> = { ...want.selector };
    for (const key of Object.keys(have.selector ?? {})) if (!(key in selector)) selector[key] = null;
    await this.client.request(
      'PATCH',
      `/api/v1/namespaces/${namespace}/services/${name}`,
      { verb: 'patch', resource: 'services', namespace, name },
      {
        body: { metadata: { labels: desired.metadata.labels ?? {} }, spec: { selector, ports: want.ports } },
        contentType: 'application/merge-patch+json',
        query: { fieldManager },
      },
    );
  }
}
