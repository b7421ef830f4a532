import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { objectToYaml, toManifest } from '../../../src/chart/render.ts';
import { renderRelease } from '../../../src/actions/render.ts';
import { packageRoot } from '../../../src/paths.ts';
import { at, chart, find, kindsAndNames, render } from './render-support.ts';

describe('which objects render', () => {
  it('by default: the cluster-scoped operator in "default" and the RayCluster in the release namespace, in install order', () => {
    assert.deepEqual(kindsAndNames(render()), [
      'ServiceAccount/default/ray-operator-serviceaccount',
      'ConfigMap/default/ray-operator-bundle',
      'ClusterRole//ray-operator-clusterrole',
      'ClusterRoleBinding//ray-operator-clusterrolebinding',
      'Role/default/ray-operator-leader-election',
      'RoleBinding/default/ray-operator-leader-election',
      'ValidatingAdmissionPolicy//ray-operator-pod-policy',
      'ValidatingAdmissionPolicyBinding//ray-operator-pod-policy',
      'Deployment/default/ray-operator',
      'RayCluster/ray/example-cluster',
    ]);
  });

  it('operatorOnly: the operator only', () => {
    assert.deepEqual(kindsAndNames(render({ operatorOnly: true })), [
      'ServiceAccount/default/ray-operator-serviceaccount',
      'ConfigMap/default/ray-operator-bundle',
      'ClusterRole//ray-operator-clusterrole',
      'ClusterRoleBinding//ray-operator-clusterrolebinding',
      'Role/default/ray-operator-leader-election',
      'RoleBinding/default/ray-operator-leader-election',
      'ValidatingAdmissionPolicy//ray-operator-pod-policy',
      'ValidatingAdmissionPolicyBinding//ray-operator-pod-policy',
      'Deployment/default/ray-operator',
    ]);
  });

  it('clusterOnly: one RayCluster, nothing else', () => {
    assert.deepEqual(kindsAndNames(render({ clusterOnly: true })), ['RayCluster/ray/example-cluster']);
  });

  it('operatorNamespace moves the cluster-scoped operator and its binding subject', () => {
    const objects = render({ operatorOnly: true, operatorNamespace: 'ray-system' });
    assert.equal(find(objects, 'Deployment').metadata.namespace, 'ray-system');
    assert.equal(find(objects, 'ServiceAccount').metadata.namespace, 'ray-system');
    assert.deepEqual(at(find(objects, 'ClusterRoleBinding'), 'subjects', 0), {
      kind: 'ServiceAccount',
      name: 'ray-operator-serviceaccount',
      namespace: 'ray-system',
    });
  });

  it('namespacedOperator: Role and RoleBinding in the release namespace, and the operator watches only it', () => {
    const objects = render({ namespacedOperator: true, operatorNamespace: 'ignored' });
    assert.deepEqual(kindsAndNames(objects), [
      'ServiceAccount/ray/ray-operator-serviceaccount',
      'ConfigMap/ray/ray-operator-bundle',
      'Role/ray/ray-operator-leader-election',
      'Role/ray/ray-operator-role',
      'RoleBinding/ray/ray-operator-leader-election',
      'RoleBinding/ray/ray-operator-rolebinding',
      'ValidatingAdmissionPolicy//ray-operator-pod-policy.ray',
      'ValidatingAdmissionPolicyBinding//ray-operator-pod-policy.ray',
      'Deployment/ray/ray-operator',
      'RayCluster/ray/example-cluster',
    ]);
    const env = at(find(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'env') as {
      name: string;
    }[];
    assert.deepEqual(
      env.find((e) => e.name === 'RAY_OPERATOR_POD_NAMESPACE'),
      { name: 'RAY_OPERATOR_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    );
    assert.equal(at(find(objects, 'RoleBinding'), 'subjects', 0, 'namespace'), 'ray');
  });

  it('a cluster-scoped operator does not get RAY_OPERATOR_POD_NAMESPACE', () => {
    const env = at(find(render(), 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'env') as {
      name: string;
    }[];
    assert.equal(
      env.some((e) => e.name === 'RAY_OPERATOR_POD_NAMESPACE'),
      false,
    );
  });
});

describe('the operator Deployment', () => {
  const deployment = find(render(), 'Deployment');
  const pod = at(deployment, 'spec', 'template', 'spec');
  const container = at(pod, 'containers', 0);

  it('runs one replica of the operator bundle on the Node.js image, selected by cluster.ray.io/component=operator', () => {
    assert.equal(at(deployment, 'spec', 'replicas'), 1);
    assert.deepEqual(at(deployment, 'spec', 'selector', 'matchLabels'), { 'cluster.ray.io/component': 'operator' });
    assert.deepEqual(at(deployment, 'spec', 'template', 'metadata', 'labels'), {
      'cluster.ray.io/component': 'operator',
    });
    assert.equal(at(container, 'image'), chart.chart.defaults.operatorNodeImage);
    const command = at(container, 'command') as string[];
    assert.deepEqual([command[0], command.at(-1)], ['node', '--']);
    assert.match(command.join(' '), /gunzipSync\(fs\.readFileSync\('\/opt\/rayctl\/operator\.mjs\.gz'\)\)/);
    // node's own options come before its inline script; after `--` they would be the operator's, which refuses them.
    assert.deepEqual(command.slice(1, command.indexOf('-e')), ['--single-threaded-gc', '--input-type=module']);
    assert.equal(at(pod, 'serviceAccountName'), 'ray-operator-serviceaccount');
  });

  it('mounts the bundle read-only from its ConfigMap, and rolls when the bundle changes', () => {
    const bundle = find(render(), 'ConfigMap');
    const text = at(bundle, 'binaryData', 'operator.mjs.gz') as string;
    // The bundle, gzipped: small enough that `kubectl apply` can keep the whole ConfigMap in its 256 KiB annotation.
    assert.equal(
      gunzipSync(Buffer.from(text, 'base64')).toString('utf8'),
      readFileSync(join(packageRoot(), 'dist', 'operator.mjs'), 'utf8'),
    );
    assert.ok(JSON.stringify(bundle).length < 200 * 1024, `the ConfigMap is ${JSON.stringify(bundle).length} bytes`);
    assert.deepEqual(
      (at(container, 'volumeMounts') as unknown[]).find((m) => at(m, 'name') === 'bundle'),
      { name: 'bundle', mountPath: '/opt/rayctl', readOnly: true },
    );
    assert.deepEqual(
      (at(pod, 'volumes') as unknown[]).find((v) => at(v, 'name') === 'bundle'),
      { name: 'bundle', configMap: { name: 'ray-operator-bundle' } },
    );
    assert.equal(
      at(deployment, 'spec', 'template', 'metadata', 'annotations', 'rayctl.io/operator-bundle-sha256'),
      createHash('sha256').update(text).digest('hex'),
    );
  });

  it('with operatorImage set: that image runs `rayctl operator`, and no bundle ships', () => {
    const objects = render({ operatorImage: 'registry.example/rayctl/operator:0.1.0' });
    assert.equal(objects.filter((o) => o.kind === 'ConfigMap').length, 0);
    const custom = find(objects, 'Deployment');
    const customContainer = at(custom, 'spec', 'template', 'spec', 'containers', 0);
    assert.equal(at(customContainer, 'image'), 'registry.example/rayctl/operator:0.1.0');
    assert.deepEqual(at(customContainer, 'command'), ['rayctl', 'operator']);
    assert.equal(at(custom, 'spec', 'template', 'metadata', 'annotations'), undefined);
    assert.ok(!(at(customContainer, 'volumeMounts') as unknown[]).some((m) => at(m, 'name') === 'bundle'));
  });

  it('places the operator with operatorReplicas, operatorNodeSelector and operatorTolerations', () => {
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'ray', effect: 'NoSchedule' };
    const placed = find(
      render({ operatorReplicas: 2, operatorNodeSelector: { pool: 'system' }, operatorTolerations: [toleration] }),
      'Deployment',
    );
    assert.equal(at(placed, 'spec', 'replicas'), 2);
    assert.deepEqual(at(placed, 'spec', 'template', 'spec', 'nodeSelector'), { pool: 'system' });
    assert.deepEqual(at(placed, 'spec', 'template', 'spec', 'tolerations'), [toleration]);
    assert.equal(at(pod, 'nodeSelector'), undefined);
  });

  it("keeps the original chart's resources: requests cpu 1 / memory 1Gi, limit memory 2Gi", () => {
    assert.deepEqual(at(container, 'resources'), { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  it('probes the health endpoints', () => {
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'path'), '/healthz');
    assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), '/readyz');
  });

  it('is locked down: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true);
    assert.equal(at(pod, 'securityContext', 'seccompProfile', 'type'), 'RuntimeDefault');
    assert.equal(at(container, 'securityContext', 'readOnlyRootFilesystem'), true);
    assert.equal(at(container, 'securityContext', 'allowPrivilegeEscalation'), false);
    assert.deepEqual(at(container, 'securityContext', 'capabilities', 'drop'), ['ALL']);
  });
});

describe('operator RBAC', () => {
  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
  const rules = at(find(render(), 'ClusterRole'), 'rules') as Rule[];
  const granted = new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    ),
  );

  it('grants what the operator needs', () => {
    for (const needed of [
      'cluster.ray.io/rayclusters:watch',
      'cluster.ray.io/rayclusters/status:patch',
      '/pods:create',
      '/pods:delete',
      '/services:create',
      '/events:create',
    ]) {
      assert.ok(granted.has(needed), `missing ${needed}`);
    }
  });

  it('grants no pods/exec and no wildcard', () => {
    assert.equal(
      [...granted].some((g) => g.includes('pods/exec')),
      false,
    );
    assert.equal(
      [...granted].some((g) => g.includes('*')),
      false,
    );
  });

  it('the namespaced Role has the same rules', () => {
    const role = render({ namespacedOperator: true }).find(
      (o) => o.kind === 'Role' && o.metadata.name === 'ray-operator-role',
    );
    assert.deepEqual(at(role, 'rules'), rules);
  });

  it('leases only in the operator namespace, and only the leader lease by name for get and update', () => {
    assert.equal(
      [...granted].some((g) => g.includes('leases')),
      false,
      'no cluster-wide lease rights',
    );
    const role = render().find((o) => o.kind === 'Role' && o.metadata.name === 'ray-operator-leader-election');
    assert.equal(role?.metadata.namespace, 'default');
    assert.deepEqual(at(role, 'rules'), [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['ray-operator-leader'],
        verbs: ['get', 'update'],
      },
    ]);
  });
});

