// Nothing of the process nodes survives a SIGKILLed harness: the reaper removes pod processes (daemons
// included), namespaces, veths, the bridge, cgroups, the cluster's directory, and the link (and so the route) that
// made the simulated pods' addresses local.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { eventually } from './support/cluster.ts';

interface Made {
  dir: string;
  cgroup: string;
  bridge: string;
  simulatedPodLink: string;
  marker: string;
}

const processesNamed = (marker: string) =>
  spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
const linkExists = (name: string) => spawnSync('ip', ['link', 'show', name]).status === 0;

it('a SIGKILLed harness leaves no pod process, namespace, veth, bridge, route, cgroup or directory', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/support/crash-harness.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const made = await eventually(
    'the harness running a pod',
    () => (out.includes('\n') ? (JSON.parse(out) as Made) : undefined),
    120_000,
  );
  assert.equal(processesNamed(made.marker).length, 2);
  assert.ok(existsSync(`/${made.marker}/scratch`), "the pod's mount point on the host");
  assert.ok(linkExists(made.bridge));
  const simulatedPodRoutes = () =>
    spawnSync('ip', ['-4', '-o', 'route', 'show', 'table', 'all', 'dev', made.simulatedPodLink], {
      encoding: 'utf8',
    }).stdout.trim();
  assert.match(simulatedPodRoutes(), /^local 10\.\d+\.0\.0\/16 /, "the simulated pods' addresses are local");
  const veths = () =>
    spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes(made.bridge.slice(4)));
  assert.ok(veths().length >= 2, 'the bridge and the pod veth exist');

  child.kill('SIGKILL');
  await eventually('the reaper to clean up', () => !existsSync(made.dir), 60_000);
  assert.deepEqual(processesNamed(made.marker), []);
  assert.equal(linkExists(made.bridge), false);
  assert.equal(linkExists(made.simulatedPodLink), false);
  assert.equal(simulatedPodRoutes(), '');
  assert.deepEqual(veths(), []);
  assert.equal(existsSync(made.cgroup), false);
  assert.equal(existsSync(`/${made.marker}`), false, "the pod's mount point is gone");
  assert.equal(spawnSync('pgrep', ['-f', made.dir]).status, 1, 'no control plane process is left');
});
