import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderRelease } from '../../../src/actions/render.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { Values } from '../../../src/chart/tree.ts';
import { buildPod, launchHash, type Role } from '../../../src/operator/build.ts';
import type { Container, EnvVar, NewPod, PodType, RayCluster } from '../../../src/operator/types.ts';

const chart = await loadBuiltinChart();

/** The RayCluster the chart renders for these values, as the API server would return it. */
function rayCluster(values: Values = {}): RayCluster {
  const object = renderRelease(chart, { name: 'example-cluster', namespace: 'ray' }, { clusterOnly: true, ...values })
    .objects[0]!.object;
  return { ...(object as unknown as RayCluster), metadata: { ...object.metadata, uid: 'cluster-uid', generation: 1 } };
}

const HEAD_ADDRESS = 'example-cluster-ray-head.ray.svc';
/** The head Service's name, which only resolves inside the cluster. */
const SERVICE_ADDRESS = HEAD_ADDRESS;

function podOf(cluster: RayCluster, typeName: string, role: Role): NewPod {
  const podType = cluster.spec.podTypes.find((t) => t.name === typeName);
  assert.ok(podType, `pod type ${typeName}`);
  return buildPod(cluster, podType, role, role === 'worker' ? 'head-uid' : undefined);
}

const rayContainer = (pod: NewPod): Container => pod.spec.containers[0]!;
const envOf = (pod: NewPod, name: string): EnvVar[] => (rayContainer(pod).env ?? []).filter((e) => e.name === name);
const overrideOf = (pod: NewPod): string | undefined => envOf(pod, 'RAY_OVERRIDE_RESOURCES')[0]?.value;
const scriptOf = (pod: NewPod): string => rayContainer(pod).args?.[0] ?? '';

/** A pod type with one container holding these resources, and a cluster holding it as the head's type. */
function withResources(resources: Container['resources'], rayResources?: Record<string, number>, env?: EnvVar[]) {
  const podType: PodType = {
    name: 'custom',
    ...(rayResources ? { rayResources } : {}),
    podConfig: { spec: { containers: [{ name: 'ray-node', image: 'rayproject/ray', resources, env }] } },
  };
  const cluster: RayCluster = {
    apiVersion: 'cluster.ray.io/v1',
    kind: 'RayCluster',
    metadata: { name: 'c', namespace: 'ns', uid: 'u' },
    spec: { headPodType: 'custom', podTypes: [podType] },
  };
  return buildPod(cluster, podType, 'head');
}

/**
 * The original project's example custom resource (ray-project/ray deploy/components/example_cluster.yaml), with its
 * log file moved from /tmp/raylogs to `logs` so a test run writes nothing outside its temp dir.
 */
function originalExample(logs = '/tmp/raylogs'): RayCluster {
  const podConfig = (generateName: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory' } }],
      containers: [
        {
          name: 'ray-node',
          imagePullPolicy: 'Always',
          image: 'rayproject/ray:latest',
          command: ['/bin/bash', '-c', '--'],
          args: [`trap : TERM INT; touch ${logs}; tail -f ${logs}; sleep infinity & wait;`],
          ports: [{ containerPort: 6379 }, { containerPort: 10001 }, { containerPort: 8265 }, { containerPort: 8000 }],
          volumeMounts: [{ mountPath: '/dev/shm', name: 'dshm' }],
          resources: {
            requests: { cpu: '1000m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
            limits: { memory: '512Mi' },
          },
        },
      ],
    },
  });
  return {
    apiVersion: 'cluster.ray.io/v1',
    kind: 'RayCluster',
    metadata: { name: 'example-cluster', namespace: 'ray', uid: 'cluster-uid' },
    spec: {
      maxWorkers: 3,
      upscalingSpeed: 1.0,
      idleTimeoutMinutes: 5,
      headPodType: 'head-node',
      podTypes: [
        { name: 'head-node', podConfig: podConfig('ray-head-') },
        {
          name: 'worker-node',
          minWorkers: 2,
          maxWorkers: 3,
          rayResources: { 'example-resource-a': 1, 'example-resource-b': 1 },
          podConfig: podConfig('ray-worker-'),
        },
      ],
      headStartRayCommands: [
        'ray stop',
        `ulimit -n 65536; ray start --head --port=6379 --no-monitor --dashboard-host 0.0.0.0 &> ${logs}`,
      ],
      workerStartRayCommands: ['ray stop', `ulimit -n 65536; ray start --address=$RAY_HEAD_IP:6379 &> ${logs}`],
    },
  };
}

