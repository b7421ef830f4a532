// rayctl as users install it: `npm pack` gives a tarball that `npm install -g` installs as a self-contained command
// (no dependencies to fetch, nothing pointing back at this checkout), and the operator bundle runs on its own with
// no node_modules anywhere.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../cluster/paths.ts';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-package-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const run = (command: string, args: string[], cwd: string) =>
  spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, KUBECONFIG: cluster.kubeconfig } });

describe('the npm package', () => {
  it('installs from its tarball as a self-contained command that runs without the checkout', () => {
    const packed = run('npm', ['pack', '--pack-destination', scratch], repoRoot);
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    const prefix = join(scratch, 'prefix');
    // --offline: the package has no dependencies to fetch; everything is in its bundle.
    const installed = run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(scratch, tarball)],
      scratch,
    );
    assert.equal(installed.status, 0, installed.stderr);
    rmSync(join(scratch, tarball));
    const packageDir = join(prefix, 'lib', 'node_modules', 'rayctl');
    assert.equal(lstatSync(packageDir).isSymbolicLink(), false, 'a copy, not a link to the checkout');
    const rayctl = join(prefix, 'bin', 'rayctl');
    const version = run(rayctl, ['version'], '/');
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^rayctl 0\.1\.0\nKubernetes v1\.36\.3\n/);
    const template = run(rayctl, ['template', 'x', '--show-only', 'templates/operator-bundle.yaml'], '/');
    assert.equal(template.status, 0, template.stderr);
    assert.match(template.stdout, /kind: ConfigMap\n/);
  });
});

describe('the operator bundle', () => {
  it('runs on its own, with no node_modules, and reconciles', async () => {
    const ns = await tempNamespace(cluster, 'bundle-alone');
    cleanupReleases(cluster, () => [{ name: 'alone', namespace: ns }]);
    const dir = join(scratch, 'operator');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    copyFileSync(join(repoRoot, 'dist', 'operator.mjs'), join(dir, 'operator.mjs'));
    const operator = spawn(
      process.execPath,
      ['operator.mjs', '-n', ns, '--metrics-addr', '0', '--kubeconfig', cluster.kubeconfig],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    operator.stdout.on('data', (d: Buffer) => (output += d.toString()));
    operator.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => operator.on('exit', (code) => resolve(code)));
    try {
      // The install brings the CRD, which the operator waits for on a new cluster.
      const rayctl = rayctlOn(cluster);
      const install = await rayctl(['-n', ns, 'install', 'alone', '--cluster-only']);
      assert.equal(install.code, 0, install.stderr);
      await eventually('the bundle creating the head pod', () =>
        new RegExp(`^alone,${ns}:.*created head pod`, 'm').test(output),
      );
    } finally {
      operator.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  });
});
