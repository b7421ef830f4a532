// The autoscaler's runtime against an in-memory GCS (the narrow GcsApi interface): what it asks Ray, what it hands
// to plan(), the events it records, and how it behaves when Ray does not answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRelease } from '../../../src/actions/render.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { Values } from '../../../src/chart/tree.ts';
import type { RayNode } from '../../../src/operator/autoscaler.ts';
import { AutoscalerLoop, gcsPort, type AutoscalingView, type GcsApi } from '../../../src/operator/autoscaling.ts';
import type { AutoscalingReport, ClusterResourceState } from '../../../src/operator/gcs-messages.ts';
import { OperatorLog } from '../../../src/operator/log.ts';
import { OperatorMetrics } from '../../../src/operator/metrics.ts';
import type { RayCluster } from '../../../src/operator/types.ts';

const chart = await loadBuiltinChart();

function rayCluster(name: string, values: Values = {}): RayCluster {
  const object = renderRelease(chart, { name, namespace: 'ray' }, { clusterOnly: true, ...values }).objects[0]!.object;
  return { ...(object as unknown as RayCluster), metadata: { ...object.metadata, uid: `${name}-uid`, generation: 1 } };
}

type Node = ClusterResourceState['nodes'][number];
function node(instanceId: string, nodeType: string, facts: Partial<RayNode> = {}): Node {
  return {
    nodeId: Buffer.from(instanceId),
    instanceId,
    nodeType,
    status: 'RUNNING',
    idleMs: 0,
    total: { CPU: 1 },
    available: { CPU: 1 },
    ip: '10.213.1.9',
    ...facts,
  };
}

/** A GCS in memory: the state it serves, and what it was asked. */
class FakeGcs implements GcsApi {
  state: ClusterResourceState = {
    version: 1,
    sessionName: 's',
    nodes: [node('c-head', 'rayHeadType', { total: { CPU: 0 }, available: {} })],
    demand: { requests: [], gangs: [], constraints: [] },
  };
  down = false;
  refuseDrain = false;
  drains: string[] = [];
  reports: AutoscalingReport[] = [];
  polls = 0;
  inFlight = 0;
  maxInFlight = 0;
  async getClusterResourceState(): Promise<ClusterResourceState> {
    this.polls += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight -= 1;
    if (this.down) throw new Error('connect ECONNREFUSED');
    return structuredClone(this.state);
  }
  drainNode(nodeId: Uint8Array): Promise<{ accepted: boolean; rejection: string }> {
    this.drains.push(Buffer.from(nodeId).toString());
    return Promise.resolve(
      this.refuseDrain ? { accepted: false, rejection: 'node is busy' } : { accepted: true, rejection: '' },
    );
  }
  reportAutoscalingState(report: AutoscalingReport): Promise<void> {
    this.reports.push(report);
    return Promise.resolve();
  }
  close(): void {}
}

/** A loop over `clusters` (views by key), all served by one fake GCS, recording events and reconcile requests. */
function harness(views: Map<string, AutoscalingView>, gcs = new FakeGcs(), concurrency = 4) {
  const events: string[] = [];
  const changed: string[] = [];
  const addresses: string[] = [];
  const metrics = new OperatorMetrics();
  const loop = new AutoscalerLoop({
    pollMs: 1000,
    concurrency,
    connect: (address) => {
      addresses.push(address);
      return gcs;
    },
    keys: () => [...views.keys()],
    view: (key) => views.get(key),
    changed: (key) => changed.push(key),
    event: (_cluster, type, reason, message) => {
      events.push(`${type} ${reason}: ${message}`);
      return Promise.resolve();
    },
    log: new OperatorLog('text', 'error', () => {}),
    metrics,
  });
  const poll = async () => {
    loop.tick();
    await loop.idle();
  };
  return { loop, gcs, events, changed, addresses, metrics, poll };
}

function view(cluster: RayCluster, workers: { name: string; podType: string }[] = []): AutoscalingView {
  return { cluster, head: { name: 'c-head', ip: '10.213.1.2' }, workers };
}

const minZero = { podTypes: { rayWorkerType: { minWorkers: 0, maxWorkers: 3 } } };

