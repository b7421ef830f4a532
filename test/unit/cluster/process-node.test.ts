// The process node's pure decisions: image mapping, the kubelet's environment rules, the hosts file that
// stands in for cluster DNS, pod status, restarts, and CRI logs. Expected values follow the Kubernetes docs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod } from '../../cluster/process-node/kube-types.ts';
import { criTimestamp, parseCriLine, renderLog } from '../../cluster/process-node/logs.ts';
import {
  containerEnv,
  expandReferences,
  hostsFile,
  imageRepository,
  mapImage,
  podStatus,
  resourceValue,
  restartDelayMs,
  restarts,
  type ContainerRecord,
  type EnvLookups,
  type PodRecord,
} from '../../cluster/process-node/spec.ts';

const runtimes = { rayVenv: '/cache/ray/venv', nodeBinDir: '/usr/local/bin', nodeVersion: 'v20.20.2' };

describe('image mapping', () => {
  it('reduces references to their repository', () => {
    assert.equal(imageRepository('rayproject/ray:2.40.0'), 'rayproject/ray');
    assert.equal(imageRepository('docker.io/rayproject/ray:2.60.0-py311'), 'rayproject/ray');
    assert.equal(imageRepository('node:20.19-bookworm-slim'), 'node');
    assert.equal(imageRepository('docker.io/library/node@sha256:abc'), 'node');
    assert.equal(imageRepository('localhost:5000/team/ray:1'), 'team/ray');
  });

  it('maps Ray images to the venv and node images to the host Node.js', () => {
    const ray = mapImage('rayproject/ray:2.40.0', runtimes);
    assert.ok('runtime' in ray);
    assert.deepEqual(ray.runtime.path, ['/cache/ray/venv/bin']);
    assert.equal(ray.runtime.env.RAY_USAGE_STATS_ENABLED, '0');
    const node = mapImage('node:20-bookworm-slim', runtimes);
    assert.ok('runtime' in node);
    assert.deepEqual(node.runtime.path, ['/usr/local/bin']);
  });

  it('leaves other images waiting, saying what this node runs', () => {
    const other = mapImage('rayctl/operator:0.1.0', runtimes);
    assert.ok('reason' in other);
    assert.equal(other.reason, 'ErrImageNeverPull');
    assert.match(other.message, /rayctl\/operator:0\.1\.0/);
    assert.match(other.message, /rayproject\/ray:\*/);
    assert.match(other.message, /node:\*/);
  });

  it('says how to build the Ray venv when it is missing', () => {
    const missing = mapImage('rayproject/ray:2.40.0', { nodeBinDir: '/usr/bin', nodeVersion: 'v20' });
    assert.ok('reason' in missing);
    assert.match(missing.message, /npm run cluster:build/);
  });
});

