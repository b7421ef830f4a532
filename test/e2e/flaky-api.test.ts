// A flaky API server in the middle of a command: `install --wait` makes hundreds of calls, and a restart of the API
// server among them is waited out (retries in the client, transient failures in the wait loop), not a failed release.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const cluster = await testCluster();
const ns = await tempNamespace(cluster, 'flaky');
cleanupReleases(cluster, () => [{ name: 'steady', namespace: ns }]);

describe('a flaky API server', () => {
  const operator = startOperator(cluster, ['-n', ns]);
  after(() => operator.stop());

  it('install --wait succeeds across an API server restart, and --debug says how often it retried', async () => {
    const child = spawn(
      process.execPath,
      [RAYCTL_BIN, '-n', ns, 'install', 'steady', '--cluster-only', '--wait', '--timeout', '3m', '--debug'],
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await eventually('the install to be waiting', () => Promise.resolve(stderr.includes('waiting for')));
    await cluster.restartApiServer();
    assert.equal(await exited, 0, stderr.slice(-2000));
    const retried = /api: (\d+) calls were sent again in all/.exec(stderr);
    assert.ok(retried && Number(retried[1]) > 0, 'the retries are reported under --debug');
    const release = await rayctlOn(cluster)(['-n', ns, 'status', 'steady', '-o', 'json']);
    assert.equal((JSON.parse(release.stdout) as { info: { status: string } }).info.status, 'deployed');
  });
});
