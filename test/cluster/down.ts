// npm run cluster:down — stops the cluster that `npm run cluster:up` started (named in .cluster/state.json).
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopCluster } from './cluster.ts';
import { repoRoot } from './paths.ts';

const statePath = join(repoRoot, '.cluster', 'state.json');
if (!existsSync(statePath)) {
  process.stdout.write('no cluster is up (no .cluster/state.json)\n');
  process.exit(0);
}
const state = JSON.parse(readFileSync(statePath, 'utf8')) as { ownerPid: number; stateFile: string; server: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Ask the foreground `cluster:up` to stop its own cluster, then make sure nothing is left.
if (alive(state.ownerPid)) {
  process.kill(state.ownerPid, 'SIGTERM');
  for (let i = 0; i < 300 && alive(state.ownerPid); i++) await sleep(100);
}
await stopCluster({ stateFile: state.stateFile });
await rm(statePath, { force: true });
process.stdout.write(`stopped the cluster at ${state.server}\n`);
