// Run by process-node-crash.test.ts, which SIGKILLs it: starts a cluster of its own with one process node,
// runs a pod there (with a daemon of its own), prints what it made as one JSON line, then waits to be killed.
import { clusterState, startCluster, adminClient } from '../../cluster/cluster.ts';
import { onProcessNode } from './process-nodes.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const cluster = await startCluster({ nodes: 1, processNodes: 1 });
const state = clusterState(cluster);
const client = adminClient(state);
const marker = `crash-marker-${process.pid}`;
await client.json('POST', '/api/v1/namespaces/default/pods', {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'victim' },
  spec: {
    ...onProcessNode,
    volumes: [{ name: 'scratch', emptyDir: {} }],
    containers: [
      {
        name: 'c',
        image: 'node:20',
        command: ['bash', '-c', `(exec -a ${marker} sleep 1000 &); exec -a ${marker} sleep 1000`],
        // A mount point the host lacks: made on the host's file system for the pod's life.
        volumeMounts: [{ name: 'scratch', mountPath: `/${marker}/scratch` }],
      },
    ],
  },
});
for (;;) {
  const pod = await client.get<{ status?: { phase?: string } }>('/api/v1/namespaces/default/pods/victim');
  if (pod.status?.phase === 'Running') break;
  await sleep(200);
}
process.stdout.write(
  JSON.stringify({
    dir: state.dir,
    cgroup: state.podNetwork!.cgroup,
    bridge: state.podNetwork!.bridge,
    simulatedPodLink: state.simulatedPodLink!,
    marker,
  }) + '\n',
);
await sleep(1_000_000);
