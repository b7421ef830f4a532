// Shell completion against the API server: release, RayCluster and namespace names come from the cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { completionScript } from '../../src/cli/completion.ts';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const cluster = await testCluster();
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'completion');
cleanupReleases(cluster, () => [{ name: 'comp-a', namespace: ns }]);

/** `rayctl __complete -- WORDS…` as the shell scripts call it; it must never fail or write to stderr. */
const complete = async (words: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => {
  const result = await rayctl(['__complete', '--', ...words], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  return result.stdout;
};

describe('completion from the cluster', () => {
  before(async () => {
    const install = await rayctl(['-n', ns, 'install', 'comp-a', '--cluster-only']);
    assert.equal(install.code, 0, install.stderr);
  });

  it('completes the releases of the namespace given by -n (or RAYCTL_NAMESPACE), for status but not install', async () => {
    assert.equal(await complete(['-n', ns, 'status', '']), 'comp-a\n:4\n');
    assert.equal(await complete(['status', '--namespace', ns, 'comp']), 'comp-a\n:4\n');
    assert.equal(await complete(['history', 'x'], { RAYCTL_NAMESPACE: ns }), ':4\n');
    assert.equal(await complete(['history', ''], { RAYCTL_NAMESPACE: ns }), 'comp-a\n:4\n');
    assert.equal(await complete(['-n', ns, 'install', '']), ':4\n');
  });

  it('completes RayCluster names for scale and --cluster, and namespace names for -n', async () => {
    assert.equal(await complete(['-n', ns, 'scale', '']), 'comp-a\n:4\n');
    assert.equal(await complete(['-n', ns, 'logs', '--cluster', '']), 'comp-a\n:4\n');
    assert.equal(await complete(['-n', ns.slice(0, -2)]), `${ns}\n:4\n`);
  });

  it('gives no candidates, quietly, for a context that does not exist', async () => {
    assert.equal(await complete(['--kube-context', 'no-such-context', '-n', ns, 'status', '']), ':4\n');
  });

  it('bash: the completion script offers the release (rayctl as installed: bin/rayctl.cjs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rayctl-completion-e2e-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rayctl'), `#!/bin/sh\nexec "${process.execPath}" "${RAYCTL_BIN}" "$@"\n`);
    chmodSync(join(dir, 'rayctl'), 0o755);
    writeFileSync(join(dir, 'rayctl.bash'), completionScript('bash'));
    const line = `rayctl -n ${ns} uninstall co`;
    const result = spawnSync(
      'bash',
      [
        '-c',
        `source ${dir}/rayctl.bash; COMP_LINE='${line}'; COMP_POINT=${line.length}; ` +
          `COMP_WORDS=(${line}); COMP_CWORD=4; _rayctl_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH: `${dir}:${process.env.PATH}` },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'comp-a\n');
  });
});