const pod: Pod = {
  metadata: { name: 'head-abc', namespace: 'ray', uid: 'u-1', labels: { app: 'ray' } },
  spec: {
    nodeName: 'process-node-1',
    serviceAccountName: 'runner',
    containers: [
      {
        name: 'ray-node',
        resources: { limits: { cpu: '1500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } },
      },
      { name: 'sidecar', resources: { requests: { cpu: '2' } } },
    ],
  },
};
const facts = { pod, podIP: '10.213.1.5', hostIP: '10.213.1.1' };
const lookups: EnvLookups = {
  configMap: (name) => (name === 'settings' ? { LEVEL: 'debug', MODE: 'fast' } : undefined),
  secret: (name) => (name === 'creds' ? { TOKEN: 's3cr3t' } : undefined),
};

describe('container environment', () => {
  it('resolves the downward API fields the operator and chart use', () => {
    const container: Container = {
      name: 'ray-node',
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      ],
    };
    const env = containerEnv(container, facts, {}, lookups);
    assert.deepEqual(env, {
      POD: 'head-abc',
      NS: 'ray',
      IP: '10.213.1.5',
      NODE: 'process-node-1',
      SA: 'runner',
      APP: 'ray',
    });
  });

  it('gives resource fields rounded up to the divisor, limits defaulting to requests', () => {
    const [rayNode, sidecar] = pod.spec.containers;
    // 1500m CPU → ceil(1.5) = 2 cores with the default divisor of 1.
    assert.equal(resourceValue({ resource: 'limits.cpu' }, rayNode), '2');
    assert.equal(resourceValue({ resource: 'requests.cpu', divisor: '1m' }, rayNode), '500');
    assert.equal(resourceValue({ resource: 'limits.memory' }, rayNode), String(1024 ** 3));
    assert.equal(resourceValue({ resource: 'requests.memory', divisor: '1Mi' }, rayNode), '512');
    assert.equal(resourceValue({ resource: 'limits.cpu' }, sidecar), '2');
    assert.equal(resourceValue({ resource: 'cpu' }, rayNode), undefined);
  });

  it('applies envFrom, then env, expanding $(VAR) against what came before', () => {
    const container: Container = {
      name: 'ray-node',
      envFrom: [{ configMapRef: { name: 'settings' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
      env: [
        { name: 'MODE', value: 'slow' },
        { name: 'URL', value: 'http://$(HOST):$(PORT)/$(MODE)' },
        { name: 'LITERAL', value: '$$(HOST)' },
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
      ],
    };
    const env = containerEnv(container, facts, { HOST: 'example' }, lookups);
    assert.equal(env.LEVEL, 'debug');
    assert.equal(env.S_TOKEN, 's3cr3t');
    assert.equal(env.MODE, 'slow');
    // PORT is undefined: the reference stays as written, as the kubelet leaves it.
    assert.equal(env.URL, 'http://example:$(PORT)/slow');
    assert.equal(env.LITERAL, '$(HOST)');
    assert.equal(env.KEY, 's3cr3t');
  });

  it('names a missing ConfigMap or key, unless optional', () => {
    const missing: Container = { name: 'c', envFrom: [{ configMapRef: { name: 'nope' } }] };
    assert.throws(() => containerEnv(missing, facts, {}, lookups), /configmap "nope" not found/);
    const optional: Container = { name: 'c', envFrom: [{ configMapRef: { name: 'nope', optional: true } }] };
    assert.deepEqual(containerEnv(optional, facts, {}, lookups), {});
    const key: Container = {
      name: 'c',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'ABSENT' } } }],
    };
    assert.throws(() => containerEnv(key, facts, {}, lookups), /env X: key "ABSENT" of "settings" not found/);
  });

  it('expands references in command words as well', () => {
    assert.equal(expandReferences('--address=$(HEAD):6379', { HEAD: 'h.ray.svc' }), '--address=h.ray.svc:6379');
    assert.equal(expandReferences('$HOME stays for the shell', { HOME: '/x' }), '$HOME stays for the shell');
  });
});

describe('hosts file', () => {
  const services = [
    { namespace: 'ray', service: 'example-cluster-ray-head', addresses: ['10.213.1.7'] },
    { namespace: 'other', service: 'db', addresses: ['10.213.1.9', '10.213.1.8'] },
  ];
  const text = hostsFile({ name: 'worker-1', namespace: 'ray', ip: '10.213.1.5' }, '10.213.1.1', services);
  const lines = text.trim().split('\n');

  it('resolves the pod itself and the API server', () => {
    assert.ok(lines.includes('10.213.1.5\tworker-1'));
    assert.ok(
      lines.includes('10.213.1.1\tkubernetes.default.svc.cluster.local kubernetes.default.svc kubernetes.default'),
    );
  });

  it('resolves Services by every name a pod may use; short names only in its own namespace', () => {
    assert.ok(
      lines.includes(
        '10.213.1.7\texample-cluster-ray-head.ray.svc.cluster.local example-cluster-ray-head.ray.svc ' +
          'example-cluster-ray-head.ray example-cluster-ray-head',
      ),
    );
    assert.ok(lines.includes('10.213.1.8\tdb.other.svc.cluster.local db.other.svc db.other'));
    assert.ok(lines.includes('10.213.1.9\tdb.other.svc.cluster.local db.other.svc db.other'));
  });
});

