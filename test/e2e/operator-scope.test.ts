// A namespaced operator with nothing but the chart's Role, and leader election between two replicas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';
import type { Pod, RayCluster } from '../../src/operator/types.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const mine = await tempNamespace(cluster, 'scoped');
const elsewhere = await tempNamespace(cluster, 'elsewhere');
cleanupReleases(cluster, () => [
  { name: 'nsop', namespace: mine },
  { name: 'other', namespace: elsewhere },
  { name: 'led', namespace: elsewhere },
]);

const ok = async (namespace: string, args: string[]) => {
  const result = await rayctl(['-n', namespace, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};
const workers = async (namespace: string, name: string) =>
  (
    await client.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`ray-cluster-name=${name},ray-node-type=worker`)}`,
    )
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const runningWith = (namespace: string, name: string, count: number) =>
  eventually(
    `${name} Running with ${count} workers`,
    async () => {
      const c = await client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${namespace}/rayclusters/${name}`);
      return (
        c.status?.phase === 'Running' &&
        c.status.observedGeneration === c.metadata.generation &&
        (await workers(namespace, name)).length === count
      );
    },
    60_000,
  );

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** `api: METHOD PATH?QUERY STATUS` lines of --debug, as (group/resource, verb) pairs the API server authorised. */
function usedPermissions(stderr: string): Set<string> {
  const used = new Set<string>();
  for (const [, method, path, query, status] of stderr.matchAll(/^api: (\w+) ([^ ?]+)(\?\S*)? (\d+)/gm)) {
    const parts = path!.split('/').filter(Boolean);
    const group = parts[0] === 'api' ? '' : parts[1]!;
    const rest = parts.slice(parts[0] === 'api' ? 2 : 3);
    const scoped = rest[0] === 'namespaces' ? rest.slice(2) : rest;
    const resource = scoped.length > 2 ? `${scoped[0]}/${scoped[2]}` : scoped[0]!;
    const verb =
      method === 'GET'
        ? query?.includes('watch=1')
          ? 'watch'
          : scoped.length === 1
            ? 'list'
            : 'get'
        : ({ POST: 'create', PUT: 'update', DELETE: 'delete', PATCH: 'patch' } as Record<string, string>)[method!]!;
    used.add(`${group}/${resource}:${verb}`);
    // Server-side apply that creates the object was authorised for create too.
    if (method === 'PATCH' && status === '201') used.add(`${group}/${resource}:create`);
  }
  return used;
}

describe('a namespaced operator', () => {
  it('runs its namespace with only the chart Role, ignores other namespaces, and the Role has nothing unused', async () => {
    await ok(mine, ['install', 'nsop', '--namespaced-operator']);
    await ok(elsewhere, ['install', 'other', '--cluster-only']);
    const serviceAccount = `system:serviceaccount:${mine}:ray-operator-serviceaccount`;
    const kubeconfig = await cluster.impersonatedKubeconfig(serviceAccount, [
      'system:serviceaccounts',
      `system:serviceaccounts:${mine}`,
      'system:authenticated',
    ]);
    const operator = startOperator(cluster, ['--debug', '--leader-elect', '--leader-election-namespace', mine], {
      KUBECONFIG: kubeconfig,
      RAY_OPERATOR_POD_NAMESPACE: mine,
    });
    await runningWith(mine, 'nsop', 2);
    // Scale down, so that deleting pods is exercised too, and outlive one lease renewal.
    await ok(mine, ['upgrade', 'nsop', '--reuse-values', '--min-workers', 'rayWorkerType=1']);
    await runningWith(mine, 'nsop', 1);
    // A port added to the head Service, so that patching it is exercised too.
    await client.json(
      'PATCH',
      `/apis/cluster.ray.io/v1/namespaces/${mine}/rayclusters/nsop`,
      { spec: { headServicePorts: [{ name: 'metrics', port: 8080 }] } },
      'application/merge-patch+json',
    );
    await eventually('the metrics port on the head Service', async () => {
      const service = await client.get<{ spec: { ports: { name: string }[] } }>(
        `/api/v1/namespaces/${mine}/services/nsop-ray-head`,
      );
      return service.spec.ports.some((p) => p.name === 'metrics');
    });
    await operator.waitForLog(/./);
    await new Promise((resolve) => setTimeout(resolve, 6_000));

    assert.deepEqual(await workers(elsewhere, 'other'), [], 'a RayCluster in another namespace is left alone');
    const otherStatus = (
      await client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${elsewhere}/rayclusters/other`)
    ).status;
    assert.equal(otherStatus?.phase, undefined);
    assert.ok(!operator.stdout().includes(`other,${elsewhere}:`));

    const stderr = operator.stderr();
    assert.doesNotMatch(stderr, /^api: .* 403 /m, 'every call was allowed by the Role');
    const used = usedPermissions(stderr);
    const rules = (
      await client.get<{ rules: Rule[] }>(
        `/apis/rbac.authorization.k8s.io/v1/namespaces/${mine}/roles/ray-operator-role`,
      )
    ).rules;
    const granted = rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    );
    assert.deepEqual(
      granted.filter((g) => !used.has(g)),
      [],
      'every permission the chart grants is used',
    );
    assert.equal(await operator.stop(), 0);
  });
});

describe('two replicas with leader election', () => {
  it('only the leader writes, and the standby takes over when the leader is killed', async () => {
    const args = ['--leader-elect', '--leader-election-namespace', elsewhere, '--debug'];
    const first = startOperator(cluster, args);
    await first.waitForLog(/became leader/);
    const second = startOperator(cluster, args);
    await second.waitForLog(/waiting for leadership: lease .* is held by /);

    await ok(elsewhere, ['install', 'led', '--cluster-only', '--min-workers', 'rayWorkerType=1']);
    await runningWith(elsewhere, 'led', 1);
    assert.match(first.stderr(), /^api: POST \/api\/v1\/namespaces\/.+\/pods /m);
    assert.doesNotMatch(
      second.stderr(),
      /^api: (POST|DELETE|PATCH) .*\/(pods|services|rayclusters)/m,
      'the standby writes nothing',
    );

    await first.stop('SIGKILL');
    await second.waitForLog(/became leader/, 30_000);
    await ok(elsewhere, ['upgrade', 'led', '--reuse-values', '--min-workers', 'rayWorkerType=2']);
    await runningWith(elsewhere, 'led', 2);
    assert.match(second.stderr(), /^api: POST \/api\/v1\/namespaces\/.+\/pods /m, 'the new leader reconciles');
    assert.equal(await second.stop('SIGTERM'), 0);
    assert.match(second.stdout(), /released leadership/);
  });
});
