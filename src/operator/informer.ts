import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { KubeError } from '../kube/errors.ts';
import type { Logger } from './log.ts';

interface Meta {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

export type ChangeType = 'added' | 'modified' | 'deleted';

/** A watch's body: chunks of newline-delimited JSON events, until the server ends it or `destroy` does. */
export interface WatchStream extends AsyncIterable<string> {
  destroy(): void;
}

/** Where an informer's objects come from: one list, then watches from a resourceVersion. */
export interface ListWatch<T> {
  /** What the informer's messages call the kind, e.g. "pods". */
  readonly kind: string;
  list(): Promise<{ resourceVersion: string; items: T[] }>;
  watch(resourceVersion: string): Promise<WatchStream>;
}

/**
 * List and watch of one collection on the API server, e.g. /api/v1/pods, optionally by label selector, as JSON.
 * Watching pods as protobuf instead, as the control plane's own components do, was measured and saved nothing: at
 * 100 clusters × 10 workers the API server used the same CPU (15–17 s either way), and the operator no less (2.3–2.5 s
 * against 2.0–2.3 s), although its reader decoded only the fields the cache keeps (issue 13).
 */
export function apiListWatch<T>(client: KubeClient, kind: string, path: string, labelSelector?: string): ListWatch<T> {
  return {
    kind,
    async list() {
      const list = await client.request<{ metadata: { resourceVersion: string }; items?: T[] }>(
        'GET',
        path,
        { verb: 'list', resource: kind },
        { query: { labelSelector } },
      );
      return { resourceVersion: list.metadata.resourceVersion, items: list.items ?? [] };
    },
    async watch(resourceVersion) {
      const response = await client.stream(
        path,
        { verb: 'watch', resource: kind },
        { watch: 1, resourceVersion, allowWatchBookmarks: true, labelSelector, timeoutSeconds: 300 },
      );
      response.setEncoding('utf8');
      // A response is already both: async-iterable (strings, with an encoding set) and destroyable.
      return response;
    },
  };
}

/**
 * A cache of one kind kept current by list + watch. It survives what happens to long-lived watches: an expired
 * resourceVersion (410 Gone) relists, a dropped connection or an API server restart reconnects with backoff.
 */
export class Informer<T extends Meta> {
  private readonly cache = new Map<string, T>();
  /** Cache keys by index value (e.g. pods by their cluster), when an index function is given. */
  private readonly index = new Map<string, Set<string>>();
  private resourceVersion: string | undefined;
  private response: WatchStream | undefined;
  private stopped = false;
  private syncedResolve!: () => void;
  /** Resolves once the first list is in the cache. */
  readonly synced = new Promise<void>((resolve) => (this.syncedResolve = resolve));

  private readonly kind: string;

  constructor(
    private readonly source: ListWatch<T>,
    /** Called after the cache changed; `old` is what the cache held before a modification. */
    private readonly onChange: (type: ChangeType, object: T, old?: T) => void,
    private readonly log: Logger,
    /** What to look objects up by besides their key (byIndex); undefined = not indexed. */
    private readonly indexOf?: (object: T) => string | undefined,
    private readonly options: {
      /**
       * What the cache keeps of each object as it arrives, e.g. only the fields a reconcile reads: the rest (managed
       * fields, specs nobody reads) would only cost memory. Identity when not given.
       */
      transform?: (object: T) => T;
      /** Watch events are parsed without the object's spec, which nothing reads (see parseWatchEvent). */
      withoutSpec?: boolean;
    } = {},
  ) {
    this.kind = source.kind;
  }

  static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(Informer.key(namespace, name));
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The objects whose index value is `value`, without scanning the cache. */
  byIndex(value: string): T[] {
    return [...(this.index.get(value) ?? [])].map((key) => this.cache.get(key)!);
  }

  private put(key: string, object: T): void {
    const old = this.cache.get(key);
    if (old) this.unindex(key, old);
    this.cache.set(key, object);
    const value = this.indexOf?.(object);
    if (value === undefined) return;
    const keys = this.index.get(value) ?? new Set<string>();
    keys.add(key);
    this.index.set(value, keys);
  }

  private remove(key: string, object: T): void {
    this.cache.delete(key);
    this.unindex(key, object);
  }

  private unindex(key: string, object: T): void {
    const value = this.indexOf?.(object);
    if (value === undefined) return;
    const keys = this.index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) this.index.delete(value);
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.response?.destroy();
  }

