// The README cannot drift from the tool: every line of the code blocks marked <!-- readme-test --> runs here, as
// written, against the local control plane with an operator running, and must succeed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testCluster } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/<!-- readme-test -->\s*```sh\n([\s\S]*?)```/g)].map((m) =>
  m[1]!
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);
const headingOf = (index: number) => {
  const at = readme.indexOf(blocks[index]![0]!);
  return [...readme.slice(0, at).matchAll(/^#{2,} (.+)$/gm)].at(-1)?.[1] ?? `block ${index + 1}`;
};

const cluster = await testCluster();
const client = adminFor(cluster);
const shims = mkdtempSync(join(tmpdir(), 'rayctl-readme-'));
after(() => rmSync(shims, { recursive: true, force: true }));
writeFileSync(join(shims, 'rayctl'), `#!/bin/sh\nexec "${process.execPath}" "${RAYCTL_BIN}" "$@"\n`);
chmodSync(join(shims, 'rayctl'), 0o755);
const env = {
  ...process.env,
  KUBECONFIG: cluster.kubeconfig,
  PATH: `${shims}:${cluster.binDir}:${process.env.PATH}`,
  NO_COLOR: '1',
};

describe('README commands', () => {
  before(() => {
    assert.ok(blocks.length >= 5, `found ${blocks.length} marked blocks`);
    startOperator(cluster);
  });
  after(async () => {
    for (const namespace of ['ray', 'ray-ns']) await client.request('DELETE', `/api/v1/namespaces/${namespace}`);
  });

  blocks.forEach((lines, index) => {
    describe(headingOf(index), () => {
      for (const line of lines) {
        it(line, () => {
          const result = spawnSync('bash', ['-o', 'pipefail', '-c', line], { env, encoding: 'utf8', timeout: 300_000 });
          assert.equal(result.status, 0, `${line}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
        });
      }
    });
  });
});
