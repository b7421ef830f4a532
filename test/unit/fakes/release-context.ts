import type { ReleaseContext } from '../../../src/actions/context.ts';
import type { Progress } from '../../../src/actions/progress.ts';
import { MemoryCluster } from './memory-cluster.ts';
import { MemoryReleaseStore } from './memory-release-store.ts';

/** What an action told the user, in order: `warn: …`, `info: …`. */
export class RecordingProgress implements Progress {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  waiting(): void {}
  doneWaiting(): void {}
}

/** A release context on in-memory fakes, with a clock that advances one second per reading. */
export function memoryContext(): ReleaseContext & {
  cluster: MemoryCluster;
  store: MemoryReleaseStore;
  progress: RecordingProgress;
} {
  const cluster = new MemoryCluster();
  const store = new MemoryReleaseStore();
  let seconds = Date.parse('2026-01-01T00:00:00Z') / 1000;
  return {
    cluster,
    store,
    objects: cluster,
    storage: store,
    progress: new RecordingProgress(),
    now: () => new Date(++seconds * 1000),
  };
}
