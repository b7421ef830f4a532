// How `rayctl diff` prints: colours only when chalk may colour (src/cli/colours.ts decides), nothing from the cluster
// reaches the terminal as a control sequence, JSON for scripts, and exit 2 for changes only with --detailed-exitcode.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import chalk from 'chalk';
import { CommanderError } from 'commander';
import type { ObjectDiff } from '../../../src/actions/diff.ts';
import { exitForChanges, formatDiffOutput } from '../../../src/cli/diff-output.ts';

const changed: ObjectDiff = {
  apiVersion: 'cluster.ray.io/v1',
  kind: 'RayCluster',
  name: 'example-cluster',
  namespace: 'default',
  change: 'changed',
  diff: '@@ -1,3 +1,3 @@\n spec:\n-  maxWorkers: 3\n+  maxWorkers: 5\n   upscalingSpeed: 1\n',
};

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
});

describe('formatDiffOutput', () => {
  test('off a terminal (chalk level 0): plain text, a header per object', () => {
    chalk.level = 0;
    assert.equal(
      formatDiffOutput([changed], 'table'),
      'default, example-cluster, RayCluster (cluster.ray.io) has changed:\n' +
        '@@ -1,3 +1,3 @@\n spec:\n-  maxWorkers: 3\n+  maxWorkers: 5\n   upscalingSpeed: 1\n',
    );
    assert.equal(formatDiffOutput([], 'table'), 'No changes\n');
  });

  test('on a terminal: - red, + green, context uncoloured', () => {
    chalk.level = 1;
    const lines = formatDiffOutput([changed], 'table').split('\n');
    assert.ok(lines.includes('\u001b[31m-  maxWorkers: 3\u001b[39m'), lines.join('\n'));
    assert.ok(lines.includes('\u001b[32m+  maxWorkers: 5\u001b[39m'));
    assert.ok(lines.includes(' spec:'));
  });

  test('control sequences from the cluster are removed, even with colours on', () => {
    chalk.level = 1;
    const hostile = { ...changed, name: 'x\u001b]0;owned\u0007', diff: '@@ -1 +1 @@\n-a\u001b[2J\n+b\n' };
    const out = formatDiffOutput([hostile], 'table');
    for (const sequence of ['\u001b]', '\u0007', '\u001b[2J']) assert.ok(!out.includes(sequence), JSON.stringify(out));
  });

  test('-o json: the list of changes, [] for none', () => {
    assert.deepEqual(JSON.parse(formatDiffOutput([changed], 'json')), [
      {
        apiVersion: 'cluster.ray.io/v1',
        kind: 'RayCluster',
        name: 'example-cluster',
        namespace: 'default',
        change: 'changed',
        diff: changed.diff,
      },
    ]);
    assert.deepEqual(JSON.parse(formatDiffOutput([], 'json')), []);
  });
});

describe('--detailed-exitcode', () => {
  test('exit 2 for changes only when asked; never for no changes', () => {
    assert.throws(
      () => exitForChanges([changed], true),
      (err: unknown) => err instanceof CommanderError && err.exitCode === 2,
    );
    assert.doesNotThrow(() => exitForChanges([changed], false));
    assert.doesNotThrow(() => exitForChanges([], true));
  });
});
