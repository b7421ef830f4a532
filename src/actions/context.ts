import { KubeClient, type ConnectOptions } from '../kube/client.ts';
import { Discovery, Objects } from '../kube/resources.ts';
import { ReleaseStorage } from '../release/storage.ts';
import type { Progress } from './progress.ts';

/** What every action that talks to a cluster needs: one connection, its object helpers, release storage, output. */
export interface ActionContext {
  client: KubeClient;
  objects: Objects;
  storage: ReleaseStorage;
  progress: Progress;
  /** The clock, injectable so release times are testable. */
  now: () => Date;
}

export async function connect(options: ConnectOptions, progress: Progress): Promise<ActionContext> {
  const client = await KubeClient.connect(options);
  return {
    client,
    objects: new Objects(client, new Discovery(client)),
    storage: new ReleaseStorage(client),
    progress,
    now: () => new Date(),
  };
}
