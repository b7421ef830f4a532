// List, then watch from the list's resourceVersion; a closed watch resumes, a 410 (history gone) lists again.
// Every object is handed over as a full replacement of what the caller knew; `relisted` says the caller's
// view is the list just given (objects it knows but the list lacks are gone).
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeHttp } from '../kube-http.ts';
import type { List, WatchEvent } from './kube-types.ts';

export interface WatchHandlers<T> {
  relisted(items: T[]): void;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
}

export function watchList<T extends { metadata: { resourceVersion?: string } }>(
  kube: KubeHttp,
  path: string,
  handlers: WatchHandlers<T>,
  onError: (message: string) => void,
): () => void {
  let stopped = false;
  let close: (() => void) | undefined;
  const sep = path.includes('?') ? '&' : '?';
  const loop = async () => {
    let version: string | undefined;
    while (!stopped) {
      try {
        if (version === undefined) {
          const list = await kube.json<List<T>>('GET', path);
          version = list.metadata.resourceVersion;
          handlers.relisted(list.items);
        }
        let expired = false;
        let buffer = '';
        await new Promise<void>((resolve, reject) => {
          kube
            .stream(
              `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${version}&timeoutSeconds=300`,
              (text) => {
                buffer += text;
                const lines = buffer.split('\n');
                buffer = lines.pop()!;
                for (const line of lines) {
                  if (!line.trim()) continue;
                  const event = JSON.parse(line) as WatchEvent<T>;
                  if (event.type === 'ERROR') {
                    expired = (event.object as { code?: number }).code === 410;
                    continue;
                  }
                  version = event.object.metadata.resourceVersion ?? version;
                  if (event.type !== 'BOOKMARK') handlers.event(event.type, event.object);
                }
              },
              resolve,
            )
            .then((closeStream) => {
              close = closeStream;
              if (stopped) closeStream();
            }, reject);
        });
        if (expired) version = undefined;
      } catch (error) {
        if (stopped) return;
        onError(`watch ${path}: ${(error as Error).message}`);
        if (String((error as Error).message).includes('HTTP 410')) version = undefined;
        await sleep(1_000);
      }
    }
  };
  void loop();
  return () => {
    stopped = true;
    close?.();
  };
}
