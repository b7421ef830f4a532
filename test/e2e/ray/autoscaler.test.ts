// The operator's autoscaler with real Ray on process nodes: a cluster with minWorkers 0 and maxWorkers 3 grows for
// the demand Ray cannot place (tasks, a STRICT_SPREAD placement group, request_resources), shrinks when its workers
// stay idle, reports demand no pod type can hold, holds its workers while the head's GCS is away, and launches no
// duplicates when the operator is killed in the middle of a scale-up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rayVenvDir } from '../../cluster/paths.ts';
import type { RayCluster } from '../../../src/operator/types.ts';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { processNodeValuesFile, scaleFromZeroValuesFile, type Pod } from '../support/process-nodes.ts';
import { alive, rayClustersIn, rayHttp, rayNodes } from '../support/ray.ts';
import { adminFor, cleanupReleases, rayctlOn } from '../support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'autoscaler');
cleanupReleases(cluster, () => [{ name: 'auto', namespace: ns }]);
const operatorArgs = ['-n', ns, '--autoscaler-poll-period', '1s'];
let operator: OperatorProcess = startOperator(cluster, operatorArgs);
const { podsOf } = rayClustersIn(client, ns);

const rayCluster = () => client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/auto`);
const events = async () =>
  (
    await client.get<{ items: { reason: string; message: string; type: string }[] }>(
      `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent('involvedObject.name=auto')}`,
    )
  ).items;

/** Samples the worker pods every 300 ms: every name seen and the most that existed at once, per phase. */
function workerSampler() {
  let names = new Set<string>();
  let most = 0;
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const workers = await podsOf('auto', 'worker').catch(() => undefined);
      if (workers) {
        for (const pod of workers) names.add(pod.metadata.name);
        most = Math.max(most, workers.length);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return {
    /** What was seen since the last call. */
    take() {
      const seen = { names: [...names], most };
      names = new Set();
      most = 0;
      return seen;
    },
    stop: () => (stopped = true),
  };
}

let headIp = '';
const jobs = () => `http://${headIp}:8265/api/jobs/`;

/** Runs a Python driver on the head as a Ray job; it may not contain single quotes. */
async function submit(python: string): Promise<string> {
  const { submission_id: id } = await rayHttp<{ submission_id: string }>(jobs(), 'POST', {
    entrypoint: `python -c '${python}'`,
  });
  return id;
}

async function jobEnded(id: string, timeoutMs = 240_000): Promise<string> {
  return eventually(
    `Ray job ${id} to end`,
    async () => {
      const job = await rayHttp<{ status: string; message?: string }>(`${jobs()}${id}`);
      return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(job.status) ? `${job.status} ${job.message ?? ''}` : undefined;
    },
    timeoutMs,
  );
}

const workersAre = (count: number, timeoutMs = 180_000) =>
  eventually(
    `${count} worker pods`,
    async () => ((await podsOf('auto', 'worker')).length === count ? true : undefined),
    timeoutMs,
  );

/** Waits until Ray has `count` alive worker nodes. */
const rayWorkersAre = (count: number) =>
  eventually(
    `${count} alive Ray workers`,
    async () => (alive(await rayNodes(headIp)).length === count + 1 ? true : undefined),
    180_000,
  );