describe('the autoscaler runtime', () => {
  it('launches for pending demand, once: targets, one ScaledUp event, status and a report to Ray', async () => {
    const cluster = rayCluster('c', minZero);
    const views = new Map([['ray/c', view(cluster)]]);
    const { loop, gcs, events, changed, addresses, poll } = harness(views);
    gcs.state.demand.requests = [{ bundle: { CPU: 1 }, count: 4 }];
    await poll();
    assert.deepEqual(addresses, ['10.213.1.2:6379']);
    const first = loop.autoscaling('ray/c')!;
    assert.deepEqual(
      [...first.targets!],
      [
        ['rayHeadType', 0],
        ['rayWorkerType', 3],
      ],
    );
    assert.equal(first.status.state, 'Active');
    assert.equal(first.status.headPod, 'c-head');
    assert.equal(first.status.pendingDemand, '4 × {CPU: 1}');
    assert.match(first.status.message, /1 × \{CPU: 1\} must wait: maxWorkers/);
    assert.deepEqual(events, ['Normal ScaledUp: +3 rayWorkerType for 4 × {CPU: 1}']);
    assert.deepEqual(changed, ['ray/c']);
    assert.deepEqual(
      gcs.reports.at(-1)!.pending.map((p) => p.nodeType),
      ['rayWorkerType', 'rayWorkerType', 'rayWorkerType'],
    );
    // The same demand before the pods exist: same targets, no second event, no second reconcile request.
    await poll();
    assert.equal(events.length, 1);
    assert.deepEqual(changed, ['ray/c']);
  });

  it('drains an idle worker through Ray, then hands exactly that pod to the reconcile', async () => {
    const cluster = rayCluster('c', { ...minZero, idleTimeoutMinutes: 0.5 });
    const workers = [
      { name: 'w-1', podType: 'rayWorkerType' },
      { name: 'w-2', podType: 'rayWorkerType' },
    ];
    const views = new Map([['ray/c', view(cluster, workers)]]);
    const { loop, gcs, events, poll } = harness(views);
    gcs.state.nodes.push(
      node('w-1', 'rayWorkerType', { status: 'IDLE', idleMs: 31_000 }),
      node('w-2', 'rayWorkerType', { status: 'IDLE', idleMs: 29_000 }),
    );
    await poll();
    assert.deepEqual(gcs.drains, ['w-1']);
    const decision = loop.autoscaling('ray/c')!;
    assert.deepEqual([...decision.drained.keys()], ['w-1']);
    assert.equal(decision.targets!.get('rayWorkerType'), 1);
    assert.deepEqual(events, ['Normal ScaledDown: w-1 (rayWorkerType): idle for 31s (idleTimeoutMinutes 30s)']);
    assert.match(decision.status.lastScaleDown!.message, /^w-1 /);
    // Ray now reports it draining: it is not drained again, and stays the one to remove.
    gcs.state.nodes[1]!.status = 'DRAINING';
    await poll();
    assert.deepEqual(gcs.drains, ['w-1']);
    assert.equal(loop.autoscaling('ray/c')!.targets!.get('rayWorkerType'), 1);
  });

  it('keeps a worker Ray refuses to drain', async () => {
    const cluster = rayCluster('c', { ...minZero, idleTimeoutMinutes: 0.5 });
    const views = new Map([['ray/c', view(cluster, [{ name: 'w-1', podType: 'rayWorkerType' }])]]);
    const { loop, gcs, events, poll } = harness(views);
    gcs.refuseDrain = true;
    gcs.state.nodes.push(node('w-1', 'rayWorkerType', { status: 'IDLE', idleMs: 60_000 }));
    await poll();
    assert.deepEqual(gcs.drains, ['w-1']);
    assert.equal(loop.autoscaling('ray/c')!.targets!.get('rayWorkerType'), 1);
    assert.equal(loop.autoscaling('ray/c')!.drained.size, 0);
    assert.deepEqual(events, []);
  });

  it("holds while the GCS of a head it has read does not answer, and backs off; a starting head is 'waiting'", async () => {
    const cluster = rayCluster('c', minZero);
    const views = new Map([['ray/c', view(cluster)]]);
    const { loop, gcs, metrics, poll } = harness(views);
    gcs.down = true;
    await poll();
    // Never read this head: Ray is still starting.
    assert.equal(loop.autoscaling('ray/c')!.status.state, 'WaitingForHead');
    assert.equal(loop.autoscaling('ray/c')!.targets, undefined);
    gcs.down = false;
    // Backing off: the next tick does not poll yet.
    const before = gcs.polls;
    await poll();
    assert.equal(gcs.polls, before);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await poll();
    assert.equal(loop.autoscaling('ray/c')!.status.state, 'Active');
    gcs.down = true;
    await poll();
    const away = loop.autoscaling('ray/c')!;
    assert.equal(away.status.state, 'Unreachable');
    assert.equal(away.status.headPod, 'c-head');
    assert.equal(away.targets, undefined);
    assert.match(await metrics.render(), /rayctl_operator_gcs_poll_errors_total 2/);
  });

  it('reports infeasible demand once, launches nothing for it', async () => {
    const cluster = rayCluster('c', minZero);
    const views = new Map([['ray/c', view(cluster)]]);
    const { loop, gcs, events, poll } = harness(views);
    gcs.state.demand.requests = [{ bundle: { GPU: 1 }, count: 1 }];
    await poll();
    await poll();
    assert.equal(loop.autoscaling('ray/c')!.targets!.get('rayWorkerType'), 0);
    assert.equal(loop.autoscaling('ray/c')!.status.infeasibleDemand, '1 × {GPU: 1}');
    assert.deepEqual(gcs.reports.at(-1)!.infeasible, [{ GPU: 1 }]);
    assert.equal(events.length, 1);
    assert.match(events[0]!, /^Warning InfeasibleDemand: no pod type can hold 1 × \{GPU: 1\}/);
  });

  it('does not talk to Ray for a cluster with enableAutoscaling false', async () => {
    const views = new Map([['ray/c', view(rayCluster('c', { enableAutoscaling: false }))]]);
    const { loop, gcs, addresses, poll } = harness(views);
    await poll();
    assert.equal(loop.autoscaling('ray/c')!.status.state, 'Disabled');
    assert.deepEqual([addresses, gcs.polls], [[], 0]);
  });

  it('polls many clusters with at most --autoscaler-concurrency polls in flight', async () => {
    const views = new Map(
      Array.from({ length: 12 }, (_, i) => [`ray/c${i}`, view(rayCluster(`c${i}`, minZero))] as const),
    );
    const { gcs, poll } = harness(views, new FakeGcs(), 3);
    await poll();
    assert.equal(gcs.polls, 12);
    assert.equal(gcs.maxInFlight, 3);
  });

  it("finds the GCS port in the head's start command", () => {
    const cluster = rayCluster('c');
    assert.equal(gcsPort(cluster), 6379);
    const moved = {
      ...cluster,
      spec: { ...cluster.spec, headStartRayCommands: ['ray stop', 'ray start --head --port 7000 --no-monitor'] },
    };
    assert.equal(gcsPort(moved), 7000);
  });
});