  private async run(): Promise<void> {
    let backoffMs = 200;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watch();
        backoffMs = 200;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof KubeError && err.status === 410) {
          this.log.info(`${this.kind} watch expired (410 Gone): relisting`);
          this.resourceVersion = undefined;
          continue;
        }
        if (err instanceof KubeError && err.status === 404 && this.kind === 'rayclusters') {
          // Common on a new cluster: the operator starts before any release installed the CRD.
          this.log.warn(
            'the API server does not serve rayclusters yet (is the RayCluster CRD installed?); waiting for it',
          );
        } else {
          this.log.warn(`${this.kind} watch failed (${(err as Error).message}); retrying in ${backoffMs} ms`);
        }
        await sleep(backoffMs);
        // Short enough to notice a CRD or a restarted API server soon, long enough not to hammer it.
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.source.list();
    const seen = new Set<string>();
    for (const listed of list.items) {
      const item = this.options.transform ? this.options.transform(listed) : listed;
      const key = Informer.key(item.metadata.namespace, item.metadata.name);
      seen.add(key);
      const old = this.cache.get(key);
      this.put(key, item);
      if (!old) this.onChange('added', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.onChange('modified', item, old);
    }
    for (const [key, item] of this.cache) {
      if (!seen.has(key)) {
        this.remove(key, item);
        this.onChange('deleted', item, item);
      }
    }
    this.resourceVersion = list.resourceVersion;
    this.syncedResolve();
  }

  private async watch(): Promise<void> {
    const response = await this.source.watch(this.resourceVersion ?? '');
    this.response = response;
    // The start of a line whose end has not arrived yet; each chunk is searched for newlines once.
    let partial = '';
    for await (const chunk of response) {
      let from = 0;
      for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', from)) {
        const line = partial + chunk.slice(from, newline);
        partial = '';
        from = newline + 1;
        if (line.trim()) this.handle(parseWatchEvent<T>(line, this.options.withoutSpec));
      }
      partial += chunk.slice(from);
    }
  }

  private handle(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') {
      const { object } = event;
      throw new KubeError(
        `watch ${this.kind}: ${object.message ?? 'error'}`,
        { verb: 'watch', resource: this.kind },
        object.code ?? 500,
        '',
      );
    }
    this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const object = this.options.transform ? this.options.transform(event.object) : event.object;
    const key = Informer.key(object.metadata.namespace, object.metadata.name);
    const old = this.cache.get(key);
    if (event.type === 'DELETED') {
      this.remove(key, old ?? object);
      this.onChange('deleted', object, old);
    } else {
      this.put(key, object);
      if (old) this.onChange('modified', object, old);
      else this.onChange('added', object);
    }
  }
}

type WatchEvent<T> = { type: string; object: T & { code?: number; message?: string } };

/** Where an object's managedFields start in the API server's JSON, and what follows metadata's end. */
export const MANAGED_FIELDS = ',"managedFields":[';
const METADATA_END = ']},"spec":{';
/** Where an object's spec starts, and where it ends: right before its status. */
const SPEC = ',"spec":{';
const SPEC_END = '},"status":{';

/**
 * One watch event, parsed without its object's metadata.managedFields, which no cache keeps (for a pod they are 40% of
 * the bytes and, with their many one-off keys, half the time JSON.parse takes) and, `withoutSpec`, without its spec.
 * The API server writes an object's fields in a fixed order: metadata (managedFields its last field), spec, status.
 * So managedFields end at the first `]},"spec":{` after them, and the spec at the first `},"status":{` after it.
 * Neither can occur inside a JSON string (after a string's closing quote comes `,`, `:`, `}` or `]`, never a letter),
 * and a cut anywhere but at the end of the field it starts at leaves brackets unbalanced, which JSON.parse refuses:
 * then, as for any other layout, the event is parsed whole.
 */
export function parseWatchEvent<T>(line: string, withoutSpec = false): WatchEvent<T> {
  let text = line;
  const managed = text.indexOf(MANAGED_FIELDS);
  const metadataEnd = managed >= 0 ? text.indexOf(METADATA_END, managed + MANAGED_FIELDS.length) : -1;
  if (metadataEnd >= 0) text = text.slice(0, managed) + text.slice(metadataEnd + 1);
  if (withoutSpec) {
    const spec = text.indexOf(SPEC);
    const specEnd = spec >= 0 ? text.indexOf(SPEC_END, spec + SPEC.length) : -1;
    if (specEnd >= 0) text = text.slice(0, spec) + text.slice(specEnd + 1);
  }
  if (text !== line) {
    try {
      return JSON.parse(text) as WatchEvent<T>;
    } catch {
      // Not the layout described above: parsed whole below.
    }
  }
  return JSON.parse(line) as WatchEvent<T>;
}
