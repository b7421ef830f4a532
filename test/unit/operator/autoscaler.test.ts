// The autoscaler's decision: scenarios worked out by hand (the and Ray's documented behaviour), then a
// property test over random clusters: never outside [min, max], never removes a busy node, never launches more than
// the demand needs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decide,
  fits,
  formatBundles,
  formatDemand,
  formatResources,
  launchBudget,
  type AutoscalerInput,
  type RayNode,
  type Resources,
  type WorkerType,
} from '../../../src/operator/autoscaler.ts';

const cpu1: WorkerType = { name: 'rayWorkerType', resources: { CPU: 1, memory: 2 ** 30 }, min: 0, max: 3 };
const head: RayNode = {
  instanceId: 'rc-head',
  nodeType: 'rayHeadType',
  status: 'RUNNING',
  idleMs: 0,
  total: { CPU: 0 },
  available: { CPU: 0 },
};
const worker = (name: string, status: RayNode['status'], available: Resources, idleMs = 0): RayNode => ({
  instanceId: name,
  nodeType: 'rayWorkerType',
  status,
  idleMs,
  total: { CPU: 1, memory: 2 ** 30 },
  available,
});
const input = (over: Partial<AutoscalerInput>): AutoscalerInput => ({
  types: [cpu1],
  maxWorkers: 3,
  upscalingSpeed: 1,
  idleTimeoutMs: 60_000,
  workers: [],
  nodes: [head],
  demand: { requests: [], gangs: [], constraints: [] },
  ...over,
});
const none = { requests: [], gangs: [], constraints: [] };

describe('scale up', () => {
  it('four 1-CPU tasks on a 0-CPU head: launches 3 workers (maxWorkers), the fourth task waits', () => {
    const decision = decide(input({ demand: { ...none, requests: [{ bundle: { CPU: 1 }, count: 4 }] } }));
    assert.equal(decision.targets.get('rayWorkerType'), 3);
    assert.equal(decision.launches.get('rayWorkerType'), 3);
    assert.deepEqual(decision.deferred, [{ CPU: 1 }]);
    assert.deepEqual(decision.infeasible, []);
  });

  it('packs demand onto free resources first: a busy worker and one joining leave one task for a new worker', () => {
    const decision = decide(
      input({
        workers: [
          { name: 'w1', podType: 'rayWorkerType' },
          { name: 'w2', podType: 'rayWorkerType' },
        ],
        nodes: [head, worker('w1', 'RUNNING', { CPU: 0 })],
        demand: { ...none, requests: [{ bundle: { CPU: 1 }, count: 2 }] },
      }),
    );
    // w2 has no Ray node yet: it is joining and will hold one task.
    assert.equal(decision.launches.get('rayWorkerType'), 1);
    assert.equal(decision.targets.get('rayWorkerType'), 3);
  });

  it('a placement group of 2 STRICT_SPREAD bundles: two workers, even though one could hold both', () => {
    const big: WorkerType = { ...cpu1, resources: { CPU: 4 } };
    const decision = decide(
      input({
        types: [big],
        demand: { ...none, gangs: [{ strategy: 'STRICT_SPREAD', bundles: [{ CPU: 1 }, { CPU: 1 }] }] },
      }),
    );
    assert.equal(decision.launches.get('rayWorkerType'), 2);
  });

  it('STRICT_PACK needs one node that holds the sum of its bundles', () => {
    const two: WorkerType = { ...cpu1, name: 'two', resources: { CPU: 2 } };
    const decision = decide(
      input({
        types: [cpu1, two],
        demand: { ...none, gangs: [{ strategy: 'STRICT_PACK', bundles: [{ CPU: 1 }, { CPU: 1 }] }] },
      }),
    );
    assert.deepEqual([...decision.launches], [['two', 1]]);
  });

  it('request_resources(num_cpus=2) holds two workers while the constraint stands, even when they are idle', () => {
    const idle = [worker('w1', 'IDLE', { CPU: 1 }, 600_000), worker('w2', 'IDLE', { CPU: 1 }, 600_000)];
    const workers = [
      { name: 'w1', podType: 'rayWorkerType' },
      { name: 'w2', podType: 'rayWorkerType' },
    ];
    const held = decide(
      input({ workers, nodes: [head, ...idle], demand: { ...none, constraints: [{ bundle: { CPU: 1 }, count: 2 }] } }),
    );
    assert.deepEqual(held.remove, []);
    assert.equal(held.targets.get('rayWorkerType'), 2);
    const fresh = decide(input({ demand: { ...none, constraints: [{ bundle: { CPU: 1 }, count: 2 }] } }));
    assert.equal(fresh.launches.get('rayWorkerType'), 2);
  });

  it('a GPU task with no GPU type is infeasible: nothing launches', () => {
    const decision = decide(input({ demand: { ...none, requests: [{ bundle: { GPU: 1 }, count: 1 }] } }));
    assert.deepEqual(decision.infeasible, [{ GPU: 1 }]);
    assert.equal(decision.launches.size, 0);
    assert.equal(decision.targets.get('rayWorkerType'), 0);
  });

  it('upscalingSpeed bounds launches at once (at least 5, as Ray allowed)', () => {
    assert.equal(launchBudget(1, 0), 5);
    assert.equal(launchBudget(1, 8), 8);
    assert.equal(launchBudget(0.5, 20), 10);
    const wide = { ...cpu1, max: 100 };
    const decision = decide(
      input({ types: [wide], maxWorkers: 100, demand: { ...none, requests: [{ bundle: { CPU: 1 }, count: 40 }] } }),
    );
    assert.equal(decision.launches.get('rayWorkerType'), 5);
    assert.equal(decision.deferred.length, 35);
  });
});