describe('the RayCluster', () => {
  const cluster = find(render(), 'RayCluster');

  it('is named after the release, in the release namespace, with the fixed autoscaler settings', () => {
    assert.equal(cluster.apiVersion, 'cluster.ray.io/v1');
    assert.deepEqual(cluster.metadata.name, 'example-cluster');
    assert.equal(at(cluster, 'spec', 'upscalingSpeed'), 1);
    assert.equal(at(cluster, 'spec', 'idleTimeoutMinutes'), 5);
    assert.equal(at(cluster, 'spec', 'headPodType'), 'rayHeadType');
  });

  it('maxWorkers is the sum of the pod types (head unset = 0, worker 3)', () => {
    assert.equal(at(cluster, 'spec', 'maxWorkers'), 3);
    const more = find(render({ podTypes: { gpu: { CPU: 4, memory: '8Gi', maxWorkers: 7 } } }), 'RayCluster');
    assert.equal(at(more, 'spec', 'maxWorkers'), 10);
  });

  it('has one podTypes entry per key, sorted by key, head min/max defaulting to 0', () => {
    const types = at(render({ podTypes: { aaa: { CPU: 1, memory: '1Gi' } } }).at(-1), 'spec', 'podTypes') as {
      name: string;
    }[];
    assert.deepEqual(
      types.map((t) => t.name),
      ['aaa', 'rayHeadType', 'rayWorkerType'],
    );
    assert.deepEqual([at(types[1], 'minWorkers'), at(types[1], 'maxWorkers')], [0, 0]);
    assert.deepEqual([at(types[2], 'minWorkers'), at(types[2], 'maxWorkers')], [2, 3]);
  });

  it('each podConfig is a Pod: kebab-case generateName, restartPolicy Never, /dev/shm in memory, CPU and memory as request and limit', () => {
    const podConfig = at(cluster, 'spec', 'podTypes', 1, 'podConfig');
    assert.equal(at(podConfig, 'kind'), 'Pod');
    assert.equal(at(podConfig, 'metadata', 'generateName'), 'ray-worker-type-');
    assert.equal(at(podConfig, 'spec', 'restartPolicy'), 'Never');
    assert.deepEqual(at(podConfig, 'spec', 'volumes'), [{ name: 'dshm', emptyDir: { medium: 'Memory' } }]);
    const container = at(podConfig, 'spec', 'containers', 0);
    assert.deepEqual(at(container, 'volumeMounts'), [{ mountPath: '/dev/shm', name: 'dshm' }]);
    assert.equal(at(container, 'image'), chart.chart.defaults.image);
    assert.deepEqual(at(container, 'resources'), {
      requests: { cpu: 1, memory: '1Gi' },
      limits: { cpu: 1, memory: '1Gi' },
    });
    assert.equal(at(podConfig, 'spec', 'nodeSelector'), undefined);
    assert.equal(at(podConfig, 'spec', 'tolerations'), undefined);
  });

  it('GPU > 0 adds nvidia.com/gpu to limits only; nodeSelector, tolerations, rayResources and a per-type image pass through', () => {
    const gpu = {
      CPU: 8,
      memory: '32Gi',
      GPU: 2,
      image: 'rayproject/ray:2.40.0-gpu',
      rayResources: { accelerator_a100: 2 },
      nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      minWorkers: 0,
      maxWorkers: 4,
    };
    const types = at(find(render({ podTypes: { gpuWorker: gpu } }), 'RayCluster'), 'spec', 'podTypes') as unknown[];
    const entry = types[0];
    assert.equal(at(entry, 'name'), 'gpuWorker');
    assert.deepEqual(at(entry, 'rayResources'), { accelerator_a100: 2 });
    assert.equal(at(entry, 'podConfig', 'metadata', 'generateName'), 'gpu-worker-');
    const container = at(entry, 'podConfig', 'spec', 'containers', 0);
    assert.equal(at(container, 'image'), 'rayproject/ray:2.40.0-gpu');
    assert.deepEqual(at(container, 'resources', 'limits'), { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 2 });
    assert.equal(at(container, 'resources', 'requests', 'nvidia.com/gpu'), undefined);
    assert.deepEqual(at(entry, 'podConfig', 'spec', 'nodeSelector'), gpu.nodeSelector);
    assert.deepEqual(at(entry, 'podConfig', 'spec', 'tolerations'), gpu.tolerations);
  });

  it('starts Ray with the original start commands', () => {
    assert.deepEqual(at(cluster, 'spec', 'headStartRayCommands'), [
      'ray stop',
      'ulimit -n 65536; ray start --head --port=6379 --no-monitor --dashboard-host 0.0.0.0',
    ]);
    assert.deepEqual(at(cluster, 'spec', 'workerStartRayCommands'), [
      'ray stop',
      'ulimit -n 65536; ray start --address=$RAY_HEAD_IP:6379',
    ]);
  });
});

