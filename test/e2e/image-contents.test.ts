// No Docker engine here, so the image is checked by its contents: the files the Dockerfile's runtime stage copies
// (no node_modules) must make a working rayctl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
const copied = [...runtimeStage.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((m) => m[1]!);
const image = mkdtempSync(join(tmpdir(), 'rayctl-image-'));
after(() => rmSync(image, { recursive: true, force: true }));
for (const path of copied) cpSync(join(root, path), join(image, path), { recursive: true });
const rayctl = (...args: string[]) =>
  spawnSync(process.execPath, [join(image, 'bin', 'rayctl.cjs'), ...args], { encoding: 'utf8', cwd: tmpdir() });

describe('the operator image contents', () => {
  it('copy the bundle and the chart, not node_modules', () => {
    assert.deepEqual(copied, ['package.json', 'bin', 'dist', 'templates', 'values']);
    assert.match(runtimeStage, /^USER 1000:1000$/m);
    assert.match(runtimeStage, /^ENTRYPOINT \["rayctl"\]$/m);
  });

  it('run rayctl: version, template (chart and schema inside the bundle) and the operator command', () => {
    const version = rayctl('--version');
    assert.equal(version.status, 0, version.stderr);
    const rendered = rayctl('template', 'x', '--cluster-only', '--set', 'podTypes.rayWorkerType.minWorkers=1');
    assert.equal(rendered.status, 0, rendered.stderr);
    assert.match(rendered.stdout, /kind: RayCluster/);
    const help = rayctl('operator', '--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /--leader-elect/);
  });

  it("the chart's operator Deployment, given this image as operatorImage, runs what the image provides", () => {
    const deployment = rayctl(
      'template',
      'x',
      '--operator-only',
      '--set',
      'operatorImage=registry.example/rayctl/operator:0.1.0',
      '--show-only',
      'templates/operator-deployment.yaml',
    ).stdout;
    assert.match(deployment, /command:\n\s+- rayctl\n\s+- operator\n/);
    assert.match(deployment, /runAsUser: 1000/);
  });
});