describe('scale down', () => {
  const three = ['w1', 'w2', 'w3'].map((name) => ({ name, podType: 'rayWorkerType' }));

  it('removes exactly the workers idle for longer than the timeout, not below minWorkers', () => {
    const decision = decide(
      input({
        types: [{ ...cpu1, min: 1 }],
        workers: three,
        nodes: [
          head,
          worker('w1', 'IDLE', { CPU: 1 }, 120_000),
          worker('w2', 'IDLE', { CPU: 1 }, 30_000),
          worker('w3', 'IDLE', { CPU: 1 }, 90_000),
        ],
      }),
    );
    assert.deepEqual(
      decision.remove.map((r) => r.pod),
      ['w1', 'w3'],
    );
    assert.equal(decision.remove[0]!.reason, 'idle for 2m (idleTimeoutMinutes 1m)');
    const floor = decide(
      input({
        types: [{ ...cpu1, min: 3 }],
        workers: three,
        nodes: [head, ...three.map((w) => worker(w.name, 'IDLE', { CPU: 1 }, 600_000))],
      }),
    );
    assert.deepEqual(floor.remove, []);
  });

  it('removes a worker Ray is draining (drained before an operator restart), and does not count it', () => {
    const decision = decide(
      input({
        workers: three.slice(0, 2),
        nodes: [head, worker('w1', 'DRAINING', { CPU: 1 }), worker('w2', 'RUNNING', { CPU: 0 })],
        demand: { ...none, requests: [{ bundle: { CPU: 1 }, count: 1 }] },
      }),
    );
    assert.deepEqual(
      decision.remove.map((r) => [r.pod, r.reason]),
      [['w1', 'drained in Ray']],
    );
    // The task cannot go on the draining node: a new worker holds it, in w1's place.
    assert.equal(decision.targets.get('rayWorkerType'), 2);
    assert.equal(decision.launches.get('rayWorkerType'), 1);
  });

  it('never removes a busy worker, nor an idle one that pending demand will use', () => {
    const decision = decide(
      input({
        workers: three.slice(0, 2),
        nodes: [head, worker('w1', 'RUNNING', { CPU: 0 }), worker('w2', 'IDLE', { CPU: 1 }, 600_000)],
        demand: { ...none, requests: [{ bundle: { CPU: 1 }, count: 1 }] },
      }),
    );
    assert.deepEqual(decision.remove, []);
    assert.equal(decision.launches.size, 0);
  });
});

