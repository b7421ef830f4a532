import { KubeClient, type ConnectOptions } from '../kube/client.ts';
import { Discovery, Objects, type ClusterObjects } from '../kube/resources.ts';
import { ReleaseStorage } from '../release/storage.ts';
import type { ReleaseStore } from '../release/store.ts';
import type { Progress } from './progress.ts';

/**
 * What the release actions (install, upgrade, rollback, uninstall) need, through narrow interfaces: the cluster's
 * objects, the release records, output and a clock. Unit tests give them in-memory fakes.
 */
export interface ReleaseContext {
  objects: ClusterObjects;
  storage: ReleaseStore;
  progress: Progress;
  /** The clock, injectable so release times are testable. */
  now: () => Date;
}

/** Everything a command that talks to a cluster has: the release context plus the connection itself. */
export interface ActionContext extends ReleaseContext {
  client: KubeClient;
}

export async function connect(options: ConnectOptions, progress: Progress): Promise<ActionContext> {
  const client = await KubeClient.connect(options);
  return {
    client,
    objects: new Objects(client, new Discovery(client)),
    storage: new ReleaseStorage(client, (message) => progress.warn(message)),
    progress,
    now: () => new Date(),
  };
}
