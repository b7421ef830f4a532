// `rayctl logs --cluster`, through the real API server: the chart's operator pod runs on a kwok node, and kwok serves
// as its log a file that this test writes (CRI format) from the output of the operator it runs in-process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { adminFor, cleanupReleases, rayctlOn } from './support/releases.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';
import type { Pod, RayCluster } from '../../src/operator/types.ts';

const cluster = await testCluster();
const client = adminFor(cluster);
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'logs');
cleanupReleases(cluster, () =>
  ['example-cluster', 'example-cluster2', 'ray-operator'].map((name) => ({ name, namespace: ns })),
);
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-logs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const logFile = join(scratch, 'operator.log');
const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

const ok = async (args: string[]) => {
  const result = await rayctl(['-n', ns, ...args]);
  assert.equal(result.code, 0, `rayctl ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
};
const cri = (time: string, line: string) => `${time} stdout F ${line}\n`;
const podOf = async (selector: string) =>
  eventually(`a Running pod ${selector}`, async () => {
    const pods = await client.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    return pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)?.metadata.name;
  });

let operatorLines: string[] = [];

describe('rayctl logs --cluster', () => {
  before(async () => {
    await ok(['install', 'ray-operator', '--operator-only', '--operator-namespace', ns]);
    const operator = startOperator(cluster);
    await operator.waitForLog(/reconciling/);
    await ok(['install', 'example-cluster', '--cluster-only']);
    await ok(['install', 'example-cluster2', '--cluster-only', '--min-workers', 'rayWorkerType=0']);
    for (const name of ['example-cluster', 'example-cluster2']) {
      await eventually(
        `${name} Running`,
        async () =>
          (await client.get<RayCluster>(`/apis/cluster.ray.io/v1/namespaces/${ns}/rayclusters/${name}`)).status
            ?.phase === 'Running',
      );
    }
    operatorLines = operator.stdout().trimEnd().split('\n');
    // An old line first (for --since), then everything the operator wrote, as the container runtime would log it.
    writeFileSync(
      logFile,
      cri(HOUR_AGO, `example-cluster,${ns}:old line from an hour ago`) +
        operatorLines.map((l) => cri(new Date().toISOString(), l)).join(''),
    );
    await cluster.setPodLog(ns, await podOf('cluster.ray.io/component=operator'), logFile);
  });

  it("shows exactly the operator's lines about that cluster, wherever the operator runs", async () => {
    const mine = operatorLines.filter((l) => l.startsWith(`example-cluster,${ns}:`));
    assert.ok(mine.length >= 3);
    const shown = (await ok(['logs', '--cluster', 'example-cluster'])).trimEnd().split('\n');
    assert.deepEqual(shown, [`example-cluster,${ns}:old line from an hour ago`, ...mine]);
    const other = (await ok(['logs', '--cluster', 'example-cluster2'])).trimEnd().split('\n');
    assert.ok(other.length > 0 && other.every((l) => l.startsWith(`example-cluster2,${ns}:`)));
  });

  it('--tail and --since cut, --timestamps shows the times', async () => {
    const mine = operatorLines.filter((l) => l.startsWith(`example-cluster,${ns}:`));
    assert.deepEqual(
      (await ok(['logs', '--cluster', 'example-cluster', '--tail', '2'])).trimEnd().split('\n'),
      mine.slice(-2),
    );
    const recent = (await ok(['logs', '--cluster', 'example-cluster', '--since', '10m'])).trimEnd().split('\n');
    assert.deepEqual(recent, mine);
    const stamped = (await ok(['logs', '--cluster', 'example-cluster', '--timestamps', '--tail', '1'])).trim();
    assert.match(stamped, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z example-cluster,${ns}:`));
  });

  it('--events interleaves the RayCluster Events', async () => {
    const shown = await ok(['logs', '--cluster', 'example-cluster', '--events']);
    assert.match(shown, new RegExp(`^example-cluster,${ns}: event Normal CreatedPod: Created head pod`, 'm'));
  });

  it('--follow shows a line appended after the command started', async () => {
    const child = spawn(
      process.execPath,
      [RAYCTL_BIN, '-n', ns, 'logs', '--cluster', 'example-cluster', '--follow', '--tail', '0'],
      {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      appendFileSync(
        logFile,
        cri(new Date().toISOString(), `example-cluster2,${ns}:not mine`) +
          cri(new Date().toISOString(), `example-cluster,${ns}:appended later`),
      );
      await eventually('the appended line', () =>
        Promise.resolve(out.includes(`example-cluster,${ns}:appended later`)),
      );
      assert.ok(!out.includes('not mine'));
    } finally {
      child.kill();
    }
  });

  it('--follow survives the operator pod being replaced and follows the new one', async () => {
    const child = spawn(
      process.execPath,
      [RAYCTL_BIN, '-n', ns, 'logs', '--cluster', 'example-cluster', '--follow', '--tail', '0'],
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const old = await podOf('cluster.ray.io/component=operator');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${old}?gracePeriodSeconds=0`);
      const replacement = await eventually('a new operator pod', async () => {
        const name = await podOf('cluster.ray.io/component=operator');
        return name !== old ? name : undefined;
      });
      // Past one rediscovery (5 s): rayctl has found the new pod before it has a log, and must keep going.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      assert.equal(child.exitCode, null, `rayctl logs --follow exited: ${err}`);
      const newLog = join(scratch, 'replacement.log');
      writeFileSync(newLog, cri(new Date().toISOString(), `example-cluster,${ns}:from the replacement pod`));
      await cluster.setPodLog(ns, replacement, newLog);
      await eventually('the line of the replacement pod', () =>
        Promise.resolve(out.includes(`example-cluster,${ns}:from the replacement pod`)),
      );
      assert.equal(child.exitCode, null);
      assert.doesNotMatch(err, /Error|looks like a bug/);
    } finally {
      child.kill();
    }
  });

  it("--ray head shows the head pod's own log, prefixed with the pod", async () => {
    const head = await podOf('ray-cluster-name=example-cluster,ray-node-type=head');
    const headLog = join(scratch, 'head.log');
    writeFileSync(headLog, cri(new Date().toISOString(), 'Ray runtime started.'));
    await cluster.setPodLog(ns, head, headLog);
    assert.equal(
      (await ok(['logs', '--cluster', 'example-cluster', '--ray', 'head'])).trim(),
      `[${head}] Ray runtime started.`,
    );
  });

  it('rayctl status of the operator release shows its scope, availability and the clusters it serves', async () => {
    const out = await ok(['status', 'ray-operator']);
    assert.match(
      out,
      new RegExp(
        `^OPERATOR: cluster-scoped \\(all namespaces\\), Deployment ray-operator in ${ns}: 1/1 available, leader: none$`,
        'm',
      ),
    );
    assert.match(out, new RegExp(`serving: .*example-cluster \\(${ns}\\), example-cluster2 \\(${ns}\\)`));
    const clusters = await ok(['get', 'clusters']);
    assert.match(
      clusters,
      new RegExp(`^example-cluster2 +${ns} +example-cluster2 +Running +0 +ray-operator \\(${ns}\\)`, 'm'),
    );
  });

  it('says what is wrong in one line: no such cluster, no operator serving', async () => {
    const missing = await rayctl(['-n', ns, 'logs', '--cluster', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`RayCluster "nope" not found in namespace "${ns}"`));
    await ok(['uninstall', 'ray-operator', '--force', '--wait']);
    const noOperator = await rayctl(['-n', ns, 'logs', '--cluster', 'example-cluster']);
    assert.equal(noOperator.code, 1);
    assert.match(noOperator.stderr, new RegExp(`no Ray operator serves namespace "${ns}"`));
  });
});
