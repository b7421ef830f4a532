// What cluster.ts hands the process-node agent, and the label and taint that mark process nodes.
import type { PodNetwork } from './host.ts';
import type { HostRuntimes } from './spec.ts';

export interface AgentConfig {
  nodes: string[];
  net: PodNetwork;
  /** Admin credentials for the API server. */
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The API server's loopback port, proxied to pods at bridgeIp:443. */
  apiServerPort: number;
  /** The kubelet API (pods/log) on bridgeIp:kubeletPort, with this serving certificate. */
  kubeletPort: number;
  kubeletCert: string;
  kubeletKey: string;
  stateDir: string;
  runtimes: HostRuntimes;
  /** Per node. */
  capacity: { cpu: string; memory: string; pods: string };
}

/** Pods opt in to process nodes with this node selector label and a toleration for the taint of the same key. */
export const PROCESS_NODE_LABEL = 'test.rayctl.io/process-node';
