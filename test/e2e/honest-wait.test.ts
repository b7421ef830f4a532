// --wait says what blocks, in the words a user can act on: a container's waiting reason and message (here the
// process node's ErrImageNeverPull for an image that is in no registry, as a real kubelet reports ErrImagePull /
// ImagePullBackOff) and the scheduler's message for pods no node can take.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../cluster/paths.ts';
import { testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { processNodeValuesFile } from './support/process-nodes.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'honest-wait');
cleanupReleases(cluster, () => ['ray-operator', 'gpus'].map((name) => ({ name, namespace: ns })));
const operatorValues = join(repoRoot, 'test', 'fixtures', 'process-node', 'operator-values.yaml');

describe('--wait names what blocks', () => {
  it('an operator image that cannot be pulled: the container reason and message, with elapsed time', async () => {
    const result = await rayctl([
      '-n',
      ns,
      'install',
      'ray-operator',
      '--operator-only',
      '--operator-namespace',
      ns,
      '-f',
      operatorValues,
      '--set',
      'operatorImage=rayctl/operator:0.1.0',
      '--wait',
      '--timeout',
      '15s',
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /timed out after 15 s waiting for:/);
    assert.match(
      result.stderr,
      /pod ray-operator-[a-z0-9-]+: container ray-operator ErrImageNeverPull: process node: image rayctl\/operator:0\.1\.0 is not available/,
    );
    // Progress lines (plain, not a terminal) carry the elapsed seconds.
    assert.match(result.stdout + result.stderr, /waiting for .*\(\d+ s\)/);
  });

  it("pods no node can take: the scheduler's message", async () => {
    startOperator(cluster, ['-n', ns]);
    const result = await rayctl([
      '-n',
      ns,
      'install',
      'gpus',
      '--cluster-only',
      '-f',
      processNodeValuesFile,
      '--set',
      'podTypes.rayHeadType.GPU=1',
      '--wait',
      '--timeout',
      '15s',
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /pod gpus-ray-head-type-[a-z0-9]+: not scheduled \(Unschedulable: 0\/\d+ nodes are available:.*nvidia\.com\/gpu/,
    );
  });
});
