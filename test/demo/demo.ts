// `npm run demo`: the user guide "Ray Operator Advanced Configuration", played against a local control plane.
// Builds the control plane if needed, starts it, runs the embedded operator, and prints every command it runs so
// that you can copy them to your own cluster. Leaves nothing behind.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, stopCluster, type TestCluster } from '../cluster/cluster.ts';
import { processNodeValuesFile } from '../e2e/support/process-nodes.ts';
import { alive, rayNodes, withRayClient } from '../e2e/support/ray.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'rayctl.js');
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text);

function section(title: string): void {
  console.log(`\n${bold(`## ${title}`)}`);
}

function run(cluster: TestCluster, command: 'rayctl' | 'kubectl', args: string[]): string {
  console.log(bold(`$ ${command} ${args.join(' ')}`));
  const executable = command === 'rayctl' ? process.execPath : join(cluster.binDir, 'kubectl');
  const result = spawnSync(executable, command === 'rayctl' ? [bin, ...args] : args, {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  return result.stdout;
}

section('Building the local control plane and the Ray venv (cached after the first time)');
for (const script of [join('test', 'cluster', 'build.sh'), join('test', 'cluster', 'ray', 'build.sh')]) {
  const build = spawnSync('bash', [join(root, script)], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

section('Starting it: etcd, kube-apiserver, scheduler, controller manager, 3 kwok nodes, 2 process nodes');
const cluster = await startCluster();
console.log(
  `ready at ${cluster.server}. On the 2 process nodes pods really run (Ray from PyPI, in their own network ` +
    "namespaces); kwok's 3 nodes only simulate pods. example-cluster runs on the process nodes " +
    `(-f ${processNodeValuesFile.slice(root.length)}: a node selector and a toleration), example-cluster2 on kwok.`,
);
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-demo-'));
const operatorLog = join(scratch, 'rayctl-operator.log');
// The operator writes straight to the file: the demo's commands run synchronously and would not drain a pipe.
const operatorOut = openSync(operatorLog, 'w');
const operator = spawn(process.execPath, [bin, 'operator', '--metrics-addr', '0'], {
  env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
  stdio: ['ignore', operatorOut, 'inherit'],
});

try {
  section('Running multiple Ray clusters: one operator, two clusters in namespace "ray"');
  console.log('(the embedded operator runs in this process: `rayctl operator`; the chart installs it as a Deployment)');
  run(cluster, 'rayctl', ['install', 'ray-operator', '--operator-only', '--wait']);
  run(cluster, 'rayctl', [
    '-n',
    'ray',
    'install',
    'example-cluster',
    '--cluster-only',
    '--create-namespace',
    '-f',
    processNodeValuesFile,
    '--wait',
  ]);
  run(cluster, 'rayctl', [
    '-n',
    'ray',
    'install',
    'example-cluster2',
    '--cluster-only',
    '--set',
    'podTypes.rayWorkerType.minWorkers=0',
    '--wait',
  ]);
  run(cluster, 'kubectl', ['-n', 'ray', 'get', 'pods']);
  run(cluster, 'kubectl', ['-n', 'ray', 'get', 'rayclusters']);
  run(cluster, 'rayctl', ['list', '-A']);

  section('A Ray task on example-cluster, through Ray Client on the head pod (port 10001)');
  const headIp = run(cluster, 'kubectl', [
    '-n',
    'ray',
    'get',
    'pods',
    '-l',
    'ray-cluster-name=example-cluster,ray-node-type=head',
    '-o',
    'jsonpath={.items[0].status.podIP}',
  ]).trim();
  console.log();
  // The workers join once the head's GCS answers: wait for Ray to see all three nodes.
  for (let tries = 0; alive(await rayNodes(headIp).catch(() => [])).length < 3; tries++) {
    if (tries > 240) throw new Error('example-cluster: Ray did not report 3 alive nodes in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const task = [
    'import socket, time',
    '@ray.remote(num_cpus=1, scheduling_strategy="SPREAD")',
    'def square(x):',
    '    time.sleep(1)  # long enough that the tasks spread over the three nodes',
    '    return x * x, socket.gethostname()',
    'for value, pod in ray.get([square.remote(i) for i in range(1, 5)]):',
    '    print(f"  {value:>2} computed on pod {pod}")',
  ].join('\n');
  console.log(bold(`$ python   # with Ray Client: import ray; ray.init("ray://${headIp}:10001"), then`));
  console.log(task.replace(/^/gm, '    '));
  process.stdout.write(await withRayClient(headIp, task));

  section('Helm chart configuration: scale a cluster with upgrade');
  run(cluster, 'rayctl', [
    '-n',
    'ray',
    'upgrade',
    'example-cluster',
    '--reuse-values',
    '--set',
    'podTypes.rayWorkerType.minWorkers=3',
    '--wait',
  ]);
  run(cluster, 'kubectl', ['-n', 'ray', 'get', 'rayclusters']);
  run(cluster, 'rayctl', ['-n', 'ray', 'history', 'example-cluster']);

  section('What the operator did for example-cluster2 (kubectl logs ray-operator | grep example-cluster2,ray)');
  // The chart's operator pod is simulated; serve the embedded operator's output as its log, in CRI format.
  const podName = spawnSync(
    join(cluster.binDir, 'kubectl'),
    ['get', 'pods', '-l', 'cluster.ray.io/component=operator', '-o', 'jsonpath={.items[0].metadata.name}'],
    {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
      encoding: 'utf8',
    },
  ).stdout;
  const lines = readFileSync(operatorLog, 'utf8').trimEnd().split('\n');
  const criLog = join(scratch, 'operator-pod.log');
  writeFileSync(criLog, lines.map((l) => `${new Date().toISOString()} stdout F ${l}\n`).join(''));
  await cluster.setPodLog('default', podName, criLog);
  run(cluster, 'rayctl', ['-n', 'ray', 'logs', '--cluster', 'example-cluster2']);

  section('Clean up');
  run(cluster, 'rayctl', ['-n', 'ray', 'uninstall', 'example-cluster', 'example-cluster2', '--wait']);
  run(cluster, 'rayctl', ['uninstall', 'ray-operator', '--wait']);
  run(cluster, 'kubectl', ['-n', 'ray', 'get', 'pods']);
} finally {
  operator.kill('SIGTERM');
  closeSync(operatorOut);
  await stopCluster(cluster);
  rmSync(scratch, { recursive: true, force: true });
  console.log('\ncontrol plane stopped; nothing is left running');
}
