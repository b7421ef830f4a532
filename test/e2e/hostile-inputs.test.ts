// The standing hostile-input suite (corpus in ./hostile/corpus.ts): every case against the CLI with the test cluster
// as its cluster, each in a child process with a small heap, so a bomb shows as a crash, not as a slow machine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { hostileCases } from './hostile/corpus.ts';
import { adminFor } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const ns = await tempNamespace(cluster, 'hostile');
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-hostile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const cases = hostileCases(scratch, ns);
/** Far below the machine's memory: inputs that would expand without bound hit this first. */
const HEAP_MB = 192;

function run(args: string[], kubeconfig: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, RAYCTL_BIN, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/**
 * What rayctl could have written in the namespace and cluster-wide, by name and resourceVersion. (Not the list of
 * namespaces: those of earlier test files are still being deleted while this runs.)
 */
async function snapshot(): Promise<string[]> {
  const paths = [
    `/api/v1/namespaces/${ns}/secrets`,
    `/api/v1/namespaces/${ns}/configmaps`,
    `/api/v1/namespaces/${ns}/serviceaccounts`,
    `/apis/apps/v1/namespaces/${ns}/deployments`,
    `/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters`,
    '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
  ];
  const lists = await Promise.all(
    paths.map((p) =>
      client.get<{ items: { metadata: { name: string; resourceVersion: string } }[] }>(p).catch(() => ({ items: [] })),
    ),
  );
  return lists.flatMap((l, i) => l.items.map((o) => `${paths[i]}/${o.metadata.name}@${o.metadata.resourceVersion}`));
}

const refusedCleanly: string[] = [];
let before_: string[] = [];

describe(`hostile inputs (${cases.length} cases)`, () => {
  before(async () => {
    before_ = await snapshot();
  });
  after(() => {
    const categories = [...new Set(cases.map((c) => c.category))].join(', ');
    process.stdout.write(
      `hostile inputs: ${cases.length} tried, ${refusedCleanly.length} refused cleanly (categories: ${categories})\n`,
    );
  });

  for (const hostile of cases) {
    it(`${hostile.category}: ${hostile.what} is refused in one line naming it`, async () => {
      const { code, stderr } = await run(hostile.args, hostile.kubeconfig ?? cluster.kubeconfig);
      const first = stderr.split('\n')[0] ?? '';
      assert.ok(code !== 0 && code !== null, `exit ${code}: ${stderr.slice(0, 500)}`);
      assert.doesNotMatch(stderr, /FATAL ERROR|heap out of memory/, 'ran out of memory');
      assert.doesNotMatch(stderr, /looks like a bug|\n {4}at /, `a stack trace or "bug": ${stderr.slice(0, 800)}`);
      assert.match(first, /^(Error|error): /, `first line: ${first}`);
      assert.match(first, hostile.names, `the first line names the input: ${first}`);
      if (hostile.never) assert.doesNotMatch(stderr, hostile.never, 'a secret from the input was printed');
      refusedCleanly.push(hostile.what);
    });
  }

  it('left the cluster as it was', async () => {
    assert.deepEqual(await snapshot(), before_);
  });
});
