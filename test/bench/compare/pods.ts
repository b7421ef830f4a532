// Watches the pods of one namespace and says when exactly N of them are Running and Ready: the finish line of every
// operator scenario, seen the same way for every contender (the watch is the admin's, so it is not audited).
import type { KubeHttp } from '../../cluster/kube-http.ts';

interface PodEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: {
    metadata: { name: string; deletionTimestamp?: string };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
  };
}

interface Target {
  count: number;
  resolve: (atMs: number) => void;
}

export class PodWatcher {
  private readonly ready = new Map<string, boolean>();
  private target: Target | undefined;
  private partial = '';
  private close: (() => void) | undefined;
  private stopped = false;
  private lastEventAt = performance.now();
  /** A stream that stays open but quiet while pods are still expected is listed again (see listAndWatch). */
  private readonly stallCheck = setInterval(() => this.relistIfStalled(), 2_000);

  private constructor(
    private readonly client: KubeHttp,
    private readonly namespace: string,
  ) {}

  /** Starts watching; call before anything creates pods in the namespace, so no event is missed. */
  static async start(client: KubeHttp, namespace: string): Promise<PodWatcher> {
    const watcher = new PodWatcher(client, namespace);
    await watcher.listAndWatch();
    return watcher;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.stallCheck);
    this.close?.();
  }

  private relistIfStalled(): void {
    if (!this.target || performance.now() - this.lastEventAt < 5_000) return;
    this.lastEventAt = performance.now();
    this.close?.(); // ends the stream; its end handler lists and watches again
  }

  /**
   * A list, then a watch from its resourceVersion, as an informer does: when the API server ends the watch (its
   * timeout, or a watcher too slow for a burst of thousands of events), list again and go on from there.
   */
  private async listAndWatch(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods`;
    const list = await this.client.get<{ metadata: { resourceVersion: string }; items: PodEvent['object'][] }>(path);
    this.ready.clear();
    for (const pod of list.items) this.onEvent({ type: 'ADDED', object: pod });
    this.partial = '';
    this.check();
    const query = `watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=600`;
    this.close = await this.client.stream(
      `${path}?${query}`,
      (text) => this.onText(text),
      () => this.rewatch(),
    );
  }

  private rewatch(): void {
    if (this.stopped) return;
    this.listAndWatch().catch((error: Error) => {
      process.stderr.write(`pod watch of ${this.namespace} lost: ${error.message}; retrying\n`);
      setTimeout(() => this.rewatch(), 500);
    });
  }

  /** Pods that exist (terminating ones included). */
  get total(): number {
    return this.ready.size;
  }

  /** Resolves with performance.now() of the event after which exactly `count` pods exist, all Running and Ready. */
  settled(count: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.target = undefined;
        const readyNow = [...this.ready.values()].filter(Boolean).length;
        reject(
          new Error(`${this.namespace}: ${readyNow}/${count} pods ready (${this.total} exist) after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.target = {
        count,
        resolve: (atMs) => {
          clearTimeout(timer);
          resolve(atMs);
        },
      };
      this.check();
    });
  }

  private onText(text: string): void {
    this.lastEventAt = performance.now();
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as PodEvent;
      // 410 Gone and the like: the watch cannot go on; the stream ends and rewatch() lists again.
      if (event.type === 'ERROR') this.close?.();
      else this.onEvent(event);
    }
    this.check();
  }

  private onEvent(event: PodEvent): void {
    const { metadata, status } = event.object;
    if (event.type === 'DELETED') this.ready.delete(metadata.name);
    else if (event.type === 'ADDED' || event.type === 'MODIFIED')
      this.ready.set(
        metadata.name,
        !metadata.deletionTimestamp &&
          status?.phase === 'Running' &&
          (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
  }

  private check(): void {
    const target = this.target;
    if (!target || this.ready.size !== target.count) return;
    for (const isReady of this.ready.values()) if (!isReady) return;
    this.target = undefined;
    target.resolve(performance.now());
  }
}
