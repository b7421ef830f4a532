// The operator's health, readiness and Prometheus endpoints, and JSON logs that keep the cluster prefix.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { freePorts } from '../cluster/cluster.ts';
import { eventually, testCluster, tempNamespace } from './support/cluster.ts';
import { startOperator } from './support/operator.ts';
import { cleanupReleases, rayctlOn } from './support/releases.ts';

const cluster = await testCluster();
const rayctl = rayctlOn(cluster);
const ns = await tempNamespace(cluster, 'endpoints');
cleanupReleases(cluster, () => [{ name: 'watched', namespace: ns }]);
const [port] = await freePorts(1);

const get = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });

describe('operator endpoints and JSON logs', () => {
  const operator = startOperator(cluster, ['--metrics-addr', `127.0.0.1:${port}`, '--log-format', 'json']);

  before(async () => {
    const installed = await rayctl([
      '-n',
      ns,
      'install',
      'watched',
      '--cluster-only',
      '--min-workers',
      'rayWorkerType=1',
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    await operator.waitForLog(
      new RegExp(`^watched,${ns}:\\{.*"msg":"phase (\\(none\\)|Updating) → Running"`, 'm'),
      60_000,
    );
  });

  it('/healthz and /readyz answer ok', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get('/readyz'), { status: 200, body: 'ok\n' });
    assert.equal((await get('/nope')).status, 404);
  });

  it('/metrics counts reconciles and pods in Prometheus text format', async () => {
    const metrics = await eventually('pods counted', async () => {
      const { body } = await get('/metrics');
      return /^rayctl_operator_pods\{phase="Running"\} [1-9]/m.test(body) ? body : undefined;
    });
    assert.match(metrics, /^# TYPE rayctl_operator_reconciles_total counter$/m);
    assert.match(metrics, /^rayctl_operator_reconciles_total\{result="success"\} [1-9]\d*$/m);
    assert.match(metrics, /^rayctl_operator_pod_actions_total\{action="create"\} [1-9]\d*$/m);
    assert.match(metrics, /^rayctl_operator_reconcile_duration_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
    assert.match(metrics, /^rayctl_operator_leader 1$/m);
    // prom-client's process and Node.js metrics, beside ours.
    assert.match(metrics, /^process_resident_memory_bytes [1-9]\d*$/m);
    assert.match(metrics, /^process_cpu_seconds_total [\d.e+-]+$/m);
    assert.match(metrics, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  });

  it('JSON log lines keep the <cluster>,<namespace>: prefix, then one JSON object', () => {
    const lines = operator
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith(`watched,${ns}:`));
    assert.ok(lines.length >= 3);
    for (const line of lines) {
      const record = JSON.parse(line.slice(`watched,${ns}:`.length)) as Record<string, string>;
      assert.deepEqual([record.cluster, record.namespace], ['watched', ns]);
      assert.match(record.time ?? '', /^\d{4}-\d\d-\d\dT/);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(record.level ?? ''));
    }
  });
});
