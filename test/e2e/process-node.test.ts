// Process nodes behave like a kubelet: pods run as real processes in their own network and mount namespaces,
// with the env, volumes, users, probes, restart policy, logs and deletion a kubelet gives them.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { clusterState } from '../cluster/cluster.ts';
import { admin, eventually, testCluster, tempNamespace } from './support/cluster.ts';
import {
  ask,
  createInspectorScript,
  createPod,
  inspectorPod,
  NODE_IMAGE,
  onProcessNode,
  podGone,
  podReady,
  podWhere,
  PROCESS_NODE_LABEL,
  type Pod,
} from './support/process-nodes.ts';
import { tool } from './support/releases.ts';
import { cgroupPids } from '../cluster/process-node/host.ts';

const cluster = await testCluster();
const client = admin(cluster);
const ns = await tempNamespace(cluster, 'process-node');
await createInspectorScript(client, ns);
const podCgroup = (pod: Pod) => `${clusterState(cluster).podNetwork!.cgroup}/pod-${pod.metadata.uid}`;

interface Info {
  hostname: string;
  uid: number;
  gid: number;
  env: Record<string, string>;
  addresses: string[];
}
interface Reached {
  ok: boolean;
  code?: string;
  addresses?: string[];
  text?: string;
}

describe('process nodes', () => {
  it('register as labelled, tainted, Ready nodes that renew their Leases', async () => {
    const nodes = await client.get<{
      items: {
        metadata: { name: string; labels: Record<string, string> };
        spec: { taints?: { key: string; effect: string }[] };
      }[];
    }>(`/api/v1/nodes?labelSelector=${encodeURIComponent(`${PROCESS_NODE_LABEL}=true`)}`);
    assert.deepEqual(nodes.items.map((n) => n.metadata.name).sort(), ['process-node-1', 'process-node-2']);
    for (const node of nodes.items) {
      assert.equal(node.metadata.labels['kubernetes.io/hostname'], node.metadata.name);
      assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
      assert.deepEqual(
        node.spec.taints?.map((t) => [t.key, t.effect]),
        [[PROCESS_NODE_LABEL, 'NoSchedule']],
      );
    }
    const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/process-node-1';
    const first = await client.get<{ spec: { renewTime: string } }>(leasePath);
    await eventually(
      'the Lease renewed',
      async () =>
        (await client.get<{ spec: { renewTime: string } }>(leasePath)).spec.renewTime !== first.spec.renewTime,
      30_000,
    );
  });

  it('give each pod its own network: two pods bind the same port on their own IPs', async () => {
    await createPod(client, ns, inspectorPod('net-a'));
    await createPod(client, ns, inspectorPod('net-b'));
    const [a, b] = await Promise.all([podReady(client, ns, 'net-a'), podReady(client, ns, 'net-b')]);
    assert.notEqual(a.status!.podIP, b.status!.podIP);
    const infoA = await ask<Info>(a.status!.podIP!, 'info');
    const infoB = await ask<Info>(b.status!.podIP!, 'info');
    assert.equal(infoA.body.hostname, 'net-a');
    assert.equal(infoB.body.hostname, 'net-b');
    assert.deepEqual(infoA.body.addresses.sort(), ['127.0.0.1', a.status!.podIP].sort());
    // Pod to pod, by IP.
    const reached = await ask<Reached>(a.status!.podIP!, 'connect', { host: b.status!.podIP!, port: '8080' });
    assert.deepEqual(reached.body, { ok: true });
  });

  it('resolve Services to their ready endpoints, and reach nothing outside the machine', async () => {
    await client.json('POST', `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'target' },
      spec: { selector: { app: 'net-b' }, ports: [{ port: 8080 }] },
    });
    const a = await podReady(client, ns, 'net-a');
    const b = await podReady(client, ns, 'net-b');
    const ip = a.status!.podIP!;
    for (const name of [`target.${ns}.svc.cluster.local`, `target.${ns}.svc`, 'target', 'kubernetes.default.svc']) {
      const expected = name.startsWith('kubernetes') ? clusterState(cluster).podNetwork!.bridgeIp : b.status!.podIP;
      await eventually(`${name} resolves in the pod`, async () => {
        const answer = await ask<Reached>(ip, 'resolve', { name });
        return answer.body.ok && answer.body.addresses?.[0] === expected;
      });
    }
    const fetched = await ask<Reached>(ip, 'fetch', { url: `http://target.${ns}.svc:8080/info` });
    assert.equal(fetched.body.ok, true);
    assert.equal((JSON.parse(fetched.body.text!) as Info).hostname, 'net-b');
    // No DNS forwarding and no route out: names outside the cluster do not resolve, addresses are unreachable
    // (documentation addresses: nothing is sent, the pod has no route).
    const outside = await ask<Reached>(ip, 'resolve', { name: 'example.com' });
    assert.equal(outside.body.ok, false);
    const unreachable = await ask<Reached>(ip, 'connect', { host: '192.0.2.10', port: '80' });
    assert.deepEqual(unreachable.body, { ok: false, code: 'ENETUNREACH' });
  });

  it('set env from the downward API and give pods the API server with their ServiceAccount token', async () => {
    await createPod(
      client,
      ns,
      inspectorPod('env', {
        container: {
          env: [
            { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MY_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'MY_CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
            { name: 'GREETING', value: 'hello $(MY_NAME)' },
          ],
          resources: { limits: { cpu: '250m', memory: '128Mi' } },
        },
      }),
    );
    const pod = await podReady(client, ns, 'env');
    const { env } = (await ask<Info>(pod.status!.podIP!, 'info')).body;
    assert.equal(env.MY_NAME, 'env');
    assert.equal(env.MY_NAMESPACE, ns);
    assert.equal(env.MY_IP, pod.status!.podIP);
    assert.equal(env.MY_CPU, '250');
    assert.equal(env.GREETING, 'hello env');
    assert.equal(env.KUBERNETES_SERVICE_HOST, clusterState(cluster).podNetwork!.bridgeIp);
    const review = await ask<{ status: number; body: { status: { userInfo: { username: string } } } }>(
      pod.status!.podIP!,
      'whoami',
    );
    assert.equal(review.body.status, 201);
    assert.equal(review.body.body.status.userInfo.username, `system:serviceaccount:${ns}:default`);
  });

  it('mount ConfigMaps and Secrets read-only and keep them current; memory emptyDirs are tmpfs of their size', async () => {
    await client.json('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { level: 'one' },
    });
    await client.json('POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      stringData: { password: 'hunter2' },
    });
    await createPod(
      client,
      ns,
      inspectorPod('volumes', {
        spec: {
          volumes: [
            { name: 'settings', configMap: { name: 'settings' } },
            { name: 'creds', secret: { secretName: 'creds' } },
            { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
            { name: 'scratch', emptyDir: {} },
          ],
        },
        container: {
          volumeMounts: [
            { name: 'settings', mountPath: '/etc/settings' },
            { name: 'creds', mountPath: '/var/run/creds' },
            { name: 'shm', mountPath: '/dev/shm' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        },
      }),
    );
    const ip = (await podReady(client, ns, 'volumes')).status!.podIP!;
    assert.equal((await ask(ip, 'read', { path: '/etc/settings/level' })).body, 'one');
    assert.equal((await ask(ip, 'read', { path: '/var/run/creds/password' })).body, 'hunter2');
    assert.equal((await ask<{ bytes: number }>(ip, 'statfs', { path: '/dev/shm' })).body.bytes, 64 * 1024 * 1024);
    const readOnly = await ask<{ code: string }>(ip, 'write', { path: '/etc/settings/level', text: 'x' });
    assert.equal(readOnly.body.code, 'EROFS');
    assert.equal((await ask(ip, 'write', { path: '/scratch/file', text: 'kept' })).status, 200);
    await client.json(
      'PATCH',
      `/api/v1/namespaces/${ns}/configmaps/settings`,
      { data: { level: 'two' } },
      'application/merge-patch+json',
    );
    await eventually(
      'the ConfigMap update in the pod',
      async () => (await ask(ip, 'read', { path: '/etc/settings/level' })).body === 'two',
      30_000,
    );
    // Mount points that the host lacked are made on the host's file system for the pod's life only.
    await client.json('DELETE', `/api/v1/namespaces/${ns}/pods/volumes`);
    await podGone(client, ns, 'volumes');
    assert.equal(existsSync('/etc/settings'), false);
    assert.equal(existsSync('/scratch'), false);
  });

  it("run as the securityContext's user, with a read-only root file system and a private /tmp", async () => {
    await createPod(
      client,
      ns,
      inspectorPod('user', {
        spec: { securityContext: { runAsUser: 1000, runAsGroup: 3000 } },
        container: { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } },
      }),
    );
    const ip = (await podReady(client, ns, 'user')).status!.podIP!;
    const info = (await ask<Info>(ip, 'info')).body;
    assert.deepEqual([info.uid, info.gid], [1000, 3000]);
    assert.equal((await ask<{ code: string }>(ip, 'write', { path: '/opt/file', text: 'x' })).body.code, 'EROFS');
    assert.equal((await ask(ip, 'write', { path: '/tmp/mine', text: 'x' })).status, 200);
    assert.equal(existsSync('/tmp/mine'), false);
  });

  it('serve logs through pods/log, also followed', async () => {
    const ip = (await podReady(client, ns, 'net-a')).status!.podIP!;
    const logs = await tool(cluster, 'kubectl', ['-n', ns, 'logs', 'net-a']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^inspector listening on 8080 as net-a$/m);
    let followed = '';
    const close = await client.stream(`/api/v1/namespaces/${ns}/pods/net-a/log?follow=true&tailLines=0`, (text) => {
      followed += text;
    });
    try {
      await ask(ip, 'info', { marker: 'followed-line' });
      await eventually('the new line in the followed log', () => followed.includes('GET /info?marker=followed-line'));
    } finally {
      close();
    }
    // The readiness probe GETs /info every second too: the marked line is among the last few, each one stamped.
    const stamped = await tool(cluster, 'kubectl', ['-n', ns, 'logs', 'net-a', '--timestamps', '--tail=5']);
    const lines = stamped.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, stamped.stdout);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/);
    assert.ok(
      lines.some((line) => line.endsWith(' GET /info?marker=followed-line')),
      stamped.stdout,
    );
  });

  it('leave pods with images they cannot run Waiting, saying which images they run', async () => {
    await createPod(client, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'unknown-image' },
      spec: { ...onProcessNode, containers: [{ name: 'c', image: 'rayctl/operator:0.1.0' }] },
    });
    const pod = await podWhere(client, ns, 'unknown-image', 'waiting with a reason', (p) =>
      Boolean(p.status?.containerStatuses?.[0]?.state.waiting?.message),
    );
    const waiting = pod.status!.containerStatuses![0]!.state.waiting!;
    assert.equal(pod.status!.phase, 'Pending');
    assert.equal(waiting.reason, 'ErrImageNeverPull');
    assert.match(waiting.message!, /rayctl\/operator:0\.1\.0 is not available; this node runs rayproject\/ray:\*/);
  });

  it('honour restartPolicy and report exit codes', async () => {
    const exiting = (name: string, restartPolicy: string, code: number) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        ...onProcessNode,
        restartPolicy,
        containers: [{ name: 'c', image: NODE_IMAGE, command: ['node', '-e', `process.exit(${code})`] }],
      },
    });
    await createPod(client, ns, exiting('fails', 'Never', 3));
    await createPod(client, ns, exiting('succeeds', 'OnFailure', 0));
    await createPod(client, ns, exiting('restarts', 'Always', 2));
    const failed = await podWhere(client, ns, 'fails', 'Failed', (p) => p.status?.phase === 'Failed');
    assert.equal(failed.status!.containerStatuses![0]!.state.terminated!.exitCode, 3);
    await podWhere(client, ns, 'succeeds', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    const restarted = await podWhere(
      client,
      ns,
      'restarts',
      'restarted once',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
    );
    assert.equal(restarted.status!.phase, 'Running');
    assert.equal(restarted.status!.containerStatuses![0]!.lastState.terminated!.exitCode, 2);
    // A terminated pod keeps no process: its sandbox is gone with it.
    assert.deepEqual(await cgroupPids(podCgroup(failed)), []);
  });

  it('gate readiness on the readiness probe and restart on a failing liveness probe', async () => {
    await createPod(
      client,
      ns,
      inspectorPod('probed', {
        container: {
          readinessProbe: { httpGet: { port: 'http', path: '/read?path=/tmp/ready' }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['test', '!', '-e', '/tmp/dead'] }, periodSeconds: 1, failureThreshold: 1 },
        },
      }),
    );
    const running = await podWhere(client, ns, 'probed', 'Running', (p) => p.status?.phase === 'Running');
    const ip = running.status!.podIP!;
    await eventually('the inspector answering', async () => (await ask(ip, 'info')).status === 200);
    assert.equal(
      (await podWhere(client, ns, 'probed', 'running', () => true)).status!.containerStatuses![0]!.ready,
      false,
    );
    await ask(ip, 'write', { path: '/tmp/ready', text: 'yes' });
    await podReady(client, ns, 'probed');
    await ask(ip, 'write', { path: '/tmp/dead', text: 'yes' });
    const restarted = await podWhere(
      client,
      ns,
      'probed',
      'restarted by its liveness probe',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      60_000,
    );
    assert.equal(restarted.status!.containerStatuses![0]!.lastState.terminated !== undefined, true);
  });

  it('stop pods on deletion: SIGTERM, then SIGKILL after the grace period; nothing of the pod is left', async () => {
    const stubborn = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stubborn' },
      spec: {
        ...onProcessNode,
        terminationGracePeriodSeconds: 2,
        containers: [
          // Ignores SIGTERM and starts a daemon of its own; both must go.
          { name: 'c', image: NODE_IMAGE, command: ['bash', '-c', "trap '' TERM; (sleep 1000 &); sleep 1000"] },
        ],
      },
    };
    await createPod(client, ns, stubborn);
    const pod = await podReady(client, ns, 'stubborn');
    assert.ok((await cgroupPids(podCgroup(pod))).length >= 3);
    await client.json('DELETE', `/api/v1/namespaces/${ns}/pods/stubborn`);
    await podGone(client, ns, 'stubborn');
    assert.deepEqual(await cgroupPids(podCgroup(pod)), []);
    assert.equal(existsSync(podCgroup(pod)), false);
  });
});
