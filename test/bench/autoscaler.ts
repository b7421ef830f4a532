// Autoscaler benchmark (a script, not a test). Run: npm run bench:autoscaler
// 1. Real Ray on process nodes: a cluster with minWorkers 0 and a 0-CPU head gets one 1-CPU task; the time from the
//    demand appearing in Ray's GCS to the worker pod created, and to the worker alive in Ray (3 rounds).
// 2. Cost of polling: 100 clusters on kwok, their "GCS" a small fake gRPC server on this machine (100 real Ray heads
//    do not fit); the operator's CPU and RSS over 30 s for each poll period, against the same operator with the
//    autoscaler off.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import { adminClient, clusterState, startCluster, stopCluster } from '../cluster/cluster.ts';
import { GcsClient } from '../../src/operator/gcs.ts';
import { alive, rayHttp, rayNodes } from '../e2e/support/ray.ts';
import { processNodeValuesFile, scaleFromZeroValuesFile } from '../e2e/support/process-nodes.ts';
import { cpuSeconds, residentMb } from './compare/measure.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}bin/rayctl.cjs`;
const CLUSTERS = 100;
const POLL_PERIODS = ['0', '10s', '5s', '1s'];
const WINDOW_S = 30;

const cluster = await startCluster({ nodes: 3, processNodes: 2 });
const client = adminClient(clusterState(cluster));
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs rayctl quietly (its progress and warnings would bury the numbers); its stderr only when it fails. */
function rayctl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`rayctl ${args.join(' ')}: exit ${code}\n${stderr}`)),
    );
  });
}