describe('the resources a pod passes to Ray (RAY_OVERRIDE_RESOURCES)', () => {
  it("the chart's default pod types: CPU 1 and memory 1Gi in bytes, for the head and the workers", () => {
    const cluster = rayCluster();
    // 1Gi = 2^30 bytes = 1073741824.
    assert.equal(overrideOf(podOf(cluster, 'rayHeadType', 'head')), '{"CPU":1,"memory":1073741824}');
    assert.equal(overrideOf(podOf(cluster, 'rayWorkerType', 'worker')), '{"CPU":1,"memory":1073741824}');
    assert.equal(envOf(podOf(cluster, 'rayWorkerType', 'worker'), 'RAY_OVERRIDE_RESOURCES').length, 1);
  });

  it('rounds fractional CPU up to whole cores, since Ray 2.60 refuses fractional node resources', () => {
    const cluster = rayCluster({ podTypes: { rayWorkerType: { CPU: '500m', memory: '1.5Gi' } } });
    // 500m = 0.5 core → 1; 1.5Gi = 1.5 * 2^30 = 1610612736 bytes.
    assert.equal(overrideOf(podOf(cluster, 'rayWorkerType', 'worker')), '{"CPU":1,"memory":1610612736}');
    assert.equal(overrideOf(withResources({ limits: { cpu: '1500m' } })), '{"CPU":2}');
    assert.equal(overrideOf(withResources({ limits: { cpu: '2.5' } })), '{"CPU":3}');
    assert.equal(overrideOf(withResources({ limits: { cpu: '3000m' } })), '{"CPU":3}');
    assert.equal(overrideOf(withResources({ limits: { cpu: 2 } })), '{"CPU":2}');
    // 1.07G is 1070000000 bytes, although 1.07 * 1e9 is 1070000000.0000001 in floating point.
    assert.equal(overrideOf(withResources({ limits: { memory: '1.07G' } })), '{"memory":1070000000}');
    assert.equal(overrideOf(withResources({ limits: { memory: '128974848' } })), '{"memory":128974848}');
  });

  it('takes GPU from nvidia.com/gpu and puts CPU, GPU, memory in that order', () => {
    const cluster = rayCluster({ podTypes: { gpu: { CPU: 4, memory: '8Gi', GPU: 2, minWorkers: 1, maxWorkers: 1 } } });
    // 8Gi = 8 * 1073741824 = 8589934592.
    assert.equal(overrideOf(podOf(cluster, 'gpu', 'worker')), '{"CPU":4,"GPU":2,"memory":8589934592}');
    assert.equal(
      overrideOf(withResources({ limits: { memory: '1Gi', 'nvidia.com/gpu': '1', cpu: '2' } })),
      '{"CPU":2,"GPU":1,"memory":1073741824}',
    );
  });

  it('falls back to requests where a limit is missing, and prefers the limit where both are set', () => {
    // The original example: requests cpu 1000m and memory 512Mi, limits only memory 512Mi (2^29 = 536870912).
    const example = originalExample();
    assert.equal(overrideOf(podOf(example, 'head-node', 'head')), '{"CPU":1,"memory":536870912}');
    assert.equal(
      overrideOf(withResources({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } })),
      '{"CPU":2,"memory":2147483648}',
    );
  });

  it("the pod type's rayResources override CPU/GPU/memory and add custom resources, sorted by name", () => {
    const cluster = rayCluster({
      podTypes: { rayWorkerType: { rayResources: { 'example-resource-b': 1, CPU: 0, 'example-resource-a': 2 } } },
    });
    assert.equal(
      overrideOf(podOf(cluster, 'rayWorkerType', 'worker')),
      '{"CPU":0,"memory":1073741824,"example-resource-a":2,"example-resource-b":1}',
    );
    // The original example's worker: requests cpu 1000m, limits memory 512Mi, two custom resources.
    assert.equal(
      overrideOf(podOf(originalExample(), 'worker-node', 'worker')),
      '{"CPU":1,"memory":536870912,"example-resource-a":1,"example-resource-b":1}',
    );
    assert.equal(
      overrideOf(withResources({ limits: { cpu: '1' } }, { memory: 1000, GPU: 1 })),
      '{"CPU":1,"GPU":1,"memory":1000}',
    );
  });

  it('omits what is not there, and the variable itself when nothing is', () => {
    assert.equal(overrideOf(withResources({ limits: { memory: '1Gi' } })), '{"memory":1073741824}');
    assert.equal(overrideOf(withResources({ requests: { cpu: '250m' } })), '{"CPU":1}');
    assert.equal(overrideOf(withResources(undefined, { custom: 3 })), '{"custom":3}');
    assert.deepEqual(envOf(withResources(undefined), 'RAY_OVERRIDE_RESOURCES'), []);
    assert.deepEqual(envOf(withResources({ limits: { cpu: 'lots' } }), 'RAY_OVERRIDE_RESOURCES'), []);
  });

  it("keeps the user's own RAY_OVERRIDE_RESOURCES, unchanged and only once", () => {
    const theirs = { name: 'RAY_OVERRIDE_RESOURCES', value: '{"CPU":8}' };
    const pod = withResources({ limits: { cpu: '1', memory: '1Gi' } }, { a: 1 }, [{ name: 'A', value: '1' }, theirs]);
    assert.deepEqual(envOf(pod, 'RAY_OVERRIDE_RESOURCES'), [theirs]);
    assert.deepEqual(envOf(pod, 'A'), [{ name: 'A', value: '1' }]);
  });
});

