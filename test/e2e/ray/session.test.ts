// `rayctl session` against real Ray (2.60) on process nodes, forwarding through the real API server's
// pods/portforward to the process node's kubelet API: the dashboard answers on a local port, a Ray Client on this
// machine runs a task through the forwarded port, and both keep working after the head pod is replaced.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { rayClustersIn, withRayClientAt } from '../support/ray.ts';
import { adminFor, cleanupReleases, installHeadOnlyRayCluster, rayctlOn } from '../support/releases.ts';
import { RAYCTL_BIN } from '../support/run-rayctl.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'session');
cleanupReleases(cluster, () => [{ name: 'sess', namespace: ns }]);
startOperator(cluster, ['-n', ns]);
const { podsOf } = rayClustersIn(client, ns);

/** GET on the local dashboard: Ray's version, or a rejection. */
function rayVersion(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/version', timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve((JSON.parse(text) as { ray_version: string }).ray_version)
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A Ray Client on this machine through `address`: the name of the pod its task ran on. */
async function rayClientTask(address: string): Promise<string> {
  const script = [
    'import socket',
    '@ray.remote',
    'def where():',
    '    return socket.gethostname()',
    'print("ran on", ray.get(where.remote()))',
  ];
  return (await withRayClientAt(address, script.join('\n'))).trim();
}

describe('rayctl session on real Ray', () => {
  let session: ChildProcess;
  let stdout = '';
  let stderr = '';
  let blocker: Server;
  const ports = new Map<string, number>();

  before(async () => {
    await installHeadOnlyRayCluster(cluster, ns, 'sess');
    // Something already listens on 8265 here: the session must move the dashboard to a free port and say so.
    blocker = createServer();
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(8265, '127.0.0.1', resolve));
    session = spawn(process.execPath, [RAYCTL_BIN, '-n', ns, 'session', 'sess'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' },
    });
    session.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    session.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually('the session to print its ports', () => /Ctrl-C stops forwarding/.test(stdout), 60_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
      },
    );
    for (const match of stdout.matchAll(/^ {2}(dashboard|client|serve) +\w+:\/\/127\.0\.0\.1:(\d+)/gm))
      ports.set(match[1]!, Number(match[2]));
  });
  after(() => {
    session?.kill('SIGKILL');
    blocker?.close();
  });

  it('prints where each port is, moving a taken one, with the ray.init line', () => {
    assert.deepEqual([...ports.keys()], ['dashboard', 'client', 'serve']);
    assert.notEqual(ports.get('dashboard'), 8265);
    assert.match(stdout, /dashboard +http:\/\/127\.0\.0\.1:\d+ {2}\(8265 was taken\)/);
    assert.match(stdout, new RegExp(`In Python: ray\\.init\\("ray://127\\.0\\.0\\.1:${ports.get('client')}"\\)`));
  });

  it('reaches the dashboard and runs a Ray Client task through the forwarded ports', async () => {
    assert.equal(await eventually('the dashboard', () => rayVersion(ports.get('dashboard')!), 60_000), '2.60.0');
    const [head] = await podsOf('sess', 'head');
    assert.equal(await rayClientTask(`ray://127.0.0.1:${ports.get('client')}`), `ran on ${head!.metadata.name}`);
  });

  it('keeps working when the head pod is replaced', async () => {
    const [old] = await podsOf('sess', 'head');
    await client.json('DELETE', `/api/v1/namespaces/${ns}/pods/${old!.metadata.name}`);
    const replacement = await eventually(
      'a new head pod',
      async () => (await podsOf('sess', 'head')).find((p) => p.metadata.name !== old!.metadata.name),
      120_000,
    );
    assert.equal(await eventually('the dashboard again', () => rayVersion(ports.get('dashboard')!), 180_000), '2.60.0');
    assert.equal(await rayClientTask(`ray://127.0.0.1:${ports.get('client')}`), `ran on ${replacement.metadata.name}`);
    assert.match(stderr, new RegExp(`the head is now pod ${replacement.metadata.name}`));
  });

  it('a user who may read the cluster but not forward ports is told which permission is missing', async () => {
    await client.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      metadata: { name: 'viewer' },
      rules: [
        { apiGroups: ['cluster.ray.io'], resources: ['rayclusters'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ],
    });
    await client.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'viewer' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }],
    });
    const kubeconfig = await cluster.impersonatedKubeconfig('viewer');
    const refused = await rayctl(['-n', ns, 'session', 'sess'], { KUBECONFIG: kubeconfig });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`forbidden: you may not create pods/portforward in namespace "${ns}"`));
    assert.equal(refused.stdout, '');
  });

  it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => session.on('exit', resolve));
    session.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
