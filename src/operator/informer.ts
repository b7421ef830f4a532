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

/** List and watch of one collection on the API server, e.g. /api/v1/pods, optionally by label selector. */
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
      // An IncomingMessage is already both: async-iterable (strings, with an encoding set) and destroyable.
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
    private readonly onChange: (type: ChangeType, object: T) => void,
    private readonly log: Logger,
    /** What to look objects up by besides their key (byIndex); undefined = not indexed. */
    private readonly indexOf?: (object: T) => string | undefined,
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
    for (const item of list.items) {
      const key = Informer.key(item.metadata.namespace, item.metadata.name);
      seen.add(key);
      const old = this.cache.get(key);
      this.put(key, item);
      if (!old) this.onChange('added', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.onChange('modified', item);
    }
    for (const [key, item] of this.cache) {
      if (!seen.has(key)) {
        this.remove(key, item);
        this.onChange('deleted', item);
      }
    }
    this.resourceVersion = list.resourceVersion;
    this.syncedResolve();
  }

  private async watch(): Promise<void> {
    const response = await this.source.watch(this.resourceVersion ?? '');
    this.response = response;
    let buffer = '';
    for await (const chunk of response) {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim())
          this.handle(JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } });
        newline = buffer.indexOf('\n');
      }
    }
  }

  private handle(event: { type: string; object: T & { code?: number; message?: string } }): void {
    const { object } = event;
    if (event.type === 'ERROR') {
      throw new KubeError(
        `watch ${this.kind}: ${object.message ?? 'error'}`,
        { verb: 'watch', resource: this.kind },
        object.code ?? 500,
        '',
      );
    }
    this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const key = Informer.key(object.metadata.namespace, object.metadata.name);
    if (event.type === 'DELETED') {
      this.remove(key, this.cache.get(key) ?? object);
      this.onChange('deleted', object);
    } else {
      const existed = this.cache.has(key);
      this.put(key, object);
      this.onChange(existed ? 'modified' : 'added', object);
    }
  }
}