describe('ownership and the manifest', () => {
  it('every rendered object carries Helm ownership metadata for its release', () => {
    for (const object of render({}, { name: 'rel', namespace: 'ns' })) {
      assert.equal(object.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
      assert.equal(object.metadata.annotations?.['meta.helm.sh/release-name'], 'rel');
      assert.equal(object.metadata.annotations?.['meta.helm.sh/release-namespace'], 'ns');
    }
  });

  it('CRDs carry no release ownership: they outlive every release', () => {
    const { crds } = renderRelease(chart, { name: 'r', namespace: 'n' }, {});
    assert.equal(crds.length, 1);
    assert.equal(crds[0]!.source, 'ray/crds/rayclusters.cluster.ray.io.yaml');
    assert.equal(crds[0]!.object.metadata.annotations, undefined);
  });

  it("is Helm's format: --- and a # Source line per object", () => {
    const { objects } = renderRelease(chart, { name: 'r', namespace: 'n' }, { clusterOnly: true });
    assert.match(
      toManifest(objects),
      /^---\n# Source: ray\/templates\/raycluster\.yaml\napiVersion: cluster\.ray\.io\/v1\nkind: RayCluster\n/,
    );
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const once = toManifest(renderRelease(chart, { name: 'r', namespace: 'n' }, {}).objects);
    const again = toManifest(renderRelease(chart, { name: 'r', namespace: 'n' }, {}).objects);
    assert.equal(once, again);
  });
});

describe('YAML output', () => {
  it('quotes strings that YAML 1.1 readers (PyYAML, yaml.v2) would read as numbers', () => {
    for (const text of ['1_000', '0x_1F', '1_0.5', '0b1_01', '012', '1e3', '0x1F', 'yes', 'on', '1:30']) {
      const line = objectToYaml({ value: text }).trim();
      assert.equal(line, `value: ${JSON.stringify(text)}`, text);
    }
    assert.equal(objectToYaml({ value: 'plain-text_1' }).trim(), 'value: plain-text_1');
  });

  it('writes long one-line strings double-quoted, and every reader gets them back', () => {
    const base64 = 'H4sI+/=='.repeat(400);
    const quotes = `say "hi" \\ ${'x'.repeat(2000)}`;
    const multiline = `line\n${'y'.repeat(2000)}`;
    const object = { data: { bundle: base64 }, list: [quotes, 'short'], multiline, [base64.slice(0, 8)]: 1 };
    const text = objectToYaml(object);
    assert.ok(text.includes(`bundle: "${base64}"\n`), 'the base64 as one double-quoted scalar');
    assert.ok(text.includes(`  - "say \\"hi\\" \\\\ x`), 'quotes and backslashes escaped');
    assert.ok(text.includes('multiline: |-\n'), 'a string with a newline keeps its block style');
    assert.deepEqual(yaml.load(text), object);
  });
});