function operator(namespace: string, pollPeriod: string) {
  return spawn(
    process.execPath,
    [
      bin,
      'operator',
      '-n',
      namespace,
      '--metrics-addr',
      '0',
      '--log-level',
      'warn',
      '--autoscaler-poll-period',
      pollPeriod,
    ],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function pods(
  namespace: string,
  selector: string,
): Promise<{ metadata: { name: string }; status?: { podIP?: string } }[]> {
  const list = await client.get<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status?: { podIP?: string } }[];
  }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 300_000,
  everyMs = 50,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function demandToAlive(): Promise<void> {
  const namespace = 'bench-grow';
  await client.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const op = operator(namespace, '1s');
  try {
    await rayctl([
      '-n',
      namespace,
      'install',
      'grow',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '-f',
      scaleFromZeroValuesFile,
      '--set-json',
      'idleTimeoutMinutes=0.1',
      '--wait',
    ]);
    const [head] = await pods(namespace, 'ray-cluster-name=grow,ray-node-type=head');
    const ip = head!.status!.podIP!;
    await until('the job API', () => rayHttp(`http://${ip}:8265/api/version`), 120_000, 500);
    const gcs = new GcsClient(`${ip}:6379`);
    try {
      for (let round = 1; round <= 3; round++) {
        await until(
          'no workers',
          async () => ((await pods(namespace, 'ray-node-type=worker')).length === 0 ? true : undefined),
          120_000,
          500,
        );
        const driver = [
          'import ray, time',
          'ray.init()',
          '@ray.remote(num_cpus=1)',
          'def f():',
          '    time.sleep(3)',
          'ray.get(f.remote())',
        ].join('\n');
        await rayHttp(`http://${ip}:8265/api/jobs/`, 'POST', { entrypoint: `python -c '${driver}'` });
        await until(
          'demand in the GCS',
          async () => {
            const state = await gcs.getClusterResourceState();
            return state.demand.requests.some((r) => r.count > 0) ? true : undefined;
          },
          120_000,
          20,
        );
        const demand = performance.now();
        await until(
          'a worker pod',
          async () => ((await pods(namespace, 'ray-node-type=worker')).length > 0 ? true : undefined),
          120_000,
          20,
        );
        const created = performance.now();
        await until(
          'the worker alive in Ray',
          async () => (alive(await rayNodes(ip)).length >= 2 ? true : undefined),
          180_000,
          100,
        );
        const joined = performance.now();
        console.log(
          `round ${round}: demand → worker pod created ${((created - demand) / 1000).toFixed(2)} s (poll period 1 s), → alive in Ray ${((joined - demand) / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      gcs.close();
    }
    await rayctl(['-n', namespace, 'uninstall', 'grow', '--wait']);
  } finally {
    op.kill('SIGTERM');
  }
}

/** A stand-in for 100 GCSes on 0.0.0.0:6379: every kwok pod IP is local, so reaches it. Serves Ray's captured reply. */
async function fakeGcs(): Promise<{ server: Server; polls: () => number }> {
  const reply = Buffer.from(
    readFileSync(`${root}test/fixtures/ray-gcs/cluster-resource-state.hex`, 'utf8').trim(),
    'hex',
  );
  let polls = 0;
  const raw = (path: string) => ({
    path: `/ray.rpc.autoscaler.AutoscalerStateService/${path}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  });
  const server = new Server();
  server.addService(
    {
      GetClusterResourceState: raw('GetClusterResourceState'),
      ReportAutoscalingState: raw('ReportAutoscalingState'),
      DrainNode: raw('DrainNode'),
    },
    {
      GetClusterResourceState: (_call: unknown, done: (e: null, r: Buffer) => void) => {
        polls += 1;
        done(null, reply);
      },
      ReportAutoscalingState: (_call: unknown, done: (e: null, r: Buffer) => void) => done(null, Buffer.alloc(0)),
      DrainNode: (_call: unknown, done: (e: { code: number; details: string }) => void) =>
        done({ code: GrpcStatus.UNIMPLEMENTED, details: 'not in the benchmark' }),
    },
  );
  await new Promise<void>((resolve, reject) =>
    server.bindAsync('0.0.0.0:6379', ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return { server, polls: () => polls };
}

async function pollingCost(): Promise<void> {
  const namespace = 'bench-poll';
  await client.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  // Heads and two workers each, fixed (min = max): the polls cost, the decisions change nothing.
  const creations = Array.from({ length: CLUSTERS }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = creations.shift(); i !== undefined; i = creations.shift())
        await rayctl([
          '-n',
          namespace,
          'install',
          `c${i}`,
          '--cluster-only',
          '--set',
          'podTypes.rayWorkerType.minWorkers=2,podTypes.rayWorkerType.maxWorkers=2',
          '--set',
          'podTypes.rayWorkerType.CPU=100m,podTypes.rayWorkerType.memory=128Mi,podTypes.rayHeadType.CPU=100m,podTypes.rayHeadType.memory=128Mi',
        ]);
    }),
  );
  const gcs = await fakeGcs();
  try {
    for (const period of POLL_PERIODS) {
      const op = operator(namespace, period);
      try {
        // Warm up: caches listed, every cluster reconciled and polled at least once.
        await sleep(20_000);
        const [cpu0, polls0] = [cpuSeconds(op.pid!), gcs.polls()];
        await sleep(WINDOW_S * 1000);
        const cpu = cpuSeconds(op.pid!) - cpu0;
        const polls = gcs.polls() - polls0;
        console.log(
          `${CLUSTERS} clusters, poll period ${period === '0' ? 'off' : period}: operator CPU ${((cpu / WINDOW_S) * 100).toFixed(1)} % of a core, RSS ${residentMb(op.pid!, 'VmRSS').toFixed(0)} MB, ${(polls / WINDOW_S).toFixed(1)} GCS polls/s`,
        );
      } finally {
        op.kill('SIGTERM');
        await new Promise((resolve) => op.on('exit', resolve));
      }
    }
  } finally {
    gcs.server.forceShutdown();
  }
}

try {
  await demandToAlive();
  await pollingCost();
} finally {
  client.close();
  await stopCluster(cluster);
}
