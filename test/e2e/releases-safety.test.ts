// What must never go wrong: killed commands, concurrent writers, foreign objects, bad credentials. Every refusal
// leaves the cluster as it was.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeRelease } from '../../src/release/codec.ts';
import { releaseRecord } from '../fixtures/release.ts';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, releaseSecrets, tool } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'safety');
cleanupReleases(cluster, () =>
  ['killed', 'termed', 'race', 'mine', 'other', 'victim'].map((name) => ({ name, namespace: ns })),
);
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-safety-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type HistoryRow = { revision: number; status: string; description: string };
const history = async (name: string) =>
  JSON.parse((await rayctl(['-n', ns, 'history', name, '-o', 'json'])).stdout) as HistoryRow[];

/** Starts an install that waits forever (no operator makes its RayCluster Running) and returns once revision 1 is pending. */
async function startHangingInstall(name: string) {
  const child = spawn(
    process.execPath,
    [RAYCTL_BIN, '-n', ns, 'install', name, '--cluster-only', '--wait', '--timeout', '10m'],
    {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await eventually(`revision 1 of ${name} to be pending-install`, async () =>
    (await releaseSecrets(client, ns)).some(
      (s) => s.metadata.labels.name === name && s.metadata.labels.status === 'pending-install',
    ),
  );
  await eventually(`${name} to be waiting`, () => Promise.resolve(stderr.includes('waiting for')));
  return { child, exited, stderr: () => stderr };
}

describe('interrupted and concurrent operations', () => {
  it('SIGKILL mid-install leaves pending-install, which blocks upgrades until --recover, refused while the writer may live', async () => {
    const { child, exited } = await startHangingInstall('killed');
    // A change that lasts renews a heartbeat Lease, the first 5 s after writing its pending revision.
    await eventually(
      'the heartbeat lease of "killed"',
      () =>
        client.get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/rayctl.release.killed`).then(
          () => true,
          () => false,
        ),
      20_000,
    );
    child.kill('SIGKILL');
    await exited;

    const blocked = await rayctl(['-n', ns, 'upgrade', 'killed', '--reuse-values']);
    assert.equal(blocked.code, 1);
    assert.match(
      blocked.stderr,
      /another operation is in progress on release "killed" \(revision 1, pending-install since \d{4}-\d\d-\d\dT/,
    );
    assert.match(blocked.stderr, /rayctl upgrade killed -n safety-[0-9a-f]+ --recover/);

    const tooSoon = await rayctl(['-n', ns, 'upgrade', 'killed', '--reuse-values', '--recover']);
    assert.equal(tooSoon.code, 1);
    assert.match(
      tooSoon.stderr,
      /revision 1 of "killed" is still being worked on by rayctl .+\/\d+ \(heartbeat \d+ s ago\)/,
    );

    // The heartbeat lease lasts 15 s after the last renewal; then the writer is known to be gone.
    await sleep(16_000);
    const recovered = await rayctl(['-n', ns, 'upgrade', 'killed', '--reuse-values', '--recover']);
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.match(recovered.stderr, /recovered: revision 1 was pending-install, now failed/);
    const rows = await history('killed');
    assert.deepEqual(
      rows.map((r) => [r.revision, r.status]),
      [
        [1, 'failed'],
        [2, 'deployed'],
      ],
    );
    assert.match(rows[0]!.description, /Marked failed by --recover/);
    const owner = await client.get<{ metadata: { annotations: Record<string, string> } }>(
      `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/killed`,
    );
    assert.equal(
      owner.metadata.annotations['meta.helm.sh/release-name'],
      'killed',
      'what the killed install created belongs to the release',
    );
  });

  it('SIGTERM mid-install marks the revision failed before exiting', async () => {
    const { child, exited, stderr } = await startHangingInstall('termed');
    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 143);
    assert.match(stderr(), /SIGTERM: marking revision 1 failed before exiting/);
    const rows = await history('termed');
    assert.deepEqual(
      rows.map((r) => [r.revision, r.status, r.description]),
      [[1, 'failed', 'Release "termed" failed: interrupted by SIGTERM']],
    );
  });

  it('of two concurrent upgrades exactly one wins and no revision is lost', async () => {
    const installed = await rayctl(['-n', ns, 'install', 'race', '--cluster-only']);
    assert.equal(installed.code, 0, installed.stderr);
    // Each upgrade waits 3 s for a RayCluster that no operator runs, so the winner holds its pending revision
    // while the other one tries: the two really overlap.
    const results = await Promise.all(
      [1, 2].map((n) =>
        rayctl([
          '-n',
          ns,
          'upgrade',
          'race',
          '--reuse-values',
          '--wait',
          '--timeout',
          '3s',
          '--set',
          `podTypes.rayWorkerType.minWorkers=${n}`,
        ]),
      ),
    );
    const winners = results.filter((r) => /revision 2: pending-upgrade/.test(r.stderr));
    const losers = results.filter((r) => !/revision 2: pending-upgrade/.test(r.stderr));
    assert.equal(winners.length, 1, results.map((r) => r.stderr).join('\n---\n'));
    assert.match(winners[0]!.stderr, /timed out after 3 s/);
    assert.match(losers[0]!.stderr, /was just created by someone else|another operation is in progress/);
    const rows = await history('race');
    assert.deepEqual(
      rows.map((r) => [r.revision, r.status]),
      [
        [1, 'deployed'],
        [2, 'failed'],
      ],
    );
  });
});

describe('refusals change nothing', () => {
  it('an object that belongs to no release is not taken over', async () => {
    const created = await tool(cluster, 'kubectl', [
      '-n',
      ns,
      'create',
      'serviceaccount',
      'ray-operator-serviceaccount',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const result = await rayctl(['-n', ns, 'install', 'mine', '--namespaced-operator']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `ServiceAccount "ray-operator-serviceaccount" in namespace "${ns}" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"`,
      ),
    );
    assert.deepEqual(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'mine'),
      [],
    );
    assert.equal(
      (await client.request('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/ray-operator-role`))
        .status,
      404,
    );
    await tool(cluster, 'kubectl', ['-n', ns, 'delete', 'serviceaccount', 'ray-operator-serviceaccount']);
  });

  it('invalid values and names fail before anything is sent', async () => {
    const values = await rayctl(['-n', ns, 'install', 'mine', '--set', 'podTypes.rayWorkerType.minWorkers=9']);
    assert.equal(values.code, 1);
    assert.match(values.stderr, /podTypes\.rayWorkerType\.minWorkers must be ≤ maxWorkers \(3\), got 9/);
    const name = await rayctl(['install', 'Not_Valid'], { KUBECONFIG: '/nonexistent' });
    assert.equal(name.code, 2);
    assert.match(name.stderr, /invalid release name "Not_Valid"/);
    assert.deepEqual(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'mine'),
      [],
    );
  });

  it('a namespace that does not exist needs --create-namespace', async () => {
    const result = await rayctl(['-n', `${ns}-missing`, 'install', 'mine', '--cluster-only']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /namespace "safety-[0-9a-f]+-missing" does not exist/);
    assert.match(result.stderr, /--create-namespace/);
  });

  it('a cluster-only release with no operator serving its namespace installs with a warning saying what to do', async () => {
    const result = await rayctl(['-n', ns, 'install', 'other', '--cluster-only']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /Warning: no Ray operator serves namespace "safety-[0-9a-f]+": nothing will run RayCluster "other" until one is installed/,
    );
  });

  it('--delete-crds is refused while another release has a RayCluster', async () => {
    const installed = await rayctl(['-n', ns, 'install', 'victim', '--cluster-only']);
    assert.equal(installed.code, 0, installed.stderr);
    const result = await rayctl(['-n', ns, 'uninstall', 'victim', '--delete-crds']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /refusing --delete-crds: deleting the RayCluster CRD would delete \d+ RayClusters? of other releases/,
    );
    assert.match(result.stderr, new RegExp(`RayCluster "other" in namespace "${ns}"`));
    assert.equal(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'victim').length,
      1,
      'victim is still installed',
    );
  });
});

