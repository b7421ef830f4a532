// What a RayCluster may ask the operator for, on the real API server: the chart's ValidatingAdmissionPolicy refuses a
// forbidden podConfig when the RayCluster is written; without the policy, the operator refuses it before any pod.
// And the operator takes over nothing it does not own: neither a head Service someone else made, nor other Leases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import type { Pod, RayCluster } from '../../src/operator/types.ts';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'policy');
cleanupReleases(cluster, () => [
  { name: 'ray-operator', namespace: ns },
  { name: 'fine', namespace: ns },
]);
const POLICY = `ray-operator-pod-policy.${ns}`;
const clusters = `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters`;

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
};

/** The chart's RayCluster for `name`, with its worker type's podConfig.spec changed by `change`. */
async function rayClusterWith(name: string, change: Record<string, unknown>): Promise<RayCluster> {
  const rendered = yaml.loadAll(await ok(['template', name, '--cluster-only'])) as RayCluster[];
  const object = rendered.find((o) => o.kind === 'RayCluster')!;
  const worker = object.spec.podTypes.find((t) => t.name !== object.spec.headPodType)!;
  Object.assign(worker.podConfig.spec, change);
  return object;
}

let operator: OperatorProcess;
describe('the pod policy and ownership', () => {
  before(async () => {
    // A namespaced operator: its policy binding holds this namespace only.
    await ok(['install', 'ray-operator', '--operator-only', '--set', 'namespacedOperator=true']);
    operator = startOperator(cluster, ['-n', ns]);
    await operator.waitForLog(/reconciling/);
  });
  after(async () => {
    await operator.stop();
  });

  it('the API server refuses a RayCluster asking for the host network, naming the field', async () => {
    const hostile = await rayClusterWith('hostile', { hostNetwork: true });
    const refused = await eventually('the admission policy to be in force', async () => {
      const response = await client.request<{ message?: string }>('POST', clusters, hostile);
      if (response.status < 300) {
        await client.request('DELETE', `${clusters}/hostile`);
        return undefined;
      }
      return response;
    });
    assert.equal(refused.status, 403, 'reason Forbidden: HTTP 403');
    assert.match(
      refused.body.message ?? '',
      new RegExp(`${POLICY.replace(/\./g, '\\.')}.*hostNetwork.*Pod Security baseline`),
    );
  });

  it('without the policy, the operator refuses it: no pod, phase Error, PodPolicyAllowed False, a Warning event', async () => {
    await client.json('DELETE', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/${POLICY}`);
    const hostile = await rayClusterWith('hostile2', { volumes: [{ name: 'root', hostPath: { path: '/' } }] });
    await eventually('the RayCluster to be accepted once the binding is gone', async () => {
      const response = await client.request('POST', clusters, hostile);
      return response.status < 300 || response.status === 409;
    });
    const status = await eventually('the operator to refuse it', async () => {
      const live = await client.get<RayCluster>(`${clusters}/hostile2`);
      return live.status?.phase === 'Error' ? live.status : undefined;
    });
    assert.match(status.reason ?? '', /pod policy: podTypes\[\w+\]\.podConfig\.spec\.volumes\[0\]\.hostPath/);
    assert.equal(status.conditions?.find((c) => c.type === 'PodPolicyAllowed')?.status, 'False');
    const pods = await client.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${ns}/pods?labelSelector=ray-cluster-name%3Dhostile2`,
    );
    assert.deepEqual(pods.items, []);
    const events = await client.get<{ items: { reason: string; type: string }[] }>(
      `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dhostile2`,
    );
    assert.deepEqual(
      events.items.filter((e) => e.reason === 'PodPolicyViolation').map((e) => e.type),
      ['Warning'],
    );
  });

  it('a head Service the cluster does not control is left alone, with an event and a condition', async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'fine-ray-head', namespace: ns },
      spec: { selector: { app: 'frontend' }, ports: [{ name: 'http', port: 80 }] },
    };
    await client.json('POST', `/api/v1/namespaces/${ns}/services`, foreign);
    await ok(['install', 'fine', '--cluster-only']);
    const live = await eventually('condition HeadServiceOwned False', async () => {
      const c = await client.get<RayCluster>(`${clusters}/fine`);
      return c.status?.conditions?.find((x) => x.type === 'HeadServiceOwned' && x.status === 'False') ? c : undefined;
    });
    assert.match(
      live.status?.conditions?.find((c) => c.type === 'HeadServiceOwned')?.message ?? '',
      /not controlled by RayCluster fine/,
    );
    const service = await client.get<{ metadata: { ownerReferences?: unknown[] }; spec: { selector: unknown } }>(
      `/api/v1/namespaces/${ns}/services/fine-ray-head`,
    );
    assert.deepEqual(service.spec.selector, { app: 'frontend' });
    assert.equal(service.metadata.ownerReferences, undefined);
    const events = await client.get<{ items: { reason: string }[] }>(
      `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dfine`,
    );
    assert.equal(events.items.filter((e) => e.reason === 'HeadServiceConflict').length, 1);
  });

  it("the operator's ServiceAccount may update its own leader Lease, and no other", async () => {
    const can = async (namespace: string, name: string) => {
      const review = await client.json<{ status: { allowed: boolean } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: `system:serviceaccount:${ns}:ray-operator-serviceaccount`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
            resourceAttributes: { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace, name },
          },
        },
      );
      return review.status.allowed;
    };
    assert.equal(await can(ns, 'ray-operator-leader'), true);
    assert.equal(await can(ns, 'someone-elses-lease'), false);
    assert.equal(await can('kube-system', 'kube-scheduler'), false);
  });
});
