// A thin client for Ray's AutoscalerStateService on the head's GCS port, over a maintained gRPC library with the
// message codec of gcs-messages.ts. Only the operator's runtime loads this module (dynamically): the CLI's other
// commands never pay for gRPC at start-up.
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import {
  decodeDrainNodeReply,
  decodeGetClusterResourceStateReply,
  encodeDrainNodeRequest,
  encodeGetClusterResourceStateRequest,
  encodeReportAutoscalingStateRequest,
  type AutoscalingReport,
  type ClusterResourceState,
} from './gcs-messages.ts';

const SERVICE = '/ray.rpc.autoscaler.AutoscalerStateService';

export class GcsClient {
  private readonly client: Client;

  /** address: host:port of the head's GCS (the head Service's name or the head pod's IP, port 6379). */
  constructor(
    readonly address: string,
    private readonly timeoutMs = 5_000,
  ) {
    // GCS serves plain gRPC unless Ray's TLS is configured.
    this.client = new Client(address, credentials.createInsecure());
  }

  private call<T>(method: string, request: Buffer, decode: (reply: Buffer) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `${SERVICE}/${method}`,
        (message: Buffer) => message,
        decode,
        request,
        { deadline: Date.now() + this.timeoutMs },
        (error: ServiceError | null, reply?: T) => {
          if (error) reject(new Error(`GCS ${this.address} ${method}: ${error.details || error.message}`));
          else resolve(reply!);
        },
      );
    });
  }

  getClusterResourceState(lastSeenVersion = 0): Promise<ClusterResourceState> {
    return this.call(
      'GetClusterResourceState',
      encodeGetClusterResourceStateRequest(lastSeenVersion),
      decodeGetClusterResourceStateReply,
    );
  }

  /** Asks Ray to drain an idle node; Ray refuses when the node is not idle, and says why. */
  drainNode(nodeId: Uint8Array, message: string): Promise<{ accepted: boolean; rejection: string }> {
    return this.call('DrainNode', encodeDrainNodeRequest(nodeId, message), decodeDrainNodeReply);
  }

  /** What `ray status` on the head shows as the autoscaler's view: pending workers and infeasible demand. */
  async reportAutoscalingState(report: AutoscalingReport): Promise<void> {
    await this.call('ReportAutoscalingState', encodeReportAutoscalingStateRequest(report), () => undefined);
  }

  close(): void {
    this.client.close();
  }
}
