// The embedded operator end to end: `rayctl operator` runs as a process, kwok nodes run the pods it creates.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';
import type { Pod, RayCluster } from '../../src/operator/types.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'ray');
cleanupReleases(cluster, () => ['example-cluster', 'example-cluster2'].map((name) => ({ name, namespace: ns })));

const getCluster = (name: string) =>
  client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/${name}`);
const podsOf = async (name: string, role?: 'head' | 'worker') => {
  const selector = encodeURIComponent(`ray-cluster-name=${name}${role ? `,ray-node-type=${role}` : ''}`);
  const list = await client.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${selector}`);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
};
const running = (name: string, workers: number) =>
  eventually(
    `${name} Running with ${workers} workers`,
    async () => {
      const c = await getCluster(name);
      const pods = await podsOf(name, 'worker');
      // The status must describe the current spec: the old spec's Running stays until the new status is written.
      return c.status?.phase === 'Running' &&
        c.status.observedGeneration === c.metadata.generation &&
        c.status.readyWorkers === workers &&
        pods.length === workers
        ? c
        : undefined;
    },
    60_000,
  );
const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};

const operator = startOperator(cluster);

describe('rayctl operator', () => {
  // The first install also installs the CRD, which the operator waits for on a new cluster.
  before(async () => {
    await ok(['install', 'example-cluster', '--cluster-only']);
    await operator.waitForLog(/INFO operator -- reconciling/);
  });

  it("runs the user's workflow: example-cluster and example-cluster2 reach Running with their workers", async () => {
    await ok(['install', 'example-cluster2', '--cluster-only', '--set', 'podTypes.rayWorkerType.minWorkers=0']);
    const first = await running('example-cluster', 2);
    await running('example-cluster2', 0);
    assert.equal((await podsOf('example-cluster', 'head')).length, 1);
    assert.equal(first.status?.observedGeneration, first.metadata.generation);
    assert.deepEqual(
      first.status?.conditions?.filter((c) => c.type !== 'AutoscalerActive').map((c) => [c.type, c.status]),
      [
        ['HeadPodReady', 'True'],
        ['WorkersReady', 'True'],
      ],
    );
    // kwok's heads run no Ray: the autoscaler says it waits for one (its poll is refused: their addresses are local).
    await eventually('the autoscaler waiting for a GCS', async () => {
      const conditions = (await getCluster('example-cluster')).status?.conditions ?? [];
      const autoscaler = conditions.find((c) => c.type === 'AutoscalerActive');
      return autoscaler?.status === 'False' && autoscaler.reason === 'WaitingForHead';
    });
    const head = (await podsOf('example-cluster', 'head'))[0]!;
    assert.equal(first.status?.head?.podName, head.metadata.name);
    assert.match(first.status?.serviceIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  });

  it('rayctl status shows the RayCluster live: phase, head service and a pods table', async () => {
    const out = (await ok(['status', 'example-cluster'])).stdout;
    assert.match(out, /^STATUS: deployed$/m);
    assert.match(
      out,
      /^RAYCLUSTER: example-cluster\n {2}phase: Running, restarts: 0, workers: rayWorkerType 2\/2, operator: none$/m,
    );
    assert.match(
      out,
      /^ {2}head service: example-cluster-ray-head \(\d+\.\d+\.\d+\.\d+\) gcs:6379 client:10001 dashboard:8265 serve:8000$/m,
    );
    assert.match(out, /^TYPE +POD +PHASE +READY +NODE +AGE$/m);
    assert.equal(
      out.match(/^rayWorkerType +example-cluster-ray-worker-type-\w+ +Running +true +kwok-node-\d+ +\d+s$/gm)?.length,
      2,
    );
    assert.equal(out.match(/^rayHeadType +example-cluster-ray-head-type-\w+ +Running +true/gm)?.length, 1);
  });

  it('rayctl get clusters lists every RayCluster with its release, phase and workers', async () => {
    const rows = JSON.parse((await ok(['get', 'clusters', '-o', 'json'])).stdout) as {
      name: string;
      release: string;
      phase: string;
      workers: { podType: string; ready: number; desired: number }[];
    }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.release, r.phase]),
      [
        ['example-cluster', 'example-cluster', 'Running'],
        ['example-cluster2', 'example-cluster2', 'Running'],
      ],
    );
    assert.deepEqual(
      rows[0]!.workers.find((w) => w.podType === 'rayWorkerType'),
      { podType: 'rayWorkerType', ready: 2, desired: 2 },
    );
    const table = (await ok(['get', 'clusters'])).stdout.split('\n');
    assert.match(table[0]!, /^NAME +NAMESPACE +RELEASE +PHASE +WORKERS \(READY\/DESIRED\) +OPERATOR +AGE$/);
    assert.match(
      table[1]!,
      /^example-cluster +ray-[0-9a-f]+ +example-cluster +Running +rayWorkerType 2\/2 +none +\d+s$/,
    );
    const everywhere = JSON.parse((await rayctl(['get', 'clusters', '-A', '-o', 'json'])).stdout) as {
      namespace: string;
    }[];
    assert.ok(everywhere.filter((c) => c.namespace === ns).length === 2);
  });

  it('builds pods and the head Service as the original operator did, starting Ray without exec', async () => {
    const head = (await podsOf('example-cluster', 'head'))[0]!;
    assert.equal(head.metadata.labels?.['cluster.ray.io/component'], 'example-cluster-ray-head');
    assert.equal(head.metadata.labels?.['ray-node-name'], 'ray-example-cluster-head');
    const script = (head.spec?.containers[0]?.args ?? [])[0] ?? '';
    assert.match(
      script,
      new RegExp(
        `^export RAY_HEAD_IP=example-cluster-ray-head\\.${ns}\\.svc\\nray stop\\nulimit -n 65536; ray start --head --port=6379`,
      ),
    );
    assert.match(script, /trap : TERM INT; sleep infinity & wait;$/);
    const service = await client.get<{
      spec: { selector: Record<string, string>; ports: { name: string; port: number }[] };
    }>(`/api/v1/namespaces/${ns}/services/example-cluster-ray-head`);
    assert.deepEqual(service.spec.selector, { 'cluster.ray.io/component': 'example-cluster-ray-head' });
    assert.deepEqual(
      service.spec.ports.map((p) => [p.name, p.port]),
      [
        ['gcs', 6379],
        ['client', 10001],
        ['dashboard', 8265],
        ['serve', 8000],
      ],
    );
  });

  it('logs each cluster under its own prefix, so grep separates them', () => {
    const lines = operator.stdout().split('\n');
    const first = lines.filter((l) => l.startsWith(`example-cluster,${ns}:`));
    const second = lines.filter((l) => l.startsWith(`example-cluster2,${ns}:`));
    assert.ok(first.some((l) => /created head pod example-cluster-ray-head-type-/.test(l)));
    assert.ok(second.some((l) => /created head pod example-cluster2-ray-head-type-/.test(l)));
    assert.ok(
      !first.some((l) => l.includes('example-cluster2-')),
      'no line of cluster 2 under the prefix of cluster 1',
    );
    assert.match(first[0]!, /^example-cluster,ray-[0-9a-f]+:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\tINFO operator -- /);
  });

  it('records Events on the RayCluster', async () => {
    const events = await client.get<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>(
      `/api/v1/namespaces/${ns}/events`,
    );
    const mine = events.items.filter((e) => e.involvedObject.name === 'example-cluster');
    assert.ok(mine.some((e) => e.reason === 'CreatedPod' && /Created head pod/.test(e.message)));
    // Scaling is said by the CreatedPod Event (with the reason), not by an Event of its own as well. The head and
    // its first workers come in one pass, so one Event names both.
    assert.ok(
      mine.some(
        (e) =>
          e.reason === 'CreatedPod' &&
          /^Created head pod \S+: .*; created (worker pod \S+|\d+ worker pods \(.*\)): scaling rayWorkerType up to \d+$/.test(
            e.message,
          ),
      ),
    );
    assert.ok(!mine.some((e) => e.reason === 'Scaling'));
  });

  it('scales on upgrade without restarting the head', async () => {
    const head = (await podsOf('example-cluster', 'head'))[0]!.metadata.name;
    await ok(['upgrade', 'example-cluster', '--reuse-values', '--min-workers', 'rayWorkerType=3']);
    await running('example-cluster', 3);
    assert.equal((await podsOf('example-cluster', 'head'))[0]!.metadata.name, head);
    assert.equal((await getCluster('example-cluster')).status?.autoscalerRetries, 0);
  });

  it('brings back a deleted worker pod', async () => {
    const [victim] = await podsOf('example-cluster', 'worker');
    await client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${victim!.metadata.name}`);
    await eventually('a replacement worker', async () => {
      const workers = await podsOf('example-cluster', 'worker');
      return workers.length === 3 && !workers.some((w) => w.metadata.name === victim!.metadata.name);
    });
    await running('example-cluster', 3);
  });

  it('rayctl scale works within the range and refuses outside it, stating the range', async () => {
    await ok(['upgrade', 'example-cluster2', '--reuse-values', '--max-workers', 'rayWorkerType=4']);
    await ok(['scale', 'example-cluster2', '--pod-type', 'rayWorkerType', '--workers', '2']);
    await running('example-cluster2', 2);
    const refused = await rayctl([
      '-n',
      ns,
      'scale',
      'example-cluster2',
      '--pod-type',
      'rayWorkerType',
      '--workers',
      '5',
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--workers 5 is outside rayWorkerType's range \[0, 4\]/);
    const unknown = await rayctl(['-n', ns, 'scale', 'example-cluster2', '--pod-type', 'gpu', '--workers', '1']);
    assert.match(unknown.stderr, /RayCluster "example-cluster2" has no pod type "gpu"/);
  });

  it('an image change replaces every pod and counts one restart', async () => {
    const before = new Set((await podsOf('example-cluster')).map((p) => p.metadata.name));
    await ok(['upgrade', 'example-cluster', '--reuse-values', '--image', 'rayproject/ray:2.41.0']);
    const after = await eventually(
      'all pods replaced',
      async () => {
        const pods = await podsOf('example-cluster');
        return pods.length === 4 && pods.every((p) => !before.has(p.metadata.name)) ? pods : undefined;
      },
      60_000,
    );
    assert.ok(after.every((p) => p.spec?.containers[0]?.image === 'rayproject/ray:2.41.0'));
    const c = await running('example-cluster', 3);
    assert.equal(c.status?.autoscalerRetries, 1);
  });

  it('keeps the head Service in line: headServicePorts added and taken out, a hand edit undone', async () => {
    const servicePath = `/api/v1/namespaces/${ns}/services/example-cluster2-ray-head`;
    const clusterPath = `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/example-cluster2`;
    type Ports = { spec: { selector: Record<string, string>; ports: { name: string; port: number }[] } };
    const portsAre = (what: string, names: string[]) =>
      eventually(what, async () => {
        const service = await client.get<Ports>(servicePath);
        return JSON.stringify(service.spec.ports.map((p) => p.name)) === JSON.stringify(names) ? service : undefined;
      });
    const defaults = ['gcs', 'client', 'dashboard', 'serve'];
    const patch = (body: unknown) => client.json('PATCH', clusterPath, body, 'application/merge-patch+json');
    await patch({ spec: { headServicePorts: [{ name: 'metrics', port: 8080 }] } });
    await portsAre('the metrics port on the head Service', [...defaults, 'metrics']);
    await patch({ spec: { headServicePorts: null } });
    await portsAre('the metrics port gone again', defaults);
    // Someone edits the Service: the operator puts back its selector (exactly) and its ports.
    await client.json(
      'PATCH',
      servicePath,
      { spec: { selector: { extra: 'x' }, ports: [{ name: 'gcs', port: 1 }] } },
      'application/merge-patch+json',
    );
    const restored = await portsAre('the ports put back', defaults);
    assert.deepEqual(restored.spec.selector, { 'cluster.ray.io/component': 'example-cluster2-ray-head' });
    assert.equal(restored.spec.ports[0]!.port, 6379);
  });

  it('makes a deleted head Service again, and the status gives its new address', async () => {
    const servicePath = `/api/v1/namespaces/${ns}/services/example-cluster2-ray-head`;
    type Address = { metadata: { uid: string }; spec: { clusterIP: string } };
    const old = await client.get<Address>(servicePath);
    assert.equal((await getCluster('example-cluster2')).status?.serviceIP, old.spec.clusterIP);
    await client.request('DELETE', servicePath);
    const made = await eventually('the head Service made again', async () => {
      const service = await client.get<Address>(servicePath).catch(() => undefined);
      return service && service.metadata.uid !== old.metadata.uid ? service : undefined;
    });
    // The pass that made it computed the status before the create: the address comes with a later pass.
    await eventually('the status naming the new address', async () =>
      (await getCluster('example-cluster2')).status?.serviceIP === made.spec.clusterIP ? true : undefined,
    );
  });

  it('uninstall removes every pod and the Service (owner references, no finalizer)', async () => {
    await ok(['uninstall', 'example-cluster', 'example-cluster2', '--wait']);
    await eventually(
      'pods and services gone',
      async () => {
        const pods = [...(await podsOf('example-cluster')), ...(await podsOf('example-cluster2'))];
        const services = await client.get<{ items: unknown[] }>(
          `/api/v1/namespaces/${ns}/services?labelSelector=ray-cluster-name`,
        );
        return pods.length === 0 && services.items.length === 0;
      },
      60_000,
    );
  });

  it('stops cleanly on SIGTERM', async () => {
    assert.equal(await operator.stop('SIGTERM'), 0);
    assert.match(operator.stdout(), /SIGTERM: finishing reconciles in progress\n.*stopped\n$/);
  });
});
