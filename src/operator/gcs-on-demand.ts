// The operator's way to a cluster's GCS without loading gRPC at start. gRPC is over half of the operator's bundle and
// ~1 MB of its memory at rest: an operator whose clusters never reach the autoscaler (no head with an IP, or
// enableAutoscaling: false) never loads it, and the CLI's other commands never do (DESIGN.md, start-up).
import type { GcsApi } from './autoscaling.ts';
import type { AutoscalingReport } from './gcs-messages.ts';

/** What the loader gives: a connection to one GCS address (gcs.ts's GcsClient, or a fake in tests). */
export type GcsModule = { GcsClient: new (address: string) => GcsApi };

/**
 * A `connect` for the autoscaler that loads the GCS module once, at the first connection, and gives each address a
 * GcsApi at once; its calls wait for the module.
 */
export function connectOnDemand(load: () => Promise<GcsModule>): (address: string) => GcsApi {
  let loading: Promise<GcsModule> | undefined;
  return (address) => {
    loading ??= load();
    return new PendingGcs(loading.then(({ GcsClient }) => new GcsClient(address)));
  };
}

class PendingGcs implements GcsApi {
  private closed = false;

  constructor(private readonly client: Promise<GcsApi>) {
    // A failed load surfaces in the calls (the autoscaler logs them); here it must not become an unhandled rejection.
    client.catch(() => undefined);
  }

  async getClusterResourceState() {
    return (await this.client).getClusterResourceState();
  }

  async drainNode(nodeId: Uint8Array, message: string) {
    return (await this.client).drainNode(nodeId, message);
  }

  async reportAutoscalingState(report: AutoscalingReport) {
    return (await this.client).reportAutoscalingState(report);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.then(
      (client) => client.close(),
      () => undefined,
    );
  }
}
