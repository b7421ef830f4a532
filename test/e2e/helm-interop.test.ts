// rayctl and the real helm (3 and 4) read and change each other's releases.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { adminFor, cleanupReleases, rayctlOn, releaseSecrets, tool } from './support/releases.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'interop');
const tinyChart = fileURLToPath(new URL('../fixtures/tiny-chart', import.meta.url));
cleanupReleases(cluster, () => [
  { name: 'ours', namespace: ns },
  { name: 'theirs', namespace: ns },
]);

const must = async (what: Promise<{ code: number; stdout: string; stderr: string }>) => {
  const result = await what;
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

describe('helm on a rayctl release', () => {
  it('helm status, history, get values and get manifest agree with rayctl', async () => {
    await must(rayctl(['-n', ns, 'install', 'ours', '--cluster-only', '--min-workers', 'rayWorkerType=1']));
    await must(rayctl(['-n', ns, 'upgrade', 'ours', '--reuse-values', '--max-workers', 'rayWorkerType=5']));
    for (const helm of ['helm3', 'helm4']) {
      const status = JSON.parse(await must(tool(cluster, helm, ['-n', ns, 'status', 'ours', '-o', 'json']))) as {
        version: number;
        info: { status: string };
      };
      assert.deepEqual([status.version, status.info.status], [2, 'deployed'], helm);
      const history = JSON.parse(await must(tool(cluster, helm, ['-n', ns, 'history', 'ours', '-o', 'json']))) as {
        revision: number;
        status: string;
      }[];
      assert.deepEqual(
        history.map((h) => [h.revision, h.status]),
        [
          [1, 'superseded'],
          [2, 'deployed'],
        ],
        helm,
      );
      const values = JSON.parse(
        await must(tool(cluster, helm, ['-n', ns, 'get', 'values', 'ours', '-o', 'json'])),
      ) as unknown;
      assert.deepEqual(values, JSON.parse(await must(rayctl(['-n', ns, 'get', 'values', 'ours', '-o', 'json']))), helm);
      // helm prints one more newline after the manifest.
      const theirs = await must(tool(cluster, helm, ['-n', ns, 'get', 'manifest', 'ours']));
      assert.equal(theirs.trimEnd(), (await must(rayctl(['-n', ns, 'get', 'manifest', 'ours']))).trimEnd(), helm);
    }
  });

  it('helm rollback works on it, and rayctl sees the new revision', async () => {
    await must(tool(cluster, 'helm3', ['-n', ns, 'rollback', 'ours', '1']));
    const rows = JSON.parse(await must(rayctl(['-n', ns, 'history', 'ours', '-o', 'json']))) as {
      revision: number;
      status: string;
      description: string;
    }[];
    assert.deepEqual(rows.at(-1), { ...rows.at(-1), revision: 3, status: 'deployed', description: 'Rollback to 1' });
    const cluster_ = await client.get<{ spec: { maxWorkers: number } }>(
      `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/ours`,
    );
    assert.equal(cluster_.spec.maxWorkers, 3, 'revision 1 had the default maxWorkers');
    await must(rayctl(['-n', ns, 'upgrade', 'ours', '--reuse-values', '--min-workers', 'rayWorkerType=0']));
  });

  it('helm 4 uninstalls it completely', async () => {
    await must(tool(cluster, 'helm4', ['-n', ns, 'uninstall', 'ours', '--wait']));
    assert.equal(
      (await client.request('GET', `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/ours`)).status,
      404,
    );
    assert.deepEqual(
      (await releaseSecrets(client, ns)).filter((s) => s.metadata.labels.name === 'ours'),
      [],
    );
  });
});

describe('rayctl on a helm release', () => {
  it('lists, shows and uninstalls a release that helm installed from another chart', async () => {
    await must(tool(cluster, 'helm3', ['-n', ns, 'install', 'theirs', tinyChart, '--set', 'greeting=hi']));
    const listed = JSON.parse(await must(rayctl(['-n', ns, 'list', '-o', 'json']))) as {
      name: string;
      chart: string;
      status: string;
    }[];
    assert.deepEqual(
      listed.map((r) => [r.name, r.chart, r.status]),
      [['theirs', 'tiny-0.1.0', 'deployed']],
    );
    assert.match(
      await must(rayctl(['-n', ns, 'status', 'theirs'])),
      /STATUS: deployed\nREVISION: 1\nCHART: tiny-0.1.0/,
    );
    assert.equal(await must(rayctl(['-n', ns, 'get', 'values', 'theirs'])), 'greeting: hi\n');
    assert.match(
      await must(rayctl(['-n', ns, 'get', 'manifest', 'theirs'])),
      /kind: ConfigMap\nmetadata:\n {2}name: 'theirs-tiny'/,
    );
    await must(rayctl(['-n', ns, 'uninstall', 'theirs']));
    assert.equal((await client.request('GET', `/api/v1/namespaces/${ns}/configmaps/theirs-tiny`)).status, 404);
    assert.equal(await must(tool(cluster, 'helm3', ['-n', ns, 'list', '-q'])), '');
  });
});
