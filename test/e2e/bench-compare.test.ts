// `npm run bench:compare -- --quick` end to end on the run's shared cluster: every contender is measured and every
// number is there. Ratios are reported by the benchmark, never asserted: timings on a shared CI machine vary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { testCluster } from './support/cluster.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-bench-compare-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Row {
  contender: string;
  wallSeconds: number;
  cpuSeconds: number | null;
  mainThreadCpuSeconds: number | null;
  idleRssMb: number | null;
  idlePrivateMb: number | null;
  peakRssMb: number | null;
  requests: number | null;
  controlPlaneCpuSeconds: number;
  machineBusy: number;
  machineStolen: number;
  kwokFailedStages: number | null;
}
interface Results {
  operator: { rows: Row[]; measurements: { contender: string; requestsByVerb?: Record<string, number> }[] };
  commands: { medianMs: Record<string, Record<string, number>> };
  ratios: { label: string; value: number }[];
}

/** The benchmark as a child process, on the shared cluster (only one control plane may run). */
async function runQuickBenchmark(stateFile: string, json: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/bench/compare.ts', '--quick', '--least-operator', '--floor-services', '--json', json],
    {
      cwd: repoRoot,
      // Its temporary files (the operators' logs, which a benchmark run keeps) go to the scratch dir, removed after.
      env: { ...process.env, RAYCTL_TEST_CLUSTER: stateFile, TMPDIR: scratch },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('bench:compare --quick', () => {
  it(
    'measures the floors, KubeRay, rayctl and the least operator on 1×10, and rayctl against helm 3 and node',
    { timeout: 600_000 },
    async () => {
      const cluster = await testCluster();
      const json = join(scratch, 'compare.json');
      const { code, output } = await runQuickBenchmark(cluster.stateFile, json);
      assert.equal(code, 0, output);
      const results = JSON.parse(readFileSync(json, 'utf8')) as Results;

      const rows = results.operator.rows;
      assert.deepEqual(rows.map((r) => r.contender).sort(), ['floor', 'floor-services', 'kuberay', 'least', 'rayctl']);
      // The floor creates its 11 pods, and with Services the one head Service too.
      const creates = (contender: string) =>
        results.operator.measurements.find((m) => m.contender === contender)?.requestsByVerb?.create;
      assert.equal(creates('floor'), 11);
      assert.equal(creates('floor-services'), 12);
      for (const row of rows) {
        assert.ok(row.wallSeconds > 0, `${row.contender} wall`);
        assert.ok((row.requests ?? 0) > 0, `${row.contender} requests`);
        // The API server answered requests in the window: the control plane spent CPU, and the machine was not idle.
        assert.ok(row.controlPlaneCpuSeconds > 0, `${row.contender} control-plane CPU`);
        assert.ok(row.machineBusy > 0 && row.machineBusy <= 1, `${row.contender} machine busy ${row.machineBusy}`);
        // Steal is part of busy, so never more.
        assert.ok(row.machineStolen >= 0 && row.machineStolen <= row.machineBusy, `${row.contender} stolen`);
        // kwok's log was found and read for the window (a count, often 0), not left out.
        assert.equal(typeof row.kwokFailedStages, 'number', `${row.contender} kwok's refused stages`);
        // Every contender has a process (the floor's only holds the watches): its memory at rest and at peak.
        assert.ok((row.idleRssMb ?? 0) > 0, `${row.contender} idle RSS`);
        // Its own pages are part of it, and not all: every process maps pages of its executable.
        const own = row.idlePrivateMb ?? 0;
        assert.ok(own > 0 && own < row.idleRssMb!, `${row.contender} idle private memory ${own} MB`);
        assert.ok((row.peakRssMb ?? 0) >= (row.idleRssMb ?? 0), `${row.contender} peak RSS`);
        // Counted in its threads' nanoseconds, even the floor's few events take some.
        assert.ok((row.cpuSeconds ?? 0) > 0, `${row.contender} CPU`);
        // The main thread's share: none of the whole, or all of it, but no more (one clock tick for the kernel's
        // rounding of each thread's time when a thread ended and ticks were counted).
        const main = row.mainThreadCpuSeconds ?? -1;
        assert.ok(main >= 0 && main <= row.cpuSeconds! + 0.01, `${row.contender} main thread CPU ${main}`);
      }

      const ms = results.commands.medianMs;
      for (const verb of ['install', 'upgrade', 'rollback', 'uninstall'])
        for (const tool of ['rayctl', 'helm3']) assert.ok((ms[verb]?.[tool] ?? 0) > 0, `${tool} ${verb}`);
      for (const operation of ['--version', 'template'])
        for (const contender of ['rayctl', 'node -e 0'])
          assert.ok((ms[operation]?.[contender] ?? 0) > 0, `${contender} ${operation}`);
      assert.ok(results.ratios.length > 0);
      assert.match(output, /rayctl\/KubeRay CPU/);
      assert.match(output, /least operator\/floor wall/);
      assert.match(output, /rayctl\/floor with Services wall/);
    },
  );
});
