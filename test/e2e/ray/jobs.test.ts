// `rayctl job` against real Ray (2.60) on process nodes, through the real API server's service proxy: a job with a
// working directory that imports its own module, a failing job, a long job stopped, the list of all three, and the
// errors a user meets first.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { cleanupReleases, installHeadOnlyRayCluster, rayctlOn } from '../support/releases.ts';

const cluster = await testCluster();
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'jobs');
cleanupReleases(cluster, () => [{ name: 'work', namespace: ns }]);
startOperator(cluster, ['-n', ns]);
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-jobs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const job = (args: string[]) => rayctl(['-n', ns, 'job', ...args]);

describe('rayctl job on real Ray', () => {
  const ids: string[] = [];

  before(async () => {
    // The head's own CPU runs the jobs: no workers to wait for.
    await installHeadOnlyRayCluster(cluster, ns, 'work');
    await eventually(
      "Ray's Jobs API through the API server",
      async () => (await job(['list', 'work'])).code === 0,
      120_000,
    );
  });

  it('submits a working directory whose script imports its own module, streams its output, exits 0', async () => {
    const dir = join(scratch, 'app');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'lib', '__init__.py'), '');
    writeFileSync(join(dir, 'lib', 'square.py'), 'def square(x):\n    return x * x\n');
    writeFileSync(
      join(dir, 'main.py'),
      [
        'import sys, ray',
        'from lib.square import square',
        'ray.init()',
        '@ray.remote',
        'def remote_square(x):',
        '    from lib.square import square',
        '    return square(x)',
        'print("local", square(int(sys.argv[1])), "remote", ray.get(remote_square.remote(int(sys.argv[1]))))',
      ].join('\n'),
    );
    const run = await job([
      'submit',
      'work',
      '--working-dir',
      dir,
      '--submission-id',
      'squares',
      '--',
      'python',
      'main.py',
      '7',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^local 49 remote 49$/m);
    assert.match(run.stderr, /job "squares" SUCCEEDED/);
    ids.push('squares');
  });

  it("a failing script: non-zero exit, its error streamed, Ray's message", async () => {
    const run = await job([
      'submit',
      'work',
      '--submission-id',
      'broken',
      '--',
      'python',
      '-c',
      'print("before"); 1/0',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^before$/m);
    assert.match(run.stdout, /ZeroDivisionError/);
    assert.match(run.stderr, /Error: job "broken" FAILED: /);
    ids.push('broken');
  });

  it('stops a long job; status and list show every job', async () => {
    const submit = await job(['submit', 'work', '--no-wait', '--', 'python', '-c', 'import time; time.sleep(600)']);
    assert.equal(submit.code, 0, submit.stderr);
    const id = submit.stdout.trim();
    assert.match(id, /^raysubmit_\w+$/);
    ids.push(id);
    const stop = await job(['stop', 'work', id]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, `job "${id}" STOPPED\n`);
    const status = await job(['status', 'work', id, '-o', 'json']);
    assert.equal((JSON.parse(status.stdout) as { status: string }[])[0]!.status, 'STOPPED');
    const list = await job(['list', 'work', '-o', 'json']);
    const listed = JSON.parse(list.stdout) as { submission_id: string; status: string }[];
    assert.deepEqual(
      ids.map((i) => listed.find((j) => j.submission_id === i)?.status),
      ['SUCCEEDED', 'FAILED', 'STOPPED'],
    );
    const table = await job(['list', 'work']);
    assert.match(table.stdout, /^SUBMISSION ID\s+STATUS\s+START\s+END\s+ENTRYPOINT$/m);
    assert.match(table.stdout, /^squares\s+SUCCEEDED\s+\S+\s+\S+\s+python main\.py 7$/m);
  });

  it('says what is wrong: no such cluster, no such job, not a directory', async () => {
    const noCluster = await job(['list', 'nope']);
    assert.equal(noCluster.code, 1);
    assert.match(noCluster.stderr, new RegExp(`RayCluster "nope" not found in namespace "${ns}"`));
    const noJob = await job(['logs', 'work', 'raysubmit_missing']);
    assert.equal(noJob.code, 1);
    assert.match(noJob.stderr, /no job "raysubmit_missing" on this cluster/);
    const notDir = await job(['submit', 'work', '--working-dir', join(scratch, 'missing'), '--', 'python', 'x.py']);
    assert.equal(notDir.code, 2);
    assert.match(notDir.stderr, /--working-dir .*missing is not a directory/);
  });
});
