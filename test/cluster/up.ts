// npm run cluster:up — starts a cluster in the foreground for manual use and demos.
// Prints the KUBECONFIG export; Ctrl-C (or `npm run cluster:down`) tears it down.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterState, startCluster, stopCluster } from './cluster.ts';
import { groupAlive } from './processes.ts';
import { repoRoot } from './paths.ts';
import { PROCESS_NODE_LABEL } from './process-node/config.ts';

const stateDir = join(repoRoot, '.cluster');
const statePath = join(stateDir, 'state.json');

if (existsSync(statePath)) {
  const previous = JSON.parse(readFileSync(statePath, 'utf8')) as { ownerPid?: number; server?: string };
  let ownerAlive = false;
  try {
    if (previous.ownerPid) process.kill(previous.ownerPid, 0);
    ownerAlive = Boolean(previous.ownerPid);
  } catch {
    ownerAlive = false;
  }
  if (ownerAlive) {
    process.stderr.write(
      `a cluster is already up at ${previous.server} (pid ${previous.ownerPid}); run npm run cluster:down first\n`,
    );
    process.exit(1);
  }
}

let stopping = false;
const startedAt = performance.now();
const nodes = Number(process.env.RAYCTL_CLUSTER_NODES ?? 3);
const processNodes = Number(process.env.RAYCTL_PROCESS_NODES ?? 2);
const cluster = await startCluster({ nodes, processNodes, handleSignals: false });
const state = clusterState(cluster);
await mkdir(stateDir, { recursive: true });
await writeFile(statePath, JSON.stringify({ ...state, stateFile: cluster.stateFile }, null, 2) + '\n');

process.stdout.write(
  `cluster ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ${cluster.server}, ${nodes} kwok nodes, ` +
    `${processNodes} process nodes (pods there really run; select them with ${PROCESS_NODE_LABEL}=true)\n` +
    `logs: ${cluster.dir}/*.log\n` +
    `export KUBECONFIG=${cluster.kubeconfig}\n` +
    `export PATH=${cluster.binDir}:$PATH   # kubectl, helm3, helm4\n` +
    'Ctrl-C (or npm run cluster:down) stops it.\n',
);

async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${reason}: stopping the cluster…\n`);
  await stopCluster(cluster);
  await rm(statePath, { force: true });
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

// If a component dies (e.g. cluster:down killed it), say so and clean up instead of idling. A pid
// must stay dead for a while: restartApiServer() from another process briefly leaves a dead pid listed.
const deadSince = new Map<number, number>();
setInterval(() => {
  let processes;
  try {
    processes = clusterState(cluster).processes;
  } catch {
    void shutdown('cluster state is gone');
    return;
  }
  for (const proc of processes) {
    if (groupAlive(proc.pid)) continue;
    const since = deadSince.get(proc.pid) ?? Date.now();
    deadSince.set(proc.pid, since);
    if (Date.now() - since > 15_000) void shutdown(`${proc.name} exited (see ${proc.log})`);
  }
}, 2_000);
