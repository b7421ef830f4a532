// rayctl lint against the API server: the values' schema errors (offline, with their paths), a rejection that only
// the API server finds (a dry-run, nothing stored), and clean values.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { tempNamespace, testCluster } from './support/cluster.ts';
import { adminFor, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'lint');

/** A namespaced operator keeps every object of the release in `ns` (and its policy named after it). */
const operator = ['-n', ns, '--namespaced-operator', '--operator-only'];
/** Kubernetes' schema allows this toleration; the API server's validation refuses `value` with `Exists`. */
const badToleration = ['--set-json', 'operatorTolerations=[{"key":"gpu","operator":"Exists","value":"yes"}]'];

/** The objects of the release's kinds in `ns`: lint must leave them as they were (none). */
async function objectsInNamespace(): Promise<string[]> {
  const names: string[] = [];
  for (const path of [
    `/apis/apps/v1/namespaces/${ns}/deployments`,
    `/api/v1/namespaces/${ns}/configmaps`,
    `/api/v1/namespaces/${ns}/secrets`,
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  ]) {
    const list = await client.get<{ items: { kind?: string; metadata: { name: string } }[] }>(path);
    names.push(...list.items.map((o) => `${path.split('/').at(-1)}/${o.metadata.name}`));
  }
  // kube-root-ca.crt is the namespace's own.
  return names.filter((n) => n !== 'configmaps/kube-root-ca.crt').sort();
}

describe('rayctl lint', () => {
  it('reports a values schema error with its path and exits 1, offline and with --server-side', async () => {
    for (const serverSide of [[], ['--server-side']]) {
      const result = await rayctl([
        'lint',
        ...operator,
        ...serverSide,
        '--set',
        'podTypes.rayWorkerType.maxWorkers=20000',
        '--set',
        'operatorReplicas=0',
      ]);
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, -1), [
        'error  operatorReplicas: must be ≥ 1, got number 0',
        'error  podTypes.rayWorkerType.maxWorkers: must be ≤ 10000, got number 20000',
      ]);
      assert.match(lines.at(-1)!, /^2 problems \(2 errors\); checked the values;/);
      assert.match(result.stderr, /^Error: lint found 2 errors$/m);
    }
  });

  it('finds with --server-side what only the API server refuses, and stores nothing', async () => {
    const before = await objectsInNamespace();
    const offline = await rayctl(['lint', ...operator, ...badToleration]);
    assert.equal(offline.code, 0, `${offline.stdout}${offline.stderr}`);
    assert.match(offline.stdout, /^0 problems; checked the values and \d+ objects against Kubernetes 1\.\d+$/m);

    const online = await rayctl(['lint', ...operator, ...badToleration, '--server-side']);
    assert.equal(online.code, 1, `${online.stdout}${online.stderr}`);
    const [problem, summary, ...rest] = online.stdout.trim().split('\n');
    assert.equal(
      problem,
      'error  Deployment/ray-operator: Deployment.apps "ray-operator" is invalid: ' +
        `spec.template.spec.tolerations[0].operator: Invalid value: "yes": value must be empty when \`operator\` is 'Exists'`,
    );
    assert.match(
      summary!,
      /^1 problem \(1 error\); checked the values and \d+ objects against Kubernetes 1\.\d+ and the cluster$/,
    );
    assert.deepEqual(rest, []);
    assert.deepEqual(await objectsInNamespace(), before);
  });

  it('reports objects in a namespace that does not exist, one line per object', async () => {
    const missing = `lint-missing-${randomBytes(3).toString('hex')}`;
    const result = await rayctl([
      'lint',
      '-n',
      ns,
      '--operator-only',
      '--set',
      `operatorNamespace=${missing}`,
      '--server-side',
    ]);
    assert.equal(result.code, 1, result.stdout);
    for (const object of [
      'ServiceAccount/ray-operator-serviceaccount',
      'ConfigMap/ray-operator-bundle',
      'Deployment/ray-operator',
    ])
      assert.match(result.stdout, new RegExp(`^error  ${object}: namespaces "${missing}" not found$`, 'm'));
    // Offline, nothing is wrong with the same values: only the cluster knows the namespace is missing.
    assert.equal(
      (await rayctl(['lint', '-n', ns, '--operator-only', '--set', `operatorNamespace=${missing}`])).code,
      0,
    );
  });

  it('prints "0 problems" for clean values, as text and as JSON, and refuses an unknown --kube-version', async () => {
    const text = await rayctl(['lint', ...operator, '--server-side']);
    assert.equal(text.code, 0, `${text.stdout}${text.stderr}`);
    assert.match(
      text.stdout,
      /^0 problems; checked the values and \d+ objects against Kubernetes 1\.\d+ and the cluster\n$/,
    );

    const json = await rayctl(['lint', ...operator, '--server-side', '--kube-version', '1.34', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      errors: number;
      warnings: number;
      problems: unknown[];
      kubernetes: string;
    };
    assert.deepEqual([report.errors, report.warnings, report.problems], [0, 0, []]);
    assert.match(report.kubernetes, /^1\.34\.\d+$/);

    const unknown = await rayctl(['lint', '--kube-version', '1.12']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--kube-version 1\.12: rayctl ships the Kubernetes schemas of 1\.34, 1\.35, 1\.36/);
  });
});
