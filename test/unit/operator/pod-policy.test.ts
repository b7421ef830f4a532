import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRelease } from '../../../src/actions/render.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import { buildHeadService, buildPod } from '../../../src/operator/build.ts';
import { plan } from '../../../src/operator/desired.ts';
import { isReservedKey, podPolicyViolations, type PodPolicy } from '../../../src/operator/pod-policy.ts';
import { OPERATOR_KEYS } from '../../../src/operator/labels.ts';
import type { PodConfig, PodType, RayCluster } from '../../../src/operator/types.ts';

const chart = await loadBuiltinChart();
const BASELINE: PodPolicy = { level: 'baseline', serviceAccounts: [] };
const RESTRICTED: PodPolicy = { level: 'restricted', serviceAccounts: [] };

/** The RayCluster the chart renders by default. */
function rayCluster(): RayCluster {
  const object = renderRelease(chart, { name: 'c', namespace: 'ray' }, { clusterOnly: true }).objects[0]!.object;
  return { ...(object as unknown as RayCluster), metadata: { ...object.metadata, uid: 'uid', generation: 1 } };
}

/** A worker type whose podConfig is the chart's with `change` applied to its spec (and metadata). */
function podType(spec: Record<string, unknown> = {}, metadata: PodConfig['metadata'] = {}): PodType {
  const base = rayCluster().spec.podTypes.find((t) => t.name !== rayCluster().spec.headPodType)!;
  return {
    ...base,
    podConfig: {
      ...base.podConfig,
      metadata: { ...base.podConfig.metadata, ...metadata },
      spec: { ...base.podConfig.spec, ...spec },
    },
  };
}
const container = (securityContext: Record<string, unknown>, extra: Record<string, unknown> = {}) => [
  { name: 'ray-node', image: 'rayproject/ray', securityContext, ...extra },
];

describe('the pod policy (Pod Security Standards for podConfig)', () => {
  it("the chart's own pod types pass baseline", () => {
    for (const t of rayCluster().spec.podTypes) assert.deepEqual(podPolicyViolations(t, BASELINE), [], t.name);
  });

  // Each case: what a RayCluster author without pod rights might try, and the field the refusal must name.
  for (const [what, type, field] of [
    ['host network', podType({ hostNetwork: true }), 'spec.hostNetwork'],
    ['host PID', podType({ hostPID: true }), 'spec.hostPID'],
    ['host IPC', podType({ hostIPC: true }), 'spec.hostIPC'],
    ['a hostPath of /', podType({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }), 'spec.volumes[0].hostPath'],
    ['a chosen node', podType({ nodeName: 'control-plane' }), 'spec.nodeName'],
    ['a privileged container', podType({ containers: container({ privileged: true }) }), 'securityContext.privileged'],
    [
      'SYS_ADMIN',
      podType({ containers: container({ capabilities: { add: ['SYS_ADMIN'] } }) }),
      'securityContext.capabilities.add',
    ],
    [
      'a host port',
      podType({ containers: container({}, { ports: [{ containerPort: 80, hostPort: 80 }] }) }),
      'ports[0].hostPort',
    ],
    [
      'an unconfined seccomp profile',
      podType({ securityContext: { seccompProfile: { type: 'Unconfined' } } }),
      'spec.securityContext.seccompProfile.type',
    ],
    [
      'AppArmor unconfined (annotation)',
      podType({}, { annotations: { 'container.apparmor.security.beta.kubernetes.io/ray-node': 'unconfined' } }),
      'metadata.annotations["container.apparmor.security.beta.kubernetes.io/ray-node"]',
    ],
    [
      'AppArmor unconfined (field)',
      podType({ containers: container({ appArmorProfile: { type: 'Unconfined' } }) }),
      'securityContext.appArmorProfile.type',
    ],
    [
      'an unsafe sysctl',
      podType({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }),
      'spec.securityContext.sysctls[0]',
    ],
    ['an unmasked /proc', podType({ containers: container({ procMount: 'Unmasked' }) }), 'securityContext.procMount'],
    [
      'a privileged init container',
      podType({ initContainers: container({ privileged: true }) }),
      'spec.initContainers[0].securityContext.privileged',
    ],
    ['another ServiceAccount', podType({ serviceAccountName: 'cluster-admin-sa' }), 'spec.serviceAccountName'],
  ] as const) {
    it(`refuses ${what}, naming ${field}`, () => {
      const violations = podPolicyViolations(type, BASELINE);
      assert.equal(violations.length, 1, violations.join('\n'));
      assert.ok(violations[0]!.startsWith(`podTypes[${type.name}].podConfig.`), violations[0]);
      assert.ok(violations[0]!.includes(field), violations[0]);
    });
  }

  it('allowedServiceAccounts lets a listed ServiceAccount through, at every level', () => {
    const type = podType({ serviceAccountName: 'ray-jobs' });
    assert.deepEqual(podPolicyViolations(type, { level: 'baseline', serviceAccounts: ['ray-jobs'] }), []);
    assert.equal(podPolicyViolations(type, { level: 'privileged', serviceAccounts: [] }).length, 1);
    assert.deepEqual(
      podPolicyViolations(podType({ hostNetwork: true }), { level: 'privileged', serviceAccounts: [] }),
      [],
    );
  });

  it('restricted also wants non-root, no escalation, RuntimeDefault seccomp and ALL capabilities dropped', () => {
    const violations = podPolicyViolations(podType(), RESTRICTED).map((v) => v.replace(/^.*?\.spec\./, ''));
    assert.deepEqual(
      violations.map((v) => v.split(':')[0]),
      [
        'containers[0].securityContext.allowPrivilegeEscalation',
        'containers[0].securityContext.runAsNonRoot',
        'containers[0].securityContext.seccompProfile.type',
        'containers[0].securityContext.capabilities.drop',
      ],
    );
    const hardened = podType({
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: container({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }),
    });
    assert.deepEqual(podPolicyViolations(hardened, RESTRICTED), []);
  });
});

