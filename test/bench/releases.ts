// Release benchmark (a script, not a test): against the local control plane, median of 5 wall times of rayctl and
// helm 3 installing, upgrading and uninstalling equivalent releases (the same RayCluster), then `list -A` with
// 200 releases × 10 revisions. Run: npm run bench:releases (uses RAYCTL_TEST_CLUSTER if set, else starts a cluster).
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  attachCluster,
  adminClient,
  clusterState,
  startCluster,
  stopCluster,
  type TestCluster,
} from '../cluster/cluster.ts';
import { equivalentHelmChart } from './helm-chart.ts';
import { contenderEnv, median } from './compare/measure.ts';
import { releaseSecret, seededRelease } from '../fixtures/release.ts';
import { storedChart } from '../../src/release/chart-record.ts';
import { loadBuiltinChart } from '../../src/chart/load.ts';

const RUNS = 5;
const RELEASES = 200;
const REVISIONS = 10;
const bin = fileURLToPath(new URL('../../bin/rayctl.cjs', import.meta.url));

const cluster: TestCluster = process.env.RAYCTL_TEST_CLUSTER
  ? attachCluster(process.env.RAYCTL_TEST_CLUSTER)
  : await startCluster({ processNodes: 0 });
const env = contenderEnv(cluster.kubeconfig);
const helm = join(cluster.binDir, 'helm3');

function run(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return ms;
}
const rayctl = (...args: string[]) => run(process.execPath, [bin, ...args]);

function lifecycleTimes(): void {
  const ns = `bench-${Date.now().toString(36)}`;
  rayctl(
    'template',
    'x',
    '--include-crds',
    '--show-only',
    'crds/rayclusters.cluster.ray.io.yaml',
    '--output-dir',
    join(tmpdir(), ns),
  );
  run(join(cluster.binDir, 'kubectl'), ['apply', '--server-side', '-f', join(tmpdir(), ns, 'ray', 'crds')]);
  run(join(cluster.binDir, 'kubectl'), ['create', 'namespace', ns]);
  const chart = equivalentHelmChart(bin);
  const times: Record<string, number[]> = {};
  const record = (key: string, ms: number) => (times[key] ??= []).push(ms);
  for (let i = 0; i < RUNS; i++) {
    record('rayctl install', rayctl('-n', ns, 'install', `r${i}`, '--cluster-only'));
    record('helm3 install', run(helm, ['-n', ns, 'install', `h${i}`, chart]));
    record(
      'rayctl upgrade',
      rayctl('-n', ns, 'upgrade', `r${i}`, '--reuse-values', '--set', 'podTypes.rayWorkerType.minWorkers=1'),
    );
    record(
      'helm3 upgrade',
      run(helm, ['-n', ns, 'upgrade', `h${i}`, chart, '--reuse-values', '--set', 'minWorkers=1']),
    );
    record('rayctl uninstall', rayctl('-n', ns, 'uninstall', `r${i}`));
    record('helm3 uninstall', run(helm, ['-n', ns, 'uninstall', `h${i}`]));
  }
  console.log(`install / upgrade / uninstall of one RayCluster release, median of ${RUNS}:`);
  for (const verb of ['install', 'upgrade', 'uninstall']) {
    const ours = median(times[`rayctl ${verb}`]!);
    const theirs = median(times[`helm3 ${verb}`]!);
    console.log(
      `  ${verb.padEnd(10)} rayctl ${ours.toFixed(0).padStart(5)} ms   helm3 ${theirs.toFixed(0).padStart(5)} ms   (rayctl takes ${(ours / theirs).toFixed(2)}× helm's time)`,
    );
  }
  run(join(cluster.binDir, 'kubectl'), ['delete', 'namespace', ns, '--wait=false']);
}

/** 200 releases × 10 revisions written straight to the API as Helm records (9 superseded + 1 deployed each). */
async function seedReleases(namespaces: string[]): Promise<void> {
  const client = adminClient(clusterState(cluster));
  for (const ns of namespaces)
    await client.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const manifest = spawnSync(process.execPath, [bin, 'template', 'seeded', '--cluster-only'], {
    encoding: 'utf8',
  }).stdout;
  const chart = storedChart((await loadBuiltinChart()).chart);
  const jobs: (() => Promise<unknown>)[] = [];
  for (let r = 0; r < RELEASES; r++) {
    const namespace = namespaces[r % namespaces.length]!;
    for (let version = 1; version <= REVISIONS; version++) {
      const status = version === REVISIONS ? 'deployed' : ('superseded' as const);
      const release = seededRelease({ name: `rel-${r}`, namespace, version, status }, { chart, manifest });
      jobs.push(() => client.json('POST', `/api/v1/namespaces/${namespace}/secrets`, releaseSecret(release)));
    }
  }
  // 16 writers at a time: fast, without tripping the API server's flow control.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    }),
  );
  client.close();
}

async function listTimes(): Promise<void> {
  const namespaces = Array.from({ length: 10 }, (_, i) => `bench-list-${i}-${Date.now().toString(36)}`);
  const seeding = performance.now();
  await seedReleases(namespaces);
  console.log(
    `\nseeded ${RELEASES} releases × ${REVISIONS} revisions in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  const ours = Array.from({ length: RUNS }, () => rayctl('list', '-A', '-o', 'json'));
  const theirs = Array.from({ length: RUNS }, () => run(helm, ['list', '-A', '-o', 'json', '--max', '0']));
  const rayctlMs = median(ours);
  const helmMs = median(theirs);
  console.log(
    `list -A, median of ${RUNS}: rayctl ${rayctlMs.toFixed(0)} ms   helm3 ${helmMs.toFixed(0)} ms   (rayctl ${(helmMs / rayctlMs).toFixed(1)}× faster)`,
  );
  for (const ns of namespaces) run(join(cluster.binDir, 'kubectl'), ['delete', 'namespace', ns, '--wait=false']);
}

try {
  lifecycleTimes();
  await listTimes();
} finally {
  if (!process.env.RAYCTL_TEST_CLUSTER) await stopCluster(cluster);
}
