// Usage: tsx test/cluster/with-cluster.ts CMD ARGS...
// Starts one cluster, runs CMD with KUBECONFIG (admin) and RAYCTL_TEST_CLUSTER (the cluster's state
// file, which test/e2e/support/cluster.ts attaches to), stops the cluster, exits with CMD's code.
import { spawn } from 'node:child_process';
import { clusterState, startCluster, stopCluster } from './cluster.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: tsx test/cluster/with-cluster.ts CMD ARGS...\n');
  process.exit(2);
}

let interrupted: NodeJS.Signals | undefined;
// Until the child runs, a signal only marks the run as interrupted; startCluster's cleanup happens below.
const onSignal = (signal: NodeJS.Signals) => {
  interrupted = signal;
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

const startedAt = performance.now();
const cluster = await startCluster({ handleSignals: false }).catch((error: Error) => {
  process.stderr.write(`with-cluster: could not start the cluster: ${error.message}\n`);
  process.exit(1);
});
const milestones = Object.entries(clusterState(cluster).milestonesMs)
  .map(([milestone, ms]) => `${milestone} ${(ms / 1000).toFixed(1)}`)
  .join(', ');
process.stderr.write(
  `with-cluster: cluster ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (${milestones}) ` +
    `at ${cluster.server} (logs in ${cluster.dir})\n`,
);

let code = 1;
if (!interrupted) {
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, RAYCTL_TEST_CLUSTER: cluster.stateFile },
  });
  // The terminal sends Ctrl-C to the child too; for kill(1)-style signals we pass them on.
  const forward = (signal: NodeJS.Signals) => {
    interrupted = signal;
    child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.off(signal, onSignal);
    process.on(signal, forward);
  }
  code = await new Promise<number>((resolvePromise) => {
    child.on('error', (error) => {
      process.stderr.write(`with-cluster: ${command}: ${error.message}\n`);
      resolvePromise(127);
    });
    child.on('exit', (exitCode, signal) => resolvePromise(exitCode ?? (signal ? 128 + 2 : 1)));
  });
}

await stopCluster(cluster);
process.exit(interrupted && code === 0 ? 130 : code);