describe('how a Ray node names its pod and type', () => {
  it('RAY_CLOUD_INSTANCE_ID is the pod name through the downward API; RAY_NODE_TYPE_NAME is the pod type', () => {
    const cluster = rayCluster();
    for (const [type, role] of [
      ['rayHeadType', 'head'],
      ['rayWorkerType', 'worker'],
    ] as const) {
      const pod = podOf(cluster, type, role);
      assert.deepEqual(envOf(pod, 'RAY_CLOUD_INSTANCE_ID'), [
        { name: 'RAY_CLOUD_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ]);
      assert.deepEqual(envOf(pod, 'RAY_NODE_TYPE_NAME'), [{ name: 'RAY_NODE_TYPE_NAME', value: type }]);
      assert.deepEqual(envOf(pod, 'RAY_HEAD_IP'), [{ name: 'RAY_HEAD_IP', value: HEAD_ADDRESS }]);
      // The GCS holds request_resources and the operator's reports: `ray status` reads them from there.
      assert.deepEqual(envOf(pod, 'RAY_enable_autoscaler_v2'), [{ name: 'RAY_enable_autoscaler_v2', value: '1' }]);
    }
  });

  it("replaces a user's RAY_CLOUD_INSTANCE_ID, RAY_NODE_TYPE_NAME and RAY_HEAD_IP, keeping the rest in order", () => {
    const pod = withResources(undefined, undefined, [
      { name: 'RAY_NODE_TYPE_NAME', value: 'mine' },
      { name: 'FIRST', value: '1' },
      { name: 'RAY_CLOUD_INSTANCE_ID', value: 'mine' },
      { name: 'RAY_HEAD_IP', value: 'mine' },
      { name: 'SECOND', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    assert.deepEqual(rayContainer(pod).env, [
      { name: 'FIRST', value: '1' },
      { name: 'SECOND', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'RAY_HEAD_IP', value: 'c-ray-head.ns.svc' },
      { name: 'RAY_CLOUD_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'RAY_NODE_TYPE_NAME', value: 'custom' },
      { name: 'RAY_enable_autoscaler_v2', value: '1' },
    ]);
  });
});

describe('workers wait for the head before starting Ray', () => {
  const WAIT =
    'until (exec 3<>"/dev/tcp/$RAY_HEAD_IP/6379") 2>/dev/null &&\n' +
    '    ray health-check --address "$RAY_HEAD_IP:6379" >/dev/null 2>&1; do sleep 1; done';

  it('a worker checks the head GCS before its setup and start commands; the head does not', () => {
    const chartCluster = rayCluster();
    const cluster: RayCluster = {
      ...chartCluster,
      spec: {
        ...chartCluster.spec,
        podTypes: chartCluster.spec.podTypes.map((t) =>
          t.name === 'rayWorkerType' ? { ...t, setupCommands: ['echo setup'] } : t,
        ),
      },
    };
    const worker = scriptOf(podOf(cluster, 'rayWorkerType', 'worker'));
    assert.ok(worker.includes(`\n  ${WAIT}\n`), worker);
    assert.ok(worker.startsWith(`export RAY_HEAD_IP=${HEAD_ADDRESS}\n`));
    assert.ok(worker.indexOf(WAIT) < worker.indexOf('echo setup'));
    assert.ok(worker.indexOf('echo setup') < worker.indexOf('ray stop'));
    const head = scriptOf(podOf(cluster, 'rayHeadType', 'head'));
    assert.ok(!head.includes('health-check'), head);
    assert.equal(
      head,
      `export RAY_HEAD_IP=${HEAD_ADDRESS}\nray stop\nulimit -n 65536; ray start --head --port=6379 --no-monitor ` +
        '--dashboard-host 0.0.0.0\ntrap : TERM INT; sleep infinity & wait;',
    );
  });

  it('the launch hash covers every input of RAY_OVERRIDE_RESOURCES; the wait and the variables stay out', () => {
    const hashOf = (values: Values) => podOf(rayCluster(values), 'rayWorkerType', 'worker').metadata.labels;
    const base = hashOf({})['ray-launch-config'];
    const cluster = rayCluster();
    const type = cluster.spec.podTypes.find((t) => t.name === 'rayWorkerType')!;
    assert.equal(base, launchHash(cluster, type, 'worker'), 'the label is the pod type hash, not a hash of the pod');
    assert.notEqual(hashOf({ podTypes: { rayWorkerType: { CPU: 2 } } })['ray-launch-config'], base);
    assert.notEqual(hashOf({ podTypes: { rayWorkerType: { memory: '2Gi' } } })['ray-launch-config'], base);
    assert.notEqual(hashOf({ podTypes: { rayWorkerType: { rayResources: { a: 1 } } } })['ray-launch-config'], base);
  });

  it('the launch hash does not depend on key order, so a client that reorders the spec restarts no pod', () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([key, v]) => [key, reversed(v)]),
            )
          : value;
    const cluster = rayCluster({ podTypes: { rayWorkerType: { rayResources: { b: 1, a: 2 } } } });
    const type = cluster.spec.podTypes.find((t) => t.name === 'rayWorkerType')!;
    const reorderedType = { ...type, podConfig: reversed(type.podConfig), rayResources: reversed(type.rayResources) };
    const reordered = { ...cluster, spec: { ...cluster.spec, podTypes: [reorderedType] } } as RayCluster;
    assert.notEqual(JSON.stringify(reorderedType), JSON.stringify(type), 'the keys are in another order');
    assert.equal(launchHash(reordered, reorderedType as PodType, 'worker'), launchHash(cluster, type, 'worker'));
  });
});

describe('pods built once per spec and shared', () => {
  const workerType = (cluster: RayCluster) => cluster.spec.podTypes.find((t) => t.name === 'rayWorkerType')!;

  it("each worker carries its own head's uid; the shared part is left as it was", () => {
    const cluster = rayCluster();
    const first = buildPod(cluster, workerType(cluster), 'worker', 'head-1');
    const second = buildPod(cluster, workerType(cluster), 'worker', 'head-2');
    const ownHead = (pod: NewPod) => pod.metadata.annotations?.['ray.rayctl.io/head-uid'];
    assert.equal(ownHead(first), 'head-1');
    assert.equal(ownHead(second), 'head-2');
    assert.equal(ownHead(buildPod(cluster, workerType(cluster), 'worker')), undefined);
    assert.equal(
      ownHead(
        buildPod(
          cluster,
          cluster.spec.podTypes.find((t) => t.name === cluster.spec.headPodType)!,
          'head',
        ),
      ),
      undefined,
    );
  });

  it('a spec object shared by two clusters still gives each its own name, namespace and owner', () => {
    const a = rayCluster();
    const b: RayCluster = {
      ...a,
      metadata: { ...a.metadata, name: 'other', namespace: 'elsewhere', uid: 'other-uid' },
    };
    const [fromA, fromB, fromAAgain] = [a, b, a].map((c) => buildPod(c, workerType(c), 'worker', 'head-uid'));
    assert.equal(fromA!.metadata.generateName, 'example-cluster-ray-worker-type-');
    assert.deepEqual(fromAAgain, fromA);
    assert.equal(fromB!.metadata.generateName, 'other-ray-worker-type-');
    assert.equal(fromB!.metadata.namespace, 'elsewhere');
    assert.equal(fromB!.metadata.ownerReferences?.[0]?.uid, 'other-uid');
    assert.match(scriptOf(fromB!), /RAY_HEAD_IP=other-ray-head\.elsewhere\.svc/);
  });

  it('a new spec object (a new generation) gives pods of the new spec', () => {
    const before = rayCluster();
    const after = rayCluster({ podTypes: { rayWorkerType: { CPU: 2 } } });
    assert.equal(overrideOf(buildPod(before, workerType(before), 'worker', 'h')), '{"CPU":1,"memory":1073741824}');
    assert.equal(overrideOf(buildPod(after, workerType(after), 'worker', 'h')), '{"CPU":2,"memory":1073741824}');
  });
});

describe('the composed script, run by bash with a stub `ray`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rayctl-build-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // The worker's wait first connects to the head's GCS port with bash's /dev/tcp, then runs the (stub) health check:
  // the scripts run against 127.0.0.1, where a listener in another process stands in for the GCS port.
  const HEAD_ADDRESS = '127.0.0.1';
  let gcsPort: ReturnType<typeof spawn> | undefined;
  before(async () => {
    gcsPort = spawn(process.execPath, [
      '-e',
      "require('net').createServer().listen(6379, '127.0.0.1', () => console.log('up'))",
    ]);
    await new Promise<void>((resolve, reject) => {
      gcsPort!.stdout!.once('data', () => resolve());
      gcsPort!.once('exit', (code) => reject(new Error(`could not listen on 127.0.0.1:6379 (exit ${code})`)));
    });
  });
  after(() => gcsPort?.kill());
  let run = 0;

  /**
   * Runs a pod's first container as the kubelet would start it (command + args, the pod's env with the downward API
   * resolved), with stubs first on PATH: `ray` (health-check fails `failures` times, then succeeds), and `sleep` and
   * `tail` that return at once so the keep-alive ends. Every stub appends its command line to `calls`.
   */
  function runPod(pod: NewPod, options: { failures?: number; withRay?: boolean } = {}) {
    run += 1;
    const work = join(dir, `run-${run}`);
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> '${work}/calls'\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    if (options.withRay !== false)
      stub(
        'ray',
        [
          'case "$1" in',
          '  health-check)',
          `    n=$(( $(cat '${work}/checks' 2>/dev/null || echo 0) + 1 )); echo "$n" > '${work}/checks'`,
          `    [ "$n" -gt ${options.failures ?? 0} ] || { echo 'GCS not up' >&2; exit 1; } ;;`,
          '  start)',
          `    env | grep -E '^RAY_(OVERRIDE_RESOURCES|CLOUD_INSTANCE_ID|NODE_TYPE_NAME)=' | sort > '${work}/start-env'`,
          '    echo "ray: started" ;;',
          'esac',
        ].join('\n'),
      );
    stub('sleep', '');
    stub('tail', '');
    const podName = `${pod.metadata.generateName}x7k2p`;
    const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
    for (const e of rayContainer(pod).env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    }
    const [command, ...args] = [...(rayContainer(pod).command ?? []), ...(rayContainer(pod).args ?? [])].map((word) =>
      word.replace(`export RAY_HEAD_IP=${SERVICE_ADDRESS}`, `export RAY_HEAD_IP=${HEAD_ADDRESS}`),
    );
    const result = spawnSync(command!, args, { env, encoding: 'utf8', timeout: 20_000 });
    const read = (file: string) => (existsSync(join(work, file)) ? readFileSync(join(work, file), 'utf8') : '');
    return {
      status: result.status,
      stderr: result.stderr,
      calls: read('calls').trimEnd().split('\n'),
      startEnv: read('start-env').trimEnd().split('\n'),
      podName,
    };
  }

  it("a chart worker retries the health check until the head's GCS answers, then runs its start commands", () => {
    const result = runPod(podOf(rayCluster(), 'rayWorkerType', 'worker'), { failures: 2 });
    assert.equal(result.status, 0, result.stderr);
    const check = `ray health-check --address ${HEAD_ADDRESS}:6379`;
    assert.deepEqual(result.calls, [
      check,
      'sleep 1',
      check,
      'sleep 1',
      check,
      'ray stop',
      `ray start --address=${HEAD_ADDRESS}:6379`,
      'sleep infinity',
    ]);
    assert.deepEqual(result.startEnv, [
      `RAY_CLOUD_INSTANCE_ID=${result.podName}`,
      'RAY_NODE_TYPE_NAME=rayWorkerType',
      'RAY_OVERRIDE_RESOURCES={"CPU":1,"memory":1073741824}',
    ]);
    const waiting = `rayctl: waiting for the head's GCS at ${HEAD_ADDRESS}:6379`;
    assert.equal(result.stderr.split('\n').filter((l) => l === waiting).length, 1, result.stderr);
    assert.ok(!result.stderr.includes('GCS not up'), 'the health check is quiet');
  });

  it('a chart head starts Ray at once, without a health check', () => {
    const result = runPod(podOf(rayCluster(), 'rayHeadType', 'head'), { failures: 5 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.calls, [
      'ray stop',
      'ray start --head --port=6379 --no-monitor --dashboard-host 0.0.0.0',
      'sleep infinity',
    ]);
    assert.ok(!result.stderr.includes('waiting'), result.stderr);
    assert.deepEqual(result.startEnv, [
      `RAY_CLOUD_INSTANCE_ID=${result.podName}`,
      'RAY_NODE_TYPE_NAME=rayHeadType',
      'RAY_OVERRIDE_RESOURCES={"CPU":1,"memory":1073741824}',
    ]);
  });

  it("runs the original example's shape: redirected start commands, then its keep-alive script", () => {
    const logs = join(dir, 'raylogs');
    const example = originalExample(logs);
    const worker = runPod(podOf(example, 'worker-node', 'worker'));
    assert.equal(worker.status, 0, worker.stderr);
    assert.deepEqual(worker.calls, [
      `ray health-check --address ${HEAD_ADDRESS}:6379`,
      'ray stop',
      `ray start --address=${HEAD_ADDRESS}:6379`,
      `tail -f ${logs}`,
      'sleep infinity',
    ]);
    assert.deepEqual(worker.startEnv, [
      `RAY_CLOUD_INSTANCE_ID=${worker.podName}`,
      'RAY_NODE_TYPE_NAME=worker-node',
      'RAY_OVERRIDE_RESOURCES={"CPU":1,"memory":536870912,"example-resource-a":1,"example-resource-b":1}',
    ]);
    assert.equal(readFileSync(logs, 'utf8'), 'ray: started\n', "ray start's output went to the example's log file");
    const head = runPod(podOf(example, 'head-node', 'head'));
    assert.equal(head.status, 0, head.stderr);
    assert.deepEqual(head.calls, [
      'ray stop',
      'ray start --head --port=6379 --no-monitor --dashboard-host 0.0.0.0',
      `tail -f ${logs}`,
      'sleep infinity',
    ]);
  });

  it('a worker whose image has no `ray` on PATH says so and goes on instead of waiting forever', () => {
    const result = runPod(podOf(rayCluster(), 'rayWorkerType', 'worker'), { withRay: false });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /rayctl: ray is not on PATH; not waiting for the head's GCS/);
    assert.deepEqual(result.calls, ['sleep infinity']);
  });
});
