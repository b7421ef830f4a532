import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRelease } from '../../../src/actions/render.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { Values } from '../../../src/chart/tree.ts';
import { buildHeadService, launchHash, wrapCommand } from '../../../src/operator/build.ts';
import { plan, workerTargets, type Autoscaling, type Observed } from '../../../src/operator/desired.ts';
import type { AutoscalerStatus, NewPod, Pod, RayCluster } from '../../../src/operator/types.ts';

const chart = await loadBuiltinChart();
const NOW = new Date('2026-01-01T00:00:00Z');

/** The RayCluster the chart renders for these values, as the API server would return it. */
function rayCluster(values: Values = {}): RayCluster {
  const object = renderRelease(chart, { name: 'example-cluster', namespace: 'ray' }, { clusterOnly: true, ...values })
    .objects[0]!.object;
  return { ...(object as unknown as RayCluster), metadata: { ...object.metadata, uid: 'cluster-uid', generation: 1 } };
}

let serial = 0;
/** A pod as the cache would hold it after the API server created `created`. */
function asCached(created: NewPod, phase = 'Running', ready = true): Pod {
  serial += 1;
  return {
    ...created,
    metadata: {
      ...created.metadata,
      name: `${created.metadata.generateName}${serial}`,
      uid: `uid-${serial}`,
      creationTimestamp: `2026-01-01T00:00:${String(serial).padStart(2, '0')}Z`,
    },
    status: { phase, podIP: `10.0.0.${serial}`, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const ACTIVE: AutoscalerStatus = { state: 'Active', message: 'reading Ray' };

/** The autoscaler's decision as plan() takes it: targets per type, drained pods. */
function autoscaled(targets: Record<string, number>, drained: Record<string, string> = {}): Autoscaling {
  return { targets: new Map(Object.entries(targets)), drained: new Map(Object.entries(drained)), status: ACTIVE };
}

function observe(cluster: RayCluster, pods: Pod[], extra: Partial<Observed> = {}): Observed {
  return {
    cluster,
    pods,
    service: buildHeadService(cluster),
    pendingCreates: [],
    pendingDeletes: new Set(),
    now: NOW,
    ...extra,
  };
}

/** Runs plans against a simulated cache until nothing is left to do: a converged cluster. */
function converge(cluster: RayCluster, pods: Pod[] = []): { pods: Pod[]; cluster: RayCluster } {
  let current = pods;
  let state = cluster;
  for (let round = 0; round < 10; round++) {
    const next = plan(observe(state, current));
    state = { ...state, status: next.status };
    if (next.create.length === 0 && next.delete.length === 0) return { pods: current, cluster: state };
    const deleted = new Set(next.delete.map((d) => d.pod.metadata.name));
    current = [...current.filter((p) => !deleted.has(p.metadata.name)), ...next.create.map((c) => asCached(c.pod))];
  }
  throw new Error('did not converge in 10 rounds');
}

const workers = (pods: Pod[], type = 'rayWorkerType') =>
  pods.filter(
    (p) => p.metadata.labels?.['ray-node-type'] === 'worker' && p.metadata.labels['ray-user-node-type'] === type,
  );
const heads = (pods: Pod[]) => pods.filter((p) => p.metadata.labels?.['ray-node-type'] === 'head');

describe('the reconcile plan', () => {
  it('starts with the head alone and the head Service; workers wait for a head to join', () => {
    const first = plan(observe(rayCluster(), [], { service: undefined }));
    assert.deepEqual(
      first.create.map((c) => [c.role, c.podType]),
      [['head', 'rayHeadType']],
    );
    assert.equal(first.service?.metadata.name, 'example-cluster-ray-head');
    assert.equal(first.status.phase, 'Updating');
  });

  it('labels pods as the original operator did, owned by the RayCluster', () => {
    const [head] = plan(observe(rayCluster(), [])).create;
    const meta = head!.pod.metadata;
    const labels: Record<string, string> = { ...meta.labels };
    assert.equal(meta.generateName, 'example-cluster-ray-head-type-');
    assert.deepEqual(
      { ...labels, 'ray-launch-config': 'x' },
      {
        'ray-cluster-name': 'example-cluster',
        'ray-node-type': 'head',
        'ray-user-node-type': 'rayHeadType',
        'ray-node-name': 'ray-example-cluster-head',
        'ray-launch-config': 'x',
        'cluster.ray.io/component': 'example-cluster-ray-head',
      },
    );
    assert.match(labels['ray-launch-config'] ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(meta.ownerReferences, [
      {
        apiVersion: 'cluster.ray.io/v1',
        kind: 'RayCluster',
        name: 'example-cluster',
        uid: 'cluster-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('converges to one head and minWorkers workers, all joined to that head, then reports Running', () => {
    const { pods, cluster } = converge(rayCluster());
    assert.equal(heads(pods).length, 1);
    assert.equal(workers(pods).length, 2);
    for (const w of workers(pods))
      assert.equal(w.metadata.annotations?.['ray.rayctl.io/head-uid'], heads(pods)[0]!.metadata.uid);
    const final = plan(observe(cluster, pods));
    assert.equal(final.status.phase, 'Running');
    assert.deepEqual(final.status.workers, [
      { podType: 'rayHeadType', ready: 0, desired: 0 },
      { podType: 'rayWorkerType', ready: 2, desired: 2 },
    ]);
    assert.deepEqual(
      [final.status.readyWorkers, final.status.desiredWorkers, final.status.autoscalerRetries],
      [2, 2, 0],
    );
    assert.deepEqual(
      final.status.conditions?.map((c) => [c.type, c.status]),
      [
        ['HeadPodReady', 'True'],
        ['WorkersReady', 'True'],
      ],
    );
    assert.equal(final.status.head?.podName, heads(pods)[0]!.metadata.name);
  });

  it('is Updating while a pod is not Ready', () => {
    const { pods, cluster } = converge(rayCluster());
    const notReady = pods.map((p, i) =>
      i === pods.length - 1 ? { ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } } : p,
    );
    const result = plan(observe(cluster, notReady));
    assert.equal(result.status.phase, 'Updating');
    assert.equal(result.status.conditions?.find((c) => c.type === 'WorkersReady')?.status, 'False');
  });

  it('never makes a second pod for a slot the cache has not shown yet (expectations)', () => {
    const cluster = rayCluster();
    assert.deepEqual(
      plan(observe(cluster, [], { pendingCreates: [{ name: 'h', podType: 'rayHeadType', role: 'head' }] })).create,
      [],
    );
    const { pods } = converge(cluster);
    const oneWorkerShort = pods.filter((p) => p !== workers(pods)[0]);
    const pending = { name: 'w', podType: 'rayWorkerType', role: 'worker' as const };
    assert.deepEqual(plan(observe(cluster, oneWorkerShort, { pendingCreates: [pending] })).create, []);
    assert.equal(plan(observe(cluster, oneWorkerShort)).create.length, 1);
  });

  it('makes the workers of a head just created, joined to it by the uid its create returned', () => {
    const cluster = rayCluster();
    const head = { name: 'example-cluster-ray-head-type-h', podType: 'rayHeadType', role: 'head' as const };
    const next = plan(observe(cluster, [], { pendingCreates: [{ ...head, uid: 'new-head-uid' }] }));
    assert.deepEqual(
      next.create.map((c) => [c.role, c.pod.metadata.annotations?.['ray.rayctl.io/head-uid']]),
      [
        ['worker', 'new-head-uid'],
        ['worker', 'new-head-uid'],
      ],
    );
    // Without the uid (an expectation from before it was kept), workers wait for the cache to show the head.
    assert.deepEqual(plan(observe(cluster, [], { pendingCreates: [head] })).create, []);
  });

  it('does not count a pod it deleted that the cache still shows', () => {
    const { pods, cluster } = converge(rayCluster());
    const gone = workers(pods)[0]!.metadata.name;
    const result = plan(observe(cluster, pods, { pendingDeletes: new Set([gone]) }));
    assert.deepEqual(
      result.create.map((c) => c.role),
      ['worker'],
    );
    assert.deepEqual(result.delete, []);
  });

  it('replaces pods that ended', () => {
    const { pods, cluster } = converge(rayCluster());
    const failed = pods.map((p) => (p === workers(pods)[0] ? { ...p, status: { ...p.status, phase: 'Failed' } } : p));
    const result = plan(observe(cluster, failed));
    assert.deepEqual(
      result.delete.map((d) => d.reason),
      ['pod Failed'],
    );
    assert.deepEqual(
      result.create.map((c) => c.role),
      ['worker'],
    );
  });

  it('scales by min/max/desired without touching other pods, deleting the newest first', () => {
    const { pods, cluster } = converge(rayCluster({ podTypes: { rayWorkerType: { minWorkers: 3, maxWorkers: 5 } } }));
    const down = rayCluster({ podTypes: { rayWorkerType: { minWorkers: 1, maxWorkers: 5 } } });
    const result = plan(observe({ ...down, status: cluster.status }, pods));
    assert.equal(result.create.length, 0);
    const newest = [...workers(pods)].sort((a, b) =>
      b.metadata.creationTimestamp!.localeCompare(a.metadata.creationTimestamp!),
    );
    assert.deepEqual(
      result.delete.map((d) => d.pod.metadata.name),
      newest.slice(0, 2).map((p) => p.metadata.name),
    );
    assert.ok(result.delete.every((d) => d.role === 'worker'));
    // Logged, but not an Event of its own: the DeletedPod Event of the same reconcile carries the reason.
    assert.deepEqual(
      result.notes.filter((n) => n.reason === 'Scaling'),
      [{ reason: 'Scaling', message: 'rayWorkerType: 3 → 1 workers', logOnly: true }],
    );
    assert.ok(result.delete.every((d) => d.reason === 'scaling rayWorkerType down to 1'));
  });

  it("follows the autoscaler's targets within [minWorkers, maxWorkers]; a manual desiredWorkers stays the floor", () => {
    const base = rayCluster({ podTypes: { rayWorkerType: { minWorkers: 0, maxWorkers: 3 } } });
    const { pods, cluster } = converge(base);
    assert.equal(workers(pods).length, 0);
    const up = plan(observe(cluster, pods, { autoscaling: autoscaled({ rayWorkerType: 2 }) }));
    assert.equal(up.create.filter((c) => c.role === 'worker').length, 2);
    // Above maxWorkers is clamped even if asked.
    const capped = plan(observe(cluster, pods, { autoscaling: autoscaled({ rayWorkerType: 9 }) }));
    assert.equal(capped.create.filter((c) => c.role === 'worker').length, 3);
    // rayctl scale set desiredWorkers 2: the autoscaler asking for 0 keeps 2.
    const manual = {
      ...cluster,
      spec: {
        ...cluster.spec,
        podTypes: cluster.spec.podTypes.map((t) => (t.name === 'rayWorkerType' ? { ...t, desiredWorkers: 2 } : t)),
      },
    };
    const floor = plan(observe(manual, pods, { autoscaling: autoscaled({ rayWorkerType: 0 }) }));
    assert.equal(floor.create.filter((c) => c.role === 'worker').length, 2);
  });

  it('removes exactly the workers the autoscaler drained, with its reason, even when they are the oldest', () => {
    const { pods, cluster } = converge(rayCluster({ podTypes: { rayWorkerType: { minWorkers: 3, maxWorkers: 3 } } }));
    const [oldest] = [...workers(pods)].sort((a, b) =>
      a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!),
    );
    const scaled = {
      ...cluster,
      spec: { ...cluster.spec, podTypes: cluster.spec.podTypes.map((t) => ({ ...t, minWorkers: 0 })) },
    };
    const result = plan(
      observe(scaled, pods, {
        autoscaling: autoscaled(
          { rayWorkerType: 2 },
          { [oldest!.metadata.name]: 'idle for 5m (idleTimeoutMinutes 5m)' },
        ),
      }),
    );
    assert.deepEqual(
      result.delete.map((d) => [d.pod.metadata.name, d.reason]),
      [[oldest!.metadata.name, 'idle for 5m (idleTimeoutMinutes 5m)']],
    );
  });

  it('holds every worker while the autoscaler that took over this head has no fresh view of Ray', () => {
    const { pods, cluster } = converge(rayCluster({ podTypes: { rayWorkerType: { minWorkers: 0, maxWorkers: 3 } } }));
    const grown = plan(observe(cluster, pods, { autoscaling: autoscaled({ rayWorkerType: 3 }) }));
    const withWorkers = [...pods, ...grown.create.map((c) => asCached(c.pod))];
    const head = withWorkers.find((p) => p.metadata.labels?.['ray-node-type'] === 'head')!;
    const unreachable: AutoscalerStatus = { state: 'Unreachable', message: 'GCS away', headPod: head.metadata.name };
    // GCS away: no targets, the runtime says so; minWorkers is 0 but nothing goes.
    const away = plan(observe(cluster, withWorkers, { autoscaling: { drained: new Map(), status: unreachable } }));
    assert.deepEqual(away.delete, []);
    assert.equal(away.status.conditions?.find((c) => c.type === 'AutoscalerActive')?.status, 'False');
    assert.equal(away.status.autoscaler?.state, 'Unreachable');
    // A restarted operator has no runtime state yet: the status it wrote before says the autoscaler owns this head.
    const restarted = { ...cluster, status: { ...cluster.status, autoscaler: unreachable } };
    assert.deepEqual(plan(observe(restarted, withWorkers)).delete, []);
    // A different head (replaced): the old view says nothing about it, manual targets apply (its workers go anyway).
    const otherHead = { ...restarted, status: { ...restarted.status, autoscaler: { ...unreachable, headPod: 'x' } } };
    assert.equal(plan(observe(otherHead, withWorkers)).delete.filter((d) => d.role === 'worker').length, 3);
    // Autoscaling switched off: manual targets, whatever the last status says.
    const disabled: AutoscalerStatus = { state: 'Disabled', message: 'off', headPod: head.metadata.name };
    const off = plan(observe(cluster, withWorkers, { autoscaling: { drained: new Map(), status: disabled } }));
    assert.equal(off.delete.filter((d) => d.role === 'worker').length, 3);
  });

  it('clamps desiredWorkers into [minWorkers, maxWorkers] and caps the total by spec.maxWorkers', () => {
    const cluster = rayCluster({
      podTypes: {
        rayWorkerType: { minWorkers: 1, maxWorkers: 4 },
        gpu: { CPU: 1, memory: '1Gi', minWorkers: 2, maxWorkers: 2 },
      },
    });
    const wanting = (n: number): RayCluster => ({
      ...cluster,
      spec: {
        ...cluster.spec,
        podTypes: cluster.spec.podTypes.map((t) => (t.name === 'rayWorkerType' ? { ...t, desiredWorkers: n } : t)),
      },
    });
    assert.deepEqual(
      [...workerTargets(wanting(10))],
      [
        ['gpu', 2],
        ['rayHeadType', 0],
        ['rayWorkerType', 4],
      ],
    );
    assert.deepEqual(
      [...workerTargets(wanting(0))],
      [
        ['gpu', 2],
        ['rayHeadType', 0],
        ['rayWorkerType', 1],
      ],
    );
    const capped = { ...wanting(4), spec: { ...wanting(4).spec, maxWorkers: 3 } };
    assert.deepEqual(
      [...workerTargets(capped)],
      [
        ['gpu', 2],
        ['rayHeadType', 0],
        ['rayWorkerType', 1],
      ],
    );
  });

  it("replaces only a worker type's pods when its config changes", () => {
    const values = { podTypes: { gpu: { CPU: 1, memory: '1Gi', minWorkers: 1, maxWorkers: 1 } } };
    const { pods, cluster } = converge(rayCluster(values));
    const changed = rayCluster({ podTypes: { ...values.podTypes, rayWorkerType: { memory: '2Gi' } } });
    const result = plan(observe({ ...changed, status: cluster.status }, pods));
    assert.deepEqual(
      new Set(result.delete.map((d) => d.pod.metadata.name)),
      new Set(workers(pods).map((p) => p.metadata.name)),
    );
    assert.ok(result.delete.every((d) => d.reason === 'rayWorkerType config changed'));
    assert.equal(result.create.length, 2, 'replacements are created in the same pass');
  });

  it('a head config change replaces the head, restarts every worker and counts one restart', () => {
    const { pods, cluster } = converge(rayCluster());
    const changed = { ...rayCluster({ image: 'rayproject/ray:2.41.0' }), status: cluster.status };
    const first = plan(observe(changed, pods));
    assert.equal(first.delete.length, 3, 'the old head and both workers');
    assert.deepEqual(
      first.create.map((c) => c.role),
      ['head'],
    );
    assert.equal(first.status.autoscalerRetries, 1);
    assert.ok(first.notes.some((n) => n.reason === 'Restarting'));
    const after = converge(
      { ...changed, status: first.status },
      pods.filter((p) => !first.delete.some((d) => d.pod === p)).concat(first.create.map((c) => asCached(c.pod))),
    );
    assert.equal(after.cluster.status?.autoscalerRetries, 1, 'counted once');
    assert.equal(workers(after.pods).length, 2);
  });

  it('counts a restart once even when the pass that replaced the head kept no status', () => {
    const { pods, cluster } = converge(rayCluster());
    const changed = { ...rayCluster({ image: 'rayproject/ray:2.41.0' }), status: cluster.status };
    const first = plan(observe(changed, pods));
    const newHead = asCached(first.create[0]!.pod);
    // That pass failed after its deletes and its create: the next one starts from the old status (naming the old
    // head), with the old pods deleted but still cached and the new head not cached yet.
    const retry = plan(
      observe(changed, pods, {
        pendingDeletes: new Set(first.delete.map((d) => d.pod.metadata.name)),
        pendingCreates: [
          { name: newHead.metadata.name, podType: 'rayHeadType', role: 'head', uid: newHead.metadata.uid! },
        ],
      }),
    );
    assert.deepEqual(
      retry.create.map((c) => c.role),
      ['worker', 'worker'],
      'the new head is not made twice',
    );
    assert.equal(retry.status.autoscalerRetries, 1);
    const after = converge({ ...changed, status: retry.status }, [newHead]);
    assert.equal(after.cluster.status?.autoscalerRetries, 1, 'counted once');
  });

  it('scaling settings are not part of the launch config, so scaling restarts nothing', () => {
    const a = rayCluster({ podTypes: { rayWorkerType: { minWorkers: 0, maxWorkers: 3 } } });
    const b = rayCluster({ podTypes: { rayWorkerType: { minWorkers: 3, maxWorkers: 9 } } });
    const type = (c: RayCluster) => c.spec.podTypes.find((t) => t.name === 'rayWorkerType')!;
    assert.equal(launchHash(a, type(a), 'worker'), launchHash(b, type(b), 'worker'));
  });

  it('keeps the transition time of a condition that did not change', () => {
    const { pods, cluster } = converge(rayCluster());
    const later = plan({ ...observe(cluster, pods), now: new Date('2030-01-01T00:00:00Z') });
    const before = cluster.status?.conditions?.find((c) => c.type === 'HeadPodReady')?.lastTransitionTime;
    assert.equal(later.status.conditions?.find((c) => c.type === 'HeadPodReady')?.lastTransitionTime, before);
  });

  it('reports an invalid spec as Error with the reason, and touches nothing', () => {
    const cluster = rayCluster();
    const broken = { ...cluster, spec: { ...cluster.spec, headPodType: 'missing' } };
    const result = plan(observe(broken, []));
    assert.equal(result.status.phase, 'Error');
    assert.match(
      result.status.reason ?? '',
      /headPodType "missing" is not one of podTypes \(rayHeadType, rayWorkerType\)/,
    );
    assert.deepEqual([result.create, result.delete], [[], []]);
  });

  it('judges one spec object again under another pod policy', () => {
    const cluster = rayCluster();
    const head = cluster.spec.podTypes.find((t) => t.name === 'rayHeadType')!;
    const spec = {
      ...cluster.spec,
      podTypes: [
        { ...head, podConfig: { ...head.podConfig, spec: { ...head.podConfig.spec, hostNetwork: true } } },
        ...cluster.spec.podTypes.filter((t) => t !== head),
      ],
    };
    const hostNetwork = { ...cluster, spec };
    const privileged = plan(observe(hostNetwork, [], { podPolicy: { level: 'privileged', serviceAccounts: [] } }));
    assert.deepEqual(
      privileged.create.map((c) => c.role),
      ['head'],
    );
    const baseline = plan(observe(hostNetwork, [], { podPolicy: { level: 'baseline', serviceAccounts: [] } }));
    assert.deepEqual(baseline.create, []);
    assert.match(baseline.status.reason ?? '', /spec\.hostNetwork: host namespaces are not allowed/);
  });

  it("names and owns each cluster's head Service by that cluster, also when two share one spec object", () => {
    const first = rayCluster();
    const second = { ...first, metadata: { ...first.metadata, name: 'second', uid: 'second-uid' } };
    for (const cluster of [first, second, first]) {
      const { service } = plan(observe(cluster, [], { service: undefined }));
      assert.equal(service?.metadata.name, `${cluster.metadata.name}-ray-head`);
      const owners = service?.metadata.ownerReferences as { uid: string }[] | undefined;
      assert.deepEqual(
        owners?.map((o) => o.uid),
        [cluster.metadata.uid],
      );
    }
  });
});

describe('starting Ray without exec', () => {
  it("runs setup and start commands, then the original chart's keep-alive script unchanged", () => {
    const wrapped = wrapCommand(
      { name: 'ray-node', command: ['/bin/bash', '-c', '--'], args: ['trap : TERM INT; sleep infinity & wait;'] },
      ['ray stop', 'ray start --head'],
      'c-ray-head.ns.svc',
    );
    assert.deepEqual(wrapped.command, ['/bin/bash', '-c', '--']);
    assert.equal(
      wrapped.args?.[0],
      'export RAY_HEAD_IP=c-ray-head.ns.svc\nray stop\nray start --head\ntrap : TERM INT; sleep infinity & wait;',
    );
  });

  it('execs any other command, quoted, after the start commands', () => {
    const wrapped = wrapCommand({ name: 'x', command: ['python', '-m', 'serve'], args: ["it's"] }, ['ray start'], 'h');
    assert.equal(wrapped.args?.[0], "export RAY_HEAD_IP=h\nray start\nexec python -m serve 'it'\\''s'");
  });

  it('keeps a container without a command alive after Ray starts', () => {
    assert.match(
      wrapCommand({ name: 'x' }, ['ray start'], 'h').args?.[0] ?? '',
      /ray start\ntrap : TERM INT; sleep infinity & wait$/,
    );
  });

  it('head Service ports: gcs, client, dashboard, serve, with headServicePorts merged over them by name', () => {
    const cluster = rayCluster();
    const service = buildHeadService({
      ...cluster,
      spec: {
        ...cluster.spec,
        headServicePorts: [
          { name: 'dashboard', port: 8080, targetPort: 8265 },
          { name: 'metrics', port: 9090 },
        ],
      },
    });
    const ports = (service.spec as { ports: { name: string; port: number; targetPort: number }[] }).ports;
    assert.deepEqual(
      ports.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['gcs', 6379, 6379],
        ['client', 10001, 10001],
        ['dashboard', 8080, 8265],
        ['serve', 8000, 8000],
        ['metrics', 9090, 9090],
      ],
    );
    assert.deepEqual((service.spec as { selector: object }).selector, {
      'cluster.ray.io/component': 'example-cluster-ray-head',
    });
  });
});