describe('pod status', () => {
  const container = (state: ContainerRecord['state'], ready = false): ContainerRecord => ({
    name: 'ray-node',
    image: 'rayproject/ray:2.40.0',
    restartCount: 0,
    state,
    lastState: {},
    ready,
    started: !!state.running,
  });
  const record = (containers: ContainerRecord[], extra: Partial<PodRecord> = {}): PodRecord => ({
    hostIP: '10.213.1.1',
    startTime: '2026-01-01T00:00:00Z',
    init: [],
    containers,
    transitions: {},
    ...extra,
  });
  const conditionOf = (status: ReturnType<typeof podStatus>, type: string) =>
    status.conditions?.find((c) => c.type === type)?.status;

  it('is Pending while containers are created', () => {
    const status = podStatus(record([container({ waiting: { reason: 'ContainerCreating' } })]), 'T1');
    assert.equal(status.phase, 'Pending');
    assert.equal(conditionOf(status, 'Ready'), 'False');
    assert.equal(status.podIP, undefined);
  });

  it('is Running and Ready with the pod IP once every container is ready', () => {
    const status = podStatus(
      record([container({ running: { startedAt: 'T0' } }, true)], { podIP: '10.213.1.5' }),
      'T1',
    );
    assert.equal(status.phase, 'Running');
    assert.equal(status.podIP, '10.213.1.5');
    assert.equal(conditionOf(status, 'Ready'), 'True');
    assert.equal(conditionOf(status, 'ContainersReady'), 'True');
    assert.equal(status.containerStatuses?.[0]?.imageID, 'process-node://rayproject/ray:2.40.0');
  });

  it('keeps a condition’s transition time until its status flips', () => {
    const r = record([container({ running: { startedAt: 'T0' } }, false)], { podIP: '10.213.1.5' });
    const first = podStatus(r, 'T1');
    const again = podStatus(r, 'T2');
    const readyAt = (s: typeof first) => s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    assert.equal(readyAt(again), readyAt(first));
    r.containers[0]!.ready = true;
    assert.equal(readyAt(podStatus(r, 'T3')), 'T3');
  });

  it('waits for init containers before Running', () => {
    const init = { ...container({ running: { startedAt: 'T0' } }), name: 'wait' };
    const status = podStatus(record([container({ running: { startedAt: 'T0' } }, true)], { init: [init] }), 'T1');
    assert.equal(status.phase, 'Pending');
    assert.equal(conditionOf(status, 'Initialized'), 'False');
    assert.equal(status.initContainerStatuses?.length, 1);
  });

  it('reports the phase the pod ended with', () => {
    const done = container({ terminated: { exitCode: 3, reason: 'Error', finishedAt: 'T2' } });
    const status = podStatus(record([done], { phase: 'Failed' }), 'T3');
    assert.equal(status.phase, 'Failed');
    assert.equal(status.containerStatuses?.[0]?.state.terminated?.exitCode, 3);
  });
});

describe('restarts', () => {
  it('follows restartPolicy', () => {
    assert.equal(restarts(undefined, 0), true);
    assert.equal(restarts('Always', 0), true);
    assert.equal(restarts('OnFailure', 0), false);
    assert.equal(restarts('OnFailure', 1), true);
    assert.equal(restarts('Never', 1), false);
  });

  it('backs off as the kubelet does: 10 s, 20 s, 40 s, … capped at 5 min', () => {
    assert.deepEqual([0, 1, 2, 3, 5, 20].map(restartDelayMs), [10_000, 20_000, 40_000, 80_000, 300_000, 300_000]);
  });
});

describe('CRI logs', () => {
  const log = [
    '2026-01-01T00:00:01.000000000Z stdout F first',
    '2026-01-01T00:00:02.000000000Z stderr F second',
    '2026-01-01T00:00:03.000000000Z stdout P par',
    '2026-01-01T00:00:03.100000000Z stdout F tial',
    '',
  ].join('\n');

  it('stamps lines as the kubelet does', () => {
    assert.equal(criTimestamp(new Date('2026-01-01T00:00:01.250Z')), '2026-01-01T00:00:01.250000000Z');
    assert.deepEqual(parseCriLine('2026-01-01T00:00:01.000000000Z stdout F hello world'), {
      time: '2026-01-01T00:00:01.000000000Z',
      stream: 'stdout',
      full: true,
      text: 'hello world',
    });
  });

  it('renders pods/log text: partial lines joined, tail, since, timestamps', () => {
    assert.equal(renderLog(log, {}), 'first\nsecond\npartial\n');
    assert.equal(renderLog(log, { tailLines: 2 }), 'partial\n');
    assert.equal(renderLog(log, { tailLines: 0 }), '');
    assert.equal(renderLog(log, { sinceTime: new Date('2026-01-01T00:00:02Z') }), 'second\npartial\n');
    assert.equal(
      renderLog(log, { timestamps: true, tailLines: 3 }),
      '2026-01-01T00:00:02.000000000Z second\n2026-01-01T00:00:03.000000000Z partial\n',
    );
  });
});