describe('plan() under the pod policy', () => {
  it('creates no pod for a forbidden podConfig: phase Error, condition PodPolicyAllowed False, one Warning', () => {
    const cluster = rayCluster();
    const worker = cluster.spec.podTypes.findIndex((t) => t.name !== cluster.spec.headPodType);
    cluster.spec.podTypes[worker]!.podConfig.spec.hostNetwork = true;
    const observed = {
      cluster,
      pods: [],
      service: buildHeadService(cluster),
      pendingCreates: [],
      pendingDeletes: new Set<string>(),
      now: new Date('2026-01-01T00:00:00Z'),
    };
    const refused = plan(observed);
    assert.deepEqual([refused.create, refused.delete], [[], []]);
    assert.equal(refused.status.phase, 'Error');
    assert.match(refused.status.reason ?? '', /refused by the operator's pod policy: .*spec\.hostNetwork/);
    assert.equal(refused.status.conditions?.find((c) => c.type === 'PodPolicyAllowed')?.status, 'False');
    assert.deepEqual(
      refused.notes.map((n) => [n.reason, n.warning]),
      [['PodPolicyViolation', true]],
    );
    // The next reconcile sees its own status: no second event for the same refusal.
    assert.deepEqual(plan({ ...observed, cluster: { ...cluster, status: refused.status } }).notes, []);
  });
});

describe('reserved labels and annotations', () => {
  it('are those of Kubernetes, Ray and rayctl, and the labels the operator sets', () => {
    for (const key of [
      'ray.io/x',
      'cluster.ray.io/component',
      'kubernetes.io/x',
      'node-role.kubernetes.io/x',
      'k8s.io/x',
      'ray-cluster-name',
      'ray.rayctl.io/head-uid',
    ])
      assert.equal(isReservedKey(key, OPERATOR_KEYS), true, key);
    for (const key of ['app', 'team.example.com/owner', 'notray.io.example/x', 'xkubernetes.io/y'])
      assert.equal(isReservedKey(key, OPERATOR_KEYS), false, key);
  });

  it('never reach the pod, and plan() says which were dropped when it creates pods', () => {
    const cluster = rayCluster();
    const head = cluster.spec.podTypes.find((t) => t.name === cluster.spec.headPodType)!;
    head.podConfig.metadata = {
      ...head.podConfig.metadata,
      labels: { app: 'frontend', 'ray-cluster-name': 'someone-else', 'kubernetes.io/role': 'x' },
    };
    const pod = buildPod(cluster, head, 'head');
    assert.equal(pod.metadata.labels?.app, 'frontend');
    assert.equal(pod.metadata.labels?.['ray-cluster-name'], 'c');
    assert.equal(pod.metadata.labels?.['kubernetes.io/role'], undefined);
    const result = plan({
      cluster,
      pods: [],
      service: buildHeadService(cluster),
      pendingCreates: [],
      pendingDeletes: new Set(),
      now: new Date(),
    });
    const note = result.notes.find((n) => n.reason === 'ReservedKeysDropped');
    assert.match(note?.message ?? '', /dropped reserved label ray-cluster-name, label kubernetes\.io\/role/);
  });
});
