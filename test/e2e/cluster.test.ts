// Proof that the local control plane behaves like a real cluster: controllers, scheduler, kwok
// pods, garbage collection, namespace deletion, pods/log, RBAC and both helms, against the real
// kube-apiserver. No mocks; eventual states are polled with timeouts.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { admin, eventually, tempNamespace, testCluster } from './support/cluster.ts';

const run = promisify(execFile);
const cluster = await testCluster();
const kube = admin(cluster);
const tinyChart = fileURLToPath(new URL('../fixtures/tiny-chart', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'rayctl-e2e-cluster-'));
after(() => rm(scratch, { recursive: true, force: true }));

interface Condition {
  type: string;
  status: string;
}
interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: Condition[] };
}
interface PodList {
  items: Pod[];
}

const isReady = (pod: Pod) =>
  pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function podSpec(name: string) {
  return { containers: [{ name, image: 'registry.invalid/fake:1' }] };
}

describe('local control plane', () => {
  it('reports Kubernetes v1.36.3 from /version', async () => {
    const version = await kube.get<{ gitVersion: string }>('/version');
    assert.equal(version.gitVersion, 'v1.36.3');
  });

  it('runs a Deployment of 3 on kwok nodes and deletes 2 pods when scaled to 1', async () => {
    const ns = await tempNamespace(cluster, 'deploy');
    const labels = { app: 'web' };
    await kube.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: podSpec('web') },
      },
    });
    const pods = await eventually(
      '3 Running and Ready pods',
      async () => {
        const list = await kube.get<PodList>(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
        const ready = list.items.filter(isReady);
        return ready.length === 3 && list.items.length === 3 ? ready : undefined;
      },
      60_000,
    );
    for (const pod of pods)
      assert.match(pod.spec.nodeName ?? '', /^kwok-node-\d+$/, `${pod.metadata.name} is on a kwok node`);

    await kube.json(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`,
      { spec: { replicas: 1 } },
      'application/merge-patch+json',
    );
    const remaining = await eventually(
      'only 1 pod left',
      async () => {
        const list = await kube.get<PodList>(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
        return list.items.length === 1 ? list.items : undefined;
      },
      60_000,
    );
    const survivor = remaining[0];
    assert.ok(
      survivor && pods.some((p) => p.metadata.name === survivor.metadata.name),
      'the survivor is one of the first 3 pods',
    );
  });

  it("puts a kwok pod's address in its Service's EndpointSlice, and refuses connections to it on this host", async () => {
    const ns = await tempNamespace(cluster, 'endpoints');
    const labels = { app: 'gcs' };
    const pod = await kube.json<{ metadata: { name: string } }>('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'head', labels },
      spec: podSpec('head'),
    });
    await kube.json('POST', `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'head' },
      spec: { selector: labels, ports: [{ name: 'gcs', port: 6379 }] },
    });
    // A loopback pod IP is refused here: the slice would stay empty while the controller retries.
    const ip = await eventually('a ready endpoint for the pod', async () => {
      const slices = await kube.get<{
        items: {
          endpoints?: { addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { name: string } }[];
        }[];
      }>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dhead`);
      const endpoint = slices.items
        .flatMap((s) => s.endpoints ?? [])
        .find((e) => e.targetRef?.name === pod.metadata.name && e.conditions?.ready);
      return endpoint?.addresses[0];
    });
    assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: ip, port: 6379, timeout: 5_000 });
      const done = (what: string) => {
        socket.destroy();
        resolve(what);
      };
      socket.once('connect', () => done('connected'));
      socket.once('timeout', () => done('no answer: sent off this host?'));
      socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    });
    assert.equal(outcome, 'ECONNREFUSED');
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    const ns = await tempNamespace(cluster, 'gc');
    const owner = await kube.json<{ metadata: { uid: string } }>('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner' },
    });
    await kube.json('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
      },
    });
    await kube.json('DELETE', `/api/v1/namespaces/${ns}/configmaps/owner`, { propagationPolicy: 'Background' });
    await eventually('the dependent to be deleted', async () => {
      const res = await kube.request('GET', `/api/v1/namespaces/${ns}/configmaps/dependent`);
      return res.status === 404;
    });
  });

  it('finishes deleting a namespace that has content', async () => {
    const name = `ns-delete-${process.pid}-${Date.now() % 100000}`;
    await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await kube.json('POST', `/api/v1/namespaces/${name}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    });
    await kube.json('DELETE', `/api/v1/namespaces/${name}`);
    await eventually(
      'the namespace to be gone',
      async () => (await kube.request('GET', `/api/v1/namespaces/${name}`)).status === 404,
      60_000,
    );
  });

  it('serves pods/log from the configured file and follows appended lines', async () => {
    const ns = await tempNamespace(cluster, 'logs');
    await kube.json('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'talker' },
      spec: podSpec('main'),
    });
    await eventually(
      'pod talker Running and Ready',
      async () => isReady(await kube.get<Pod>(`/api/v1/namespaces/${ns}/pods/talker`)),
      60_000,
    );

    const logFile = join(scratch, 'talker.log');
    await writeFile(logFile, '2026-01-01T00:00:00Z stdout F first line\n2026-01-01T00:00:01Z stderr F second line\n');
    await cluster.setPodLog(ns, 'talker', logFile);

    const res = await kube.request('GET', `/api/v1/namespaces/${ns}/pods/talker/log?container=main`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.text.split('\n').filter(Boolean), ['first line', 'second line']);

    let followed = '';
    const close = await kube.stream(
      `/api/v1/namespaces/${ns}/pods/talker/log?follow=true`,
      (text) => (followed += text),
    );
    try {
      await eventually('the existing lines on the follow stream', () => followed.includes('second line'), 15_000);
      await appendFile(logFile, '2026-01-01T00:00:02Z stdout F appended line\n');
      await eventually('the appended line on the follow stream', () => followed.includes('appended line'), 15_000);
    } finally {
      close();
    }
  });

  it('enforces RBAC for an impersonated ServiceAccount', async () => {
    const home = await tempNamespace(cluster, 'rbac-home');
    const other = await tempNamespace(cluster, 'rbac-other');
    await kube.json('POST', `/api/v1/namespaces/${home}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'reader' },
    });
    await kube.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${home}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    await kube.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${home}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader-reads-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: home }],
    });
    const user = `system:serviceaccount:${home}:reader`;
    const asReader = kube.impersonating(user);
    try {
      // The RBAC authorizer's cache follows the new binding within moments; poll instead of assuming.
      await eventually(
        'list pods allowed in the home namespace',
        async () => (await asReader.request('GET', `/api/v1/namespaces/${home}/pods`)).status === 200,
      );
      const denied = await asReader.request<{ reason?: string }>('GET', `/api/v1/namespaces/${other}/pods`);
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.reason, 'Forbidden');
    } finally {
      asReader.close();
    }

    // The same through a kubeconfig, as rayctl or kubectl would use it.
    const kubeconfig = await cluster.impersonatedKubeconfig(user);
    const kubectl = join(cluster.binDir, 'kubectl');
    await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', home]);
    await assert.rejects(
      run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', other]),
      (error: Error & { stderr?: string }) => {
        assert.match(error.stderr ?? '', /forbidden/i);
        return true;
      },
    );
  });

  for (const [helm, version] of [
    ['helm3', 'v3.22.0'],
    ['helm4', 'v4.3.1'],
  ] as const) {
    it(`${helm} ${version} installs and lists a chart`, async () => {
      const helmHome = join(scratch, helm);
      const env = {
        ...process.env,
        KUBECONFIG: cluster.kubeconfig,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      };
      const bin = join(cluster.binDir, helm);
      const { stdout: versionOut } = await run(bin, ['version', '--short'], { env });
      assert.ok(versionOut.startsWith(version), `helm version printed ${versionOut}`);

      const ns = await tempNamespace(cluster, helm);
      await run(bin, ['install', 'tiny', tinyChart, '--namespace', ns, '--set', `greeting=from-${helm}`], { env });
      const { stdout: listOut } = await run(bin, ['list', '--namespace', ns, '--output', 'json'], { env });
      const releases = JSON.parse(listOut) as { name: string; status: string; chart: string }[];
      assert.deepEqual(
        releases.map((r) => [r.name, r.status, r.chart]),
        [['tiny', 'deployed', 'tiny-0.1.0']],
      );
      const configMap = await kube.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${ns}/configmaps/tiny-tiny`,
      );
      assert.equal(configMap.data.greeting, `from-${helm}`);
    });
  }

  // Last: it briefly takes the API server away from the other tests.
  it('restarts kube-apiserver on the same port', async () => {
    const ns = await tempNamespace(cluster, 'restart');
    await cluster.restartApiServer();
    const fresh = admin(cluster);
    const res = await fresh.request('GET', `/api/v1/namespaces/${ns}`);
    assert.equal(res.status, 200, 'objects survive the restart (etcd keeps them)');
  });
});