describe('corrupt release records', () => {
  it('list -A skips a record that cannot be decoded (a gzip bomb) with a warning, and lists the rest', async () => {
    const corruptNs = await tempNamespace(cluster, 'corrupt');
    const record = (name: string, release: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: `sh.helm.release.v1.${name}.v1`,
        labels: { owner: 'helm', name, version: '1', status: 'deployed' },
      },
      data: { release: Buffer.from(release).toString('base64') },
    });
    // 64 MiB of zeros, gzipped: 64 KiB in the Secret, past rayctl's decoding cap once inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64');
    await client.json('POST', `/api/v1/namespaces/${corruptNs}/secrets`, record('bomb', bomb));
    const fine = releaseRecord({ name: 'fine', namespace: corruptNs, status: 'deployed' });
    await client.json('POST', `/api/v1/namespaces/${corruptNs}/secrets`, record('fine', encodeRelease(fine)));

    const listed = await rayctl(['list', '-A', '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { name: string; namespace: string }[])
      .filter((r) => r.namespace === corruptNs)
      .map((r) => r.name);
    assert.deepEqual(names, ['fine']);
    assert.match(
      listed.stderr,
      new RegExp(
        `skipping release record ${corruptNs}/sh\\.helm\\.release\\.v1\\.bomb\\.v1 cannot be decoded \\(gzip:`,
      ),
    );

    // Commands on the corrupt release itself still refuse, naming it, with a hint and no stack trace.
    const history = await rayctl(['-n', corruptNs, 'history', 'bomb']);
    assert.equal(history.code, 1);
    assert.match(history.stderr, /cannot be decoded[\s\S]*kubectl get secret/);
    assert.doesNotMatch(history.stderr, /looks like a bug|\n {4}at /);
  });
});