describe('properties over random clusters', () => {
  // A small deterministic generator: failures reproduce.
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

  it('holds for 500 random inputs', () => {
    for (let round = 0; round < 500; round++) {
      const types: WorkerType[] = [
        { name: 'small', resources: { CPU: 1 }, min: pick([0, 1]), max: pick([1, 2, 4]) },
        { name: 'big', resources: { CPU: 4, GPU: pick([0, 1]) }, min: 0, max: pick([0, 1, 3]) },
      ];
      const workers: AutoscalerInput['workers'] = [];
      const nodes: RayNode[] = [head];
      for (const type of types) {
        const n = Math.floor(random() * (type.max + 1));
        for (let i = 0; i < n; i++) {
          const name = `${type.name}-${i}`;
          workers.push({ name, podType: type.name });
          if (random() < 0.2) continue; // still joining
          const cpus = type.resources.CPU!;
          const used = Math.floor(random() * (cpus + 1));
          nodes.push({
            instanceId: name,
            nodeType: type.name,
            status: used === 0 && random() < 0.7 ? 'IDLE' : 'RUNNING',
            idleMs: used === 0 ? Math.floor(random() * 200_000) : 0,
            total: type.resources,
            available: { ...type.resources, CPU: cpus - used },
          });
        }
      }
      const requests = Array.from({ length: Math.floor(random() * 3) }, () => ({
        bundle: pick<Resources>([{ CPU: 1 }, { CPU: 2 }, { GPU: 1 }, { CPU: 8 }]),
        count: 1 + Math.floor(random() * 4),
      }));
      const data: AutoscalerInput = {
        types,
        maxWorkers: pick([2, 4, 10]),
        upscalingSpeed: 1,
        idleTimeoutMs: 60_000,
        workers,
        nodes,
        demand: { requests, gangs: [], constraints: [] },
      };
      const decision = decide(data);
      const where = `round ${round}: ${JSON.stringify({ data, decision: { ...decision, targets: [...decision.targets] } })}`;
      for (const type of types) {
        const target = decision.targets.get(type.name)!;
        assert.ok(target >= type.min && target <= type.max, `${type.name} target ${target} outside range; ${where}`);
      }
      for (const type of types) {
        const removed = decision.remove.filter((r) => r.podType === type.name).length;
        const left = workers.filter((w) => w.podType === type.name).length - removed;
        assert.ok(removed === 0 || left >= type.min, `removals take ${type.name} below its minimum; ${where}`);
      }
      const nodeOf = new Map(nodes.map((n) => [n.instanceId, n]));
      for (const removed of decision.remove) {
        const node = nodeOf.get(removed.pod);
        assert.ok(node && node.status === 'IDLE' && node.idleMs >= 60_000, `removed a busy node; ${where}`);
      }
      // Never more new workers than bundles of demand that could not be placed on what exists.
      const launched = [...decision.launches.values()].reduce((a, b) => a + b, 0);
      const bundles = requests.reduce((sum, r) => sum + r.count, 0);
      assert.ok(launched <= bundles, `launched ${launched} for ${bundles} bundles; ${where}`);
      for (const bundle of decision.infeasible)
        assert.ok(!types.some((t) => fits(bundle, t.resources)), `feasible demand called infeasible; ${where}`);
    }
  });
});

describe('demand as events and status show it', () => {
  it('orders resources CPU, GPU, memory, then by name, and groups equal bundles', () => {
    assert.equal(
      formatResources({ zone: 1, GPU: 1, memory: 1.5 * 2 ** 30, CPU: 2, accel: 0 }),
      '{CPU: 2, GPU: 1, memory: 1.5Gi, zone: 1}',
    );
    assert.equal(formatBundles([{ CPU: 1 }, { GPU: 1, CPU: 1 }, { CPU: 1 }]), '2 × {CPU: 1}, 1 × {CPU: 1, GPU: 1}');
    assert.equal(
      formatDemand({
        requests: [{ bundle: { CPU: 1 }, count: 3 }],
        gangs: [{ bundles: [{ CPU: 1 }, { CPU: 1 }], strategy: 'STRICT_SPREAD' }],
        constraints: [{ bundle: { CPU: 1 }, count: 2 }],
      }),
      '3 × {CPU: 1}; placement group STRICT_SPREAD [2 × {CPU: 1}]; requested 2 × {CPU: 1}',
    );
    assert.equal(formatDemand({ requests: [], gangs: [], constraints: [] }), '');
  });
});
