// helm's global Kubernetes flags (--kube-as-user, --kube-token, --kube-apiserver, TLS) and the client-side rate
// limit, against the real API server: its RBAC sees who rayctl acts as, its certificate what rayctl verifies.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterState, freePorts } from '../cluster/cluster.ts';
import { admin, tempNamespace, testCluster } from './support/cluster.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const client = admin(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'kube-flags');
const caFile = clusterState(cluster).caFile;
cleanupReleases(cluster, () => [{ name: 'limited', namespace: ns }]);

const dir = mkdtempSync(join(tmpdir(), 'rayctl-kube-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The admin kubeconfig without its certificate authority: the server's certificate cannot be verified. */
function kubeconfigWithoutCa(): string {
  const config = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  for (const entry of config.clusters) delete entry.cluster['certificate-authority'];
  const path = join(dir, 'no-ca.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const ok = (result: { code: number; stderr: string }, what: string) =>
  assert.equal(result.code, 0, `${what}\n${result.stderr}`);

describe('global Kubernetes flags reach the API server', () => {
  it('--kube-as-user impersonates: RBAC refuses "nobody", and lets it in with --kube-as-group system:masters', async () => {
    const refused = await rayctl(['list', '-n', ns, '--kube-as-user', 'nobody']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /forbidden: .*User "nobody" cannot list resource "secrets"/);
    ok(await rayctl(['list', '-n', ns, '--kube-as-user', 'nobody', '--kube-as-group', 'system:masters']), 'masters');
    // helm's environment variables do the same, and a flag wins over them.
    const fromEnv = await rayctl(['list', '-n', ns], { HELM_KUBEASUSER: 'nobody' });
    assert.match(fromEnv.stderr, /User "nobody" cannot list/);
    const rayctlEnv = await rayctl(['list', '-n', ns], { HELM_KUBEASUSER: 'nobody', RAYCTL_KUBEASUSER: 'somebody' });
    assert.match(rayctlEnv.stderr, /User "somebody" cannot list/);
    ok(
      await rayctl(['list', '-n', ns], { HELM_KUBEASUSER: 'nobody', HELM_KUBEASGROUPS: 'devs,system:masters' }),
      'groups from HELM_KUBEASGROUPS',
    );
  });

  describe('--kube-token', () => {
    let token = '';
    before(async () => {
      await client.json('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'reader' },
      });
      const request = await client.json<{ status: { token: string } }>(
        'POST',
        `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
      );
      token = request.status.token;
    });

    it("acts as the token's ServiceAccount, not as the kubeconfig's admin certificate", async () => {
      const refused = await rayctl(['list', '-n', ns, '--kube-token', token]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(`User "system:serviceaccount:${ns}:reader" cannot list resource "secrets"`),
      );
      assert.doesNotMatch(refused.stderr, new RegExp(token.slice(-20)), 'the token is never printed');
    });

    it('an exec plugin in the kubeconfig supplies the credential (through client-node, loaded only for it)', async () => {
      const plugin = join(dir, 'token-plugin.mjs');
      writeFileSync(
        plugin,
        `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));\n`,
      );
      const config = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as { users: { user: unknown }[] };
      for (const entry of config.users) {
        entry.user = {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: [plugin],
            interactiveMode: 'Never',
          },
        };
      }
      const kubeconfig = join(dir, 'exec-plugin.json');
      writeFileSync(kubeconfig, JSON.stringify(config));
      // Only the plugin's token names the ServiceAccount; without it the server would see no user at all.
      const refused = await rayctl(['list', '-n', ns, '--kubeconfig', kubeconfig]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(`User "system:serviceaccount:${ns}:reader" cannot list resource "secrets"`),
      );
    });

    it('and gets what RBAC grants the ServiceAccount', async () => {
      await client.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'release-reader' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
      });
      await client.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'release-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'release-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      });
      ok(await rayctl(['list', '-n', ns], { HELM_KUBETOKEN: token }), 'list with the token from HELM_KUBETOKEN');
    });
  });

  it('--kube-apiserver replaces the server: a closed port is a clear connection error', async () => {
    const [port] = await freePorts(1);
    const result = await rayctl(['list', '-n', ns, '--kube-apiserver', `https://127.0.0.1:${port}`]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port} .*connection refused`),
    );
    // host:port means https, as kubectl reads --server; the real server's address works.
    ok(await rayctl(['list', '-n', ns, '--kube-apiserver', cluster.server.replace(/^https:\/\//, '')]), 'host:port');
  });

  it('TLS: without a CA the server is not trusted; --kube-insecure-skip-tls-verify or --kube-ca-file make it work', async () => {
    const kubeconfig = kubeconfigWithoutCa();
    const untrusted = await rayctl(['list', '-n', ns, '--kubeconfig', kubeconfig]);
    assert.equal(untrusted.code, 1, untrusted.stderr);
    assert.match(untrusted.stderr, /cannot reach the Kubernetes API server .*certificate/);
    ok(await rayctl(['list', '-n', ns, '--kubeconfig', kubeconfig, '--kube-insecure-skip-tls-verify']), 'insecure');
    ok(
      await rayctl(['list', '-n', ns, '--kubeconfig', kubeconfig], { HELM_KUBEINSECURE_SKIP_TLS_VERIFY: 'true' }),
      'insecure from HELM_KUBEINSECURE_SKIP_TLS_VERIFY',
    );
    ok(await rayctl(['list', '-n', ns, '--kubeconfig', kubeconfig, '--kube-ca-file', caFile]), 'CA file');
    // Insecure over a kubeconfig that has a CA is no conflict: the flag replaces the cluster's verification.
    ok(await rayctl(['list', '-n', ns, '--kube-insecure-skip-tls-verify']), 'insecure over the CA');
  });

  it("--kube-tls-server-name is the name checked in the server's certificate", async () => {
    // The API server's certificate names 127.0.0.1, localhost and kubernetes(.default...), not wrong.example.
    const right = await rayctl(['list', '-n', ns, '--kube-tls-server-name', 'kubernetes', '--debug']);
    ok(right, 'a name the certificate carries');
    // The cluster CA signs the server's certificate itself, so Node's bundled roots are not needed (direct-trust.ts).
    assert.match(right.stderr, /^tls: the server's certificate is signed by the kubeconfig's CA/m);
    const wrong = await rayctl(['list', '-n', ns, '--kube-tls-server-name', 'wrong.example', '--debug']);
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /wrong\.example/);
    // Refused by the direct check, and then by OpenSSL on a second connection; no call was made.
    assert.match(wrong.stderr, /^tls: Hostname\/IP does not match certificate's altnames: .*; connecting again/m);
    assert.doesNotMatch(wrong.stderr, /^api: /m);
  });

  it('bad flags are refused before anything is sent, naming the flag', async () => {
    for (const [args, env, code, message] of [
      [['--kube-ca-file', '/nonexistent/ca.crt'], {}, 1, /--kube-ca-file: \/nonexistent\/ca\.crt cannot be read/],
      [
        ['--kube-ca-file', caFile, '--kube-insecure-skip-tls-verify'],
        {},
        2,
        /--kube-ca-file and --kube-insecure-skip-tls-verify cannot both be given/,
      ],
      [['--kube-apiserver', 'https://[::1'], {}, 2, /--kube-apiserver "https:\/\/\[::1" is not a URL/],
      [['--qps', 'fast'], {}, 2, /--qps must be a number ≥ 0/],
      [['--burst-limit', '-1'], {}, 2, /--burst-limit must be a whole number ≥ 0/],
      [[], { HELM_QPS: '-5' }, 2, /HELM_QPS must be a number ≥ 0/],
    ] as const) {
      const result = await rayctl(['list', '-n', ns, '--debug', ...args], env);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /^api: /m, `${args.join(' ')}: no call was made`);
    }
    const operator = await rayctl(['operator', '--qps', 'x', '--metrics-addr', '0']);
    assert.equal(operator.code, 2, operator.stderr);
    assert.match(operator.stderr, /--qps must be a number ≥ 0/);
  });
});

describe('client-side rate limiting', () => {
  it('--qps and --burst-limit space the calls out, and --debug says how long they waited', async () => {
    const started = performance.now();
    const result = await rayctl([
      '-n',
      ns,
      'install',
      'limited',
      '--cluster-only',
      '--qps',
      '5',
      '--burst-limit',
      '1',
      '--debug',
    ]);
    const seconds = (performance.now() - started) / 1000;
    ok(result, 'install under a tight limit');
    const calls = (result.stderr.match(/^api: (GET|POST|PUT|PATCH|DELETE) /gm) ?? []).length;
    const waited =
      /^api: (\d+) calls waited (\d+) ms in all for the client-side rate limit \(--qps 5, --burst-limit 1\)$/m.exec(
        result.stderr,
      );
    assert.ok(waited, `--debug reports the waits:\n${result.stderr.slice(-1500)}`);
    assert.ok(calls >= 3, `install made ${calls} calls`);
    // After the first call, one call every 200 ms: the waits add up to about (calls - 1) × 200 ms.
    assert.ok(Number(waited[2]) >= (calls - 2) * 200 - 200, `${waited[0]} for ${calls} calls`);
    assert.ok(seconds >= ((calls - 2) * 200) / 1000, `the command took ${seconds.toFixed(1)} s for ${calls} calls`);
    // The default limit does not hold a command back: no such line.
    const unlimited = await rayctl(['-n', ns, 'status', 'limited', '--debug']);
    ok(unlimited, 'status');
    assert.doesNotMatch(unlimited.stderr, /for the client-side rate limit/);
  });
});