describe('the autoscaler on real Ray (minWorkers 0, maxWorkers 3, idleTimeoutMinutes 0.25)', () => {
  const sampler = workerSampler();
  after(() => sampler.stop());

  before(async () => {
    const install = await rayctl([
      '-n',
      ns,
      'install',
      'auto',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '-f',
      scaleFromZeroValuesFile,
      '--wait',
      '--timeout',
      '5m',
    ]);
    assert.equal(install.code, 0, install.stderr);
    const [head] = await podsOf('auto', 'head');
    headIp = head!.status!.podIP!;
    await eventually(
      'the autoscaler to read Ray',
      async () => (await rayCluster()).status?.autoscaler?.state === 'Active',
      120_000,
    );
    // The GCS answers before the dashboard (the job API) is up.
    await eventually('the job API on the head', () => rayHttp(jobs()).then(() => true), 120_000);
    sampler.take();
  });

  it('reports a GPU task as infeasible, once, and launches nothing for it', async () => {
    const id = await submit(
      ['import ray', 'ray.init()', '@ray.remote(num_gpus=1)', 'def f():', '    return 1', 'ray.get(f.remote())'].join(
        '\n',
      ),
    );
    const status = await eventually(
      'infeasible demand in status.autoscaler',
      async () => (await rayCluster()).status?.autoscaler?.infeasibleDemand,
      60_000,
    );
    // A task takes one CPU unless told otherwise.
    assert.equal(status, '1 × {CPU: 1, GPU: 1}');
    const warnings = (await events()).filter((e) => e.reason === 'InfeasibleDemand');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.type, 'Warning');
    await rayHttp(`${jobs()}${id}/stop`, 'POST');
    assert.deepEqual(sampler.take().names, []);
  });

  it('four 1-CPU tasks: three workers launch (maxWorkers), Ray sees them pending, they join, then go when idle', async () => {
    const id = await submit(
      [
        'import ray, time',
        'ray.init()',
        '@ray.remote(num_cpus=1)',
        'def work():',
        '    time.sleep(20)',
        '    return ray.get_runtime_context().get_node_id()',
        'print(sorted(set(ray.get([work.remote() for _ in range(4)]))))',
      ].join('\n'),
    );
    // While they start, `ray status` on the head shows them as the autoscaler's pending nodes.
    await eventually(
      '`ray status` to show pending rayWorkerType nodes',
      () => {
        const status = spawnSync(join(rayVenvDir(), 'bin', 'ray'), ['status', '--address', `${headIp}:6379`], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        return /Pending:[\s\S]*rayWorkerType/.test(status.stdout) ? true : undefined;
      },
      120_000,
    );
    await rayWorkersAre(3);
    assert.match(await jobEnded(id), /^SUCCEEDED/);
    await workersAre(0);
    const seen = sampler.take();
    assert.equal(seen.most, 3);
    assert.equal(seen.names.length, 3);
    const all = await events();
    assert.ok(
      all.some((e) => e.reason === 'ScaledUp' && /^\+\d rayWorkerType for \d × \{CPU: 1\}/.test(e.message)),
      JSON.stringify(all),
    );
    const downs = all.filter((e) => e.reason === 'ScaledDown');
    assert.equal(downs.length, 3);
    for (const e of downs) assert.match(e.message, /idle for \d+s \(idleTimeoutMinutes 15s\)/);
    // The decisions in the operator's log, under the cluster's prefix (what `rayctl logs --cluster` shows).
    assert.match(operator.stdout(), new RegExp(`^auto,${ns}:.*autoscaler: scaling up: \\+\\d rayWorkerType`, 'm'));
    assert.match(operator.stdout(), new RegExp(`^auto,${ns}:.*autoscaler: scaling down: drained auto-ray-worker`, 'm'));
    const status = (await rayCluster()).status!.autoscaler!;
    assert.match(status.lastScaleDown!.message, /idle for/);
    assert.equal(status.pendingDemand, undefined);
  });

  it('a placement group of two STRICT_SPREAD bundles: two workers, one bundle on each', async () => {
    const id = await submit(
      [
        'import ray',
        'from ray.util.placement_group import placement_group, placement_group_table',
        'ray.init()',
        'pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_SPREAD")',
        'ray.get(pg.ready(), timeout=200)',
        'nodes = placement_group_table(pg)["bundles_to_node_id"]',
        'assert len(set(nodes.values())) == 2, nodes',
      ].join('\n'),
    );
    assert.match(await jobEnded(id), /^SUCCEEDED/);
    await workersAre(0);
    const seen = sampler.take();
    assert.equal(seen.most, 2);
    assert.equal(seen.names.length, 2);
  });

  it("request_resources(num_cpus=2) holds two workers; while the head's GCS is away none is removed", async () => {
    const request = (cpus: number) =>
      submit(
        [
          'import ray',
          'from ray.autoscaler.sdk import request_resources',
          'ray.init()',
          `request_resources(num_cpus=${cpus})`,
        ].join('\n'),
      );
    assert.match(await jobEnded(await request(2)), /^SUCCEEDED/);
    await rayWorkersAre(2);
    // Idle well past the timeout, but the constraint stands.
    await new Promise((resolve) => setTimeout(resolve, 25_000));
    assert.equal((await podsOf('auto', 'worker')).length, 2);

    const [head] = await podsOf('auto', 'head');
    const gcs = gcsServerOf(head!);
    process.kill(gcs, 'SIGSTOP');
    try {
      const away = await eventually(
        'status.autoscaler Unreachable',
        async () => {
          const c = await rayCluster();
          return c.status?.autoscaler?.state === 'Unreachable' ? c : undefined;
        },
        60_000,
      );
      const condition = away.status!.conditions!.find((c) => c.type === 'AutoscalerActive')!;
      assert.deepEqual([condition.status, condition.reason], ['False', 'Unreachable']);
      // minWorkers is 0: without the hold, a reconcile now would remove both.
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      assert.equal((await podsOf('auto', 'worker')).length, 2);
    } finally {
      process.kill(gcs, 'SIGCONT');
    }
    await eventually(
      'status.autoscaler Active again',
      async () => (await rayCluster()).status?.autoscaler?.state === 'Active',
      120_000,
    );
    assert.equal((await podsOf('auto', 'worker')).length, 2);
    assert.match(await jobEnded(await request(0)), /^SUCCEEDED/);
    await workersAre(0);
    const seen = sampler.take();
    assert.equal(seen.names.length, 2);
  });

  it('an operator killed in the middle of a scale-up launches no duplicates after it restarts', async () => {
    const id = await submit(
      [
        'import ray, time',
        'ray.init()',
        '@ray.remote(num_cpus=1)',
        'def work():',
        '    time.sleep(15)',
        'ray.get([work.remote() for _ in range(3)])',
      ].join('\n'),
    );
    await eventually(
      'the first worker pod',
      async () => ((await podsOf('auto', 'worker')).length > 0 ? true : undefined),
      60_000,
    );
    await operator.stop('SIGKILL');
    const inRay = alive(await rayNodes(headIp)).length - 1;
    assert.ok(inRay < 3, `the kill came after the workers joined Ray (${inRay}); the test proves nothing`);
    operator = startOperator(cluster, operatorArgs);
    assert.match(await jobEnded(id), /^SUCCEEDED/);
    await workersAre(0);
    const seen = sampler.take();
    assert.equal(seen.names.length, 3, `worker pods: ${seen.names.join(', ')}`);
  });
});

/** The pid of the GCS server of a head pod: the gcs_server whose environment names that pod. */
function gcsServerOf(head: Pod): number {
  const pids = spawnSync('pgrep', ['-x', 'gcs_server'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const mine = pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .includes(`RAY_CLOUD_INSTANCE_ID=${head.metadata.name}`);
    } catch {
      return false;
    }
  });
  assert.equal(mine.length, 1, `one gcs_server for ${head.metadata.name}, found ${mine.length}`);
  return Number(mine[0]);
}
