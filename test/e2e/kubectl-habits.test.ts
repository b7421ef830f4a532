// kubectl's and helm's listing habits on a real API server: `get clusters` -o wide|name|jsonpath, -l and -w (an update
// printed when a cluster scales), `status` --show-resources/--show-desc/-o jsonpath, `list` paging and Go time
// layouts, custom release labels (`--labels`, `list -l`, `get metadata`), `scale --min/--max-workers`,
// `rollback --dry-run`, `--take-ownership` and `uninstall --dry-run/--description`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';
import type { RayCluster } from '../../src/operator/types.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'habits');
cleanupReleases(cluster, () => ['alpha', 'beta', 'adopted'].map((name) => ({ name, namespace: ns })));

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result;
};
const getCluster = (name: string) =>
  client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/${name}`);

describe('listing and watching like kubectl', () => {
  before(async () => {
    startOperator(cluster, ['-n', ns]);
    await ok(['install', 'alpha', '--cluster-only', '--labels', 'team=ml,tier=gold', '--wait']);
    await ok(['install', 'beta', '--cluster-only', '--set', 'podTypes.rayWorkerType.minWorkers=0', '--wait']);
  });

  it('get clusters -o name, -o wide, -o jsonpath, -l', async () => {
    assert.equal(
      (await ok(['get', 'clusters', '-o', 'name'])).stdout,
      'raycluster.cluster.ray.io/alpha\nraycluster.cluster.ray.io/beta\n',
    );
    const wide = (await ok(['get', 'clusters', '-o', 'wide'])).stdout.split('\n');
    assert.match(
      wide[0]!,
      /^NAME +NAMESPACE +RELEASE +PHASE +WORKERS \(READY\/DESIRED\) +OPERATOR +AGE +RESTARTS +AUTOSCALER$/,
    );
    assert.match(wide[1]!, /^alpha +habits-\w+ +alpha +Running +rayWorkerType 2\/2 /);
    const jsonpath = await ok(['get', 'clusters', '-o', 'jsonpath={range .items[*]}{.name}={.phase};{end}']);
    assert.equal(jsonpath.stdout, 'alpha=Running;beta=Running;');
    await client.json(
      'PATCH',
      `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/beta`,
      { metadata: { labels: { team: 'search' } } },
      'application/merge-patch+json',
    );
    const selected = await ok(['get', 'clusters', '-l', 'team=search', '-o', 'name']);
    assert.equal(selected.stdout, 'raycluster.cluster.ray.io/beta\n');
    const bad = await rayctl(['-n', ns, 'get', 'clusters', '-o', 'jsonpath={.items[*].name']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /-o jsonpath: unclosed \{/);
  });

  it('get clusters -w prints the listing, then a line when a cluster scales', async () => {
    const child = spawn(process.execPath, [RAYCTL_BIN, '-n', ns, 'get', 'clusters', '-w'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually('the first listing', () => Promise.resolve(/^beta .*\n/m.test(out)));
      const listed = out.split('\n').length;
      await ok(['scale', 'beta', '--pod-type', 'rayWorkerType', '--workers', '1']);
      await eventually('a row for beta with one ready worker', () =>
        Promise.resolve(
          out
            .split('\n')
            .slice(listed - 1)
            .some((line) => /^beta +habits-\w+ +beta +Running +rayWorkerType 1\/1 /.test(line)),
        ),
      );
      assert.match(out.split('\n')[0]!, /^NAME +NAMESPACE/, 'one header, at the top');
      assert.equal(out.match(/^NAME /gm)?.length, 1);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, 'Ctrl-C ends the watch cleanly');
  });

  it('scale --min-workers/--max-workers moves the bounds, checked with the workers as a whole', async () => {
    await ok(['scale', 'beta', '--pod-type', 'rayWorkerType', '--max-workers', '6', '--workers', '5']);
    const beta = (await getCluster('beta')).spec.podTypes.find((t) => t.name === 'rayWorkerType');
    assert.equal(beta?.maxWorkers, 6);
    assert.equal(beta?.desiredWorkers, 5);
    const refused = await rayctl(['-n', ns, 'scale', 'beta', '--pod-type', 'rayWorkerType', '--max-workers', '3']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the current desiredWorkers 5 is outside rayWorkerType's range \[0, 3\]/);
    assert.equal((await getCluster('beta')).spec.podTypes.find((t) => t.name === 'rayWorkerType')?.maxWorkers, 6);
    await ok(['scale', 'beta', '--pod-type', 'rayWorkerType', '--workers', '1']);
  });

  it('status --show-resources lists the objects live; --show-desc adds the description; -o jsonpath', async () => {
    const plain = (await ok(['status', 'alpha'])).stdout;
    assert.doesNotMatch(plain, /^DESCRIPTION:/m, 'as helm: the description only with --show-desc');
    const full = (await ok(['status', 'alpha', '--show-resources', '--show-desc'])).stdout;
    assert.match(full, /^DESCRIPTION: Install complete$/m);
    assert.match(
      full,
      /^RESOURCES:\nKIND +NAME +NAMESPACE +STATE +AGE\nRayCluster +alpha +habits-\w+ +Running +\d+s$/m,
    );
    assert.equal((await ok(['status', 'alpha', '-o', 'jsonpath={.info.status}/{.version}'])).stdout, 'deployed/1');
  });

  it('custom labels: on the records, selectable by list -l, shown by get metadata, merged by upgrade', async () => {
    assert.equal((await ok(['list', '-l', 'team=ml', '-q'])).stdout, 'alpha\n');
    const secret = await client.get<{ metadata: { labels: Record<string, string> } }>(
      `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.alpha.v1`,
    );
    assert.equal(secret.metadata.labels.team, 'ml');
    assert.equal(secret.metadata.labels.owner, 'helm');
    await ok(['upgrade', 'alpha', '--reuse-values', '--labels', 'tier=null,env=prod']);
    const metadata = (await ok(['get', 'metadata', 'alpha'])).stdout;
    assert.match(metadata, /^NAME: alpha$/m);
    assert.match(metadata, /^LABELS: env=prod,team=ml$/m);
    assert.match(metadata, /^REVISION: 2$/m);
    const json = JSON.parse((await ok(['get', 'metadata', 'alpha', '-o', 'json'])).stdout) as Record<string, unknown>;
    assert.deepEqual(json.labels, { team: 'ml', env: 'prod' });
    const reserved = await rayctl(['-n', ns, 'upgrade', 'alpha', '--reuse-values', '--labels', 'owner=me']);
    assert.equal(reserved.code, 2);
    assert.match(reserved.stderr, /"owner" is a label helm's release records keep for themselves/);
  });

  it('list --filter, --max/--offset, -r, --no-headers, --time-format', async () => {
    assert.equal((await ok(['list', '--filter', '^b', '-q'])).stdout, 'beta\n');
    assert.equal((await ok(['list', '-q', '--max', '1', '--offset', '1'])).stdout, 'beta\n');
    assert.equal((await ok(['list', '-q', '-r'])).stdout, 'beta\nalpha\n');
    const bare = (await ok(['list', '--no-headers'])).stdout;
    assert.doesNotMatch(bare, /NAME/);
    assert.match(bare, /^alpha +habits-\w+ +2 /m);
    const layout = (await ok(['list', '--time-format', '2006-01-02T15:04:05Z07:00', '-o', 'json'])).stdout;
    const updated = (JSON.parse(layout) as { updated: string }[]).map((r) => r.updated);
    assert.ok(
      updated.every((u) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(u)),
      updated.join(' '),
    );
  });

  it('rollback --dry-run shows the revision it would write and changes nothing', async () => {
    const result = await ok(['rollback', 'alpha', '--dry-run']);
    assert.match(result.stdout, /^REVISION: 3$/m);
    assert.match(result.stdout, /^STATUS: pending-rollback$/m);
    assert.match(result.stdout, /^DESCRIPTION: Dry run complete \(rollback to 1\)$/m);
    assert.equal((await ok(['history', 'alpha', '-o', 'json'])).stdout.match(/"revision"/g)?.length, 2);
  });
});

describe('adopting and uninstalling', () => {
  it('--take-ownership adopts an object made outside rayctl, which is refused without it', async () => {
    await client.json('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ray-operator-bundle' },
      data: { made: 'by hand' },
    });
    // A namespaced operator release renders the operator's ConfigMap into the release namespace.
    const args = ['install', 'adopted', '--operator-only', '--set', 'namespacedOperator=true'];
    const refused = await rayctl(['-n', ns, ...args]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /ConfigMap "ray-operator-bundle" .* exists and cannot be imported/);
    assert.match(refused.stderr, /--take-ownership/);
    const adopted = await ok([...args, '--take-ownership']);
    assert.match(
      adopted.stderr,
      /--take-ownership: ConfigMap "ray-operator-bundle" .*now belongs to release "adopted" \(was: no release\)/,
    );
    const configMap = await client.get<{ metadata: { annotations: Record<string, string> } }>(
      `/api/v1/namespaces/${ns}/configmaps/ray-operator-bundle`,
    );
    assert.equal(configMap.metadata.annotations['meta.helm.sh/release-name'], 'adopted');
  });

  it('uninstall --dry-run changes nothing; --description is kept with --keep-history', async () => {
    // The adopted release runs an operator for this namespace's clusters: --force leaves them be.
    const dry = await ok(['uninstall', 'adopted', '--dry-run', '--force']);
    assert.match(dry.stdout, /would delete ConfigMap "ray-operator-bundle"/);
    assert.equal((await client.request('GET', `/api/v1/namespaces/${ns}/configmaps/ray-operator-bundle`)).status, 200);
    await ok(['uninstall', 'adopted', '--force', '--keep-history', '--description', 'retired for ray-2']);
    const history = JSON.parse((await ok(['history', 'adopted', '-o', 'json'])).stdout) as { description: string }[];
    assert.equal(history.at(-1)?.description, 'retired for ray-2');
    await ok(['uninstall', 'adopted']);
  });
});