describe('connection problems are one clear line', () => {
  const kubeconfig = (server: string, user: Record<string, string>) => {
    const file = join(scratch, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'test-context', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'test-context',
      }),
    );
    return file;
  };

  it('no kubeconfig at all', async () => {
    const result = await rayctl(['list'], { KUBECONFIG: '', HOME: scratch });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Error: no kubeconfig found: KUBECONFIG is unset and ~\/\.kube\/config does not exist\nHint: /,
    );
  });

  it('a KUBECONFIG that names nothing', async () => {
    const result = await rayctl(['list'], { KUBECONFIG: '/nonexistent/config' });
    assert.match(result.stderr, /KUBECONFIG names no existing file \(\/nonexistent\/config\)/);
  });

  it('an unknown --kube-context lists the contexts', async () => {
    const result = await rayctl(['list', '--kube-context', 'nope']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /kubeconfig has no context "nope"/);
  });

  it('an unreachable server names the URL, context and call', async () => {
    const result = await rayctl(['list', '-n', 'x'], { KUBECONFIG: kubeconfig('https://127.0.0.1:1', { token: 't' }) });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1 \(context "test-context"\) to list secrets in namespace "x": connection refused/,
    );
  });

  it('rejected credentials', async () => {
    const result = await rayctl(['list', '-n', 'x'], {
      KUBECONFIG: kubeconfig(cluster.server, { token: 'not-a-token' }),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials of context "test-context" \(expired or invalid\) while trying to list secrets/,
    );
  });

  it('a 403 names the verb and resource', async () => {
    const impersonating = await cluster.impersonatedKubeconfig(`system:serviceaccount:${ns}:nobody`);
    const result = await rayctl(['list', '-n', ns], { KUBECONFIG: impersonating });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`forbidden: cannot list secrets in namespace "${ns}"`));
  });
});
