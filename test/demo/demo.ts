// `npm run demo`: the user guide "Ray Operator Advanced Configuration", played against a local control plane.
// Builds the control plane if needed, starts it, runs the embedded operator, and prints every command it runs so
// that you can copy them to your own cluster. Leaves nothing behind.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, stopCluster, type TestCluster } from '../cluster/cluster.ts';
import { processNodeValuesFile, scaleFromZeroValuesFile } from '../e2e/support/process-nodes.ts';
import { rayVenvDir } from '../cluster/paths.ts';
import { alive, rayHttp, rayNodes, withRayClient } from '../e2e/support/ray.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'rayctl.cjs');
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
  const headIp = headIpOf(cluster, 'example-cluster');
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

  section('Autoscaling: example-cluster3 starts with no workers, grows for a Ray job and shrinks after it');
  console.log(
    `(-f ${scaleFromZeroValuesFile.slice(root.length)}: 0 to 3 workers, a head that offers Ray no CPU so every ` +
      'task needs a worker, idle workers removed after 15 s instead of the default 5 minutes)',
  );
  run(cluster, 'rayctl', [
    '-n',
    'ray',
    'install',
    'example-cluster3',
    '--cluster-only',
    '-f',
    processNodeValuesFile,
    '-f',
    scaleFromZeroValuesFile,
    '--wait',
  ]);
  await autoscalingDemo(cluster);

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
  run(cluster, 'rayctl', [
    '-n',
    'ray',
    'uninstall',
    'example-cluster',
    'example-cluster2',
    'example-cluster3',
    '--wait',
  ]);
  run(cluster, 'rayctl', ['uninstall', 'ray-operator', '--wait']);
  run(cluster, 'kubectl', ['-n', 'ray', 'get', 'pods']);
} finally {
  operator.kill('SIGTERM');
  closeSync(operatorOut);
  await stopCluster(cluster);
  rmSync(scratch, { recursive: true, force: true });
  console.log('\ncontrol plane stopped; nothing is left running');
}

/** The IP of a cluster's head pod in namespace ray, the way a user would look it up. */
function headIpOf(cluster: TestCluster, name: string): string {
  return run(cluster, 'kubectl', [
    '-n',
    'ray',
    'get',
    'pods',
    '-l',
    `ray-cluster-name=${name},ray-node-type=head`,
    '-o',
    'jsonpath={.items[0].status.podIP}',
  ]).trim();
}

/** Worker pods of example-cluster3 (not being deleted). */
function workersOf3(cluster: TestCluster): number {
  const out = spawnSync(
    join(cluster.binDir, 'kubectl'),
    ['-n', 'ray', 'get', 'pods', '-l', 'ray-cluster-name=example-cluster3,ray-node-type=worker', '-o', 'json'],
    { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, encoding: 'utf8' },
  ).stdout;
  const pods = (JSON.parse(out || '{"items":[]}') as { items: { metadata: { deletionTimestamp?: string } }[] }).items;
  return pods.filter((p) => !p.metadata.deletionTimestamp).length;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A Ray job of three 1-CPU tasks on example-cluster3, with Ray's own CLI, while the operator scales for it. */
async function autoscalingDemo(cluster: TestCluster): Promise<void> {
  const headIp = headIpOf(cluster, 'example-cluster3');
  console.log();
  await until('the job API on the head', () => rayHttp(`http://${headIp}:8265/api/version`).then(() => true), 120_000);
  const driver = [
    'import ray, socket, time',
    '@ray.remote(num_cpus=1)',
    'def work(i):',
    '    time.sleep(10)',
    '    return socket.gethostname()',
    'print("tasks ran on", sorted(set(ray.get([work.remote(i) for i in range(3)]))))',
  ].join('\n');
  const args = ['job', 'submit', '--address', `http://${headIp}:8265`, '--', 'python', '-c', driver];
  console.log(bold(`$ ray ${args.slice(0, -1).join(' ')} '`));
  console.log(`${driver}'`);
  const job = spawn(join(rayVenvDir(), 'bin', 'ray'), args, {
    env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let jobOutput = '';
  job.stdout.on('data', (d: Buffer) => (jobOutput += d.toString()));
  job.stderr.on('data', (d: Buffer) => (jobOutput += d.toString()));
  const jobDone = new Promise<number>((resolve) => job.on('close', (code) => resolve(code ?? 1)));
  await until('three workers launched for the job', () => workersOf3(cluster) === 3, 120_000);
  run(cluster, 'rayctl', ['-n', 'ray', 'status', 'example-cluster3']);
  const code = await jobDone;
  // Ray's CLI echoes the entrypoint and colours its verdict: show the driver's answer and the verdict, plain.
  const plain = stripVTControlCharacters(jobOutput).split('\n');
  process.stdout.write(`${plain.filter((l) => /^tasks ran on|Job '.*' (succeeded|failed)/.test(l)).join('\n')}\n`);
  if (code !== 0) throw new Error(`the Ray job failed (exit ${code}):\n${jobOutput}`);
  console.log('(the workers are idle now; after 15 s the operator drains them through Ray and deletes their pods)');
  await until('the idle workers removed', () => workersOf3(cluster) === 0, 180_000);
  run(cluster, 'rayctl', ['-n', 'ray', 'status', 'example-cluster3']);
  run(cluster, 'kubectl', [
    '-n',
    'ray',
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=example-cluster3',
    '--sort-by=.lastTimestamp',
  ]);
}
