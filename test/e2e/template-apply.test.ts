// The rendered manifests are valid for a real API server: the CRD installs and becomes Established, and every
// chart mode is accepted by `kubectl apply --dry-run=server` (full validation, RayCluster against the CRD schema).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runRayctl } from './support/run-rayctl.ts';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';

const cluster = await testCluster();
const namespace = await tempNamespace(cluster, 'template');

async function kubectl(args: string[], input: string): Promise<{ code: number; out: string }> {
  const child = spawn(join(cluster.binDir, 'kubectl'), ['--kubeconfig', cluster.kubeconfig, ...args]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(input);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, out };
}

async function rendered(args: string[]): Promise<string> {
  const result = await runRayctl(['template', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

describe('rendered manifests against the API server', () => {
  // Every test below needs the CRD; installing it is also the first check.
  before(async () => {
    const crds = await rendered(['--include-crds', '--show-only', 'crds/rayclusters.cluster.ray.io.yaml']);
    const applied = await kubectl(['apply', '--server-side', '-f', '-'], crds);
    assert.equal(applied.code, 0, applied.out);
    await eventually('the RayCluster CRD to be Established', async () => {
      const status = await kubectl(
        [
          'get',
          'crd',
          'rayclusters.cluster.ray.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ],
        '',
      );
      return status.out.trim() === 'True';
    });
  });

  for (const [mode, args] of [
    ['defaults (operator and cluster)', []],
    ['operator only', ['--operator-only', '--operator-namespace', 'default']],
    ['cluster only', ['--cluster-only']],
    ['namespaced operator', ['--namespaced-operator']],
    ['cluster only with no minimum workers', ['-f', 'values/examples/cluster-only.yaml']],
    ['GPU workers', ['-f', 'values/examples/gpu-workers.yaml']],
  ] as const) {
    it(`${mode}: kubectl apply --dry-run=server accepts every object`, async () => {
      const manifest = await rendered(['example-cluster', '-n', namespace, ...args]);
      const result = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], manifest);
      assert.equal(result.code, 0, result.out);
      const objectCount = manifest.split('\n---\n').length;
      assert.equal(result.out.trim().split('\n').length, objectCount, result.out);
    });
  }

  it('the API server rejects a RayCluster that breaks the CRD schema (the schema is enforced)', async () => {
    const manifest = (await rendered(['bad', '-n', namespace, '--cluster-only'])).replace(
      'headPodType: rayHeadType',
      'headPodType: 7',
    );
    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], manifest);
    assert.notEqual(result.code, 0);
    assert.match(result.out, /\.spec\.headPodType: expected string/);
  });
});
