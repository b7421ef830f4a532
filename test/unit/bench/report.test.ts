import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliRatios, operatorRatios, runsRange, type Ratio } from '../../bench/compare/report.ts';
import type { Measurement } from '../../bench/compare/scenarios.ts';

/** A 100×10 create window of `contender`'s `repetition`, with the given CPU seconds; the rest does not matter here. */
const run = (contender: Measurement['contender'], repetition: number, cpuSeconds: number | null): Measurement => ({
  contender,
  scenario: '100x10',
  phase: 'create',
  repetition,
  pods: 1_100,
  wallSeconds: 20,
  stepSeconds: [20],
  cpuSeconds,
  mainThreadCpuSeconds: null,
  cpuExact: true,
  controlPlaneCpuSeconds: 30,
  controlPlaneCpuByProcess: {},
  machineBusy: 0.8,
  machineStolen: 0,
  kwokFailedStages: 0,
  startedRssMb: null,
  idleRssMb: null,
  idlePrivateMb: null,
  peakRssMb: null,
  requests: null,
  requestsByVerb: {},
});

const byLabel = (ratios: Ratio[], label: string) => ratios.find((r) => r.label === label);

describe('bench:compare ratios', () => {
  it('give the ratio of medians and the lowest and highest ratio within one repetition', () => {
    const measurements = [
      run('rayctl', 0, 2.0),
      run('kuberay', 0, 6.0),
      run('kuberay', 1, 6.4),
      run('rayctl', 1, 1.6),
      run('rayctl', 2, 2.1),
      run('kuberay', 2, 7.0),
    ];
    const cpu = byLabel(operatorRatios(measurements), '100x10: rayctl/KubeRay CPU');
    // Medians 2.0 and 6.4; the runs 2.0/6.0, 1.6/6.4 and 2.1/7.0.
    assert.equal(cpu?.value, 2.0 / 6.4);
    assert.deepEqual(cpu?.runs, { low: 0.25, high: 2.0 / 6.0, pairs: 3 });
  });

  it('pair only the repetitions both contenders measured', () => {
    // KubeRay's second run failed, and rayctl's third has no CPU figure.
    const measurements = [
      run('rayctl', 0, 2.0),
      run('kuberay', 0, 6.0),
      run('rayctl', 1, 1.0),
      run('rayctl', 2, null),
      run('kuberay', 2, 7.0),
      run('rayctl', 3, 2.8),
      run('kuberay', 3, 7.0),
    ];
    const cpu = byLabel(operatorRatios(measurements), '100x10: rayctl/KubeRay CPU');
    assert.deepEqual(cpu?.runs, { low: 2.0 / 6.0, high: 2.8 / 7.0, pairs: 2 });
  });

  it("compare each churn step's wall with the floor's same step", () => {
    const churn = (contender: Measurement['contender'], repetition: number, steps: number[]): Measurement => ({
      ...run(contender, repetition, 1),
      phase: 'churn',
      wallSeconds: steps.reduce((a, b) => a + b, 0),
      stepSeconds: steps,
    });
    const ratios = operatorRatios([
      churn('floor', 0, [18, 10]),
      churn('rayctl', 0, [18, 12]),
      churn('floor', 1, [20, 8]),
      churn('rayctl', 1, [18, 9]),
    ]);
    // Step 2: medians 10.5 and 9; the runs 12/10 and 9/8.
    assert.deepEqual(byLabel(ratios, '100x10 churn step 2: rayctl/floor wall'), {
      label: '100x10 churn step 2: rayctl/floor wall',
      value: 10.5 / 9,
      runs: { low: 1.125, high: 1.2, pairs: 2 },
    });
    assert.equal(byLabel(ratios, '100x10 churn step 1: rayctl/floor wall')?.value, 18 / 19);
    // A phase of one step (a create) has no step ratios, nor a contender that did not run.
    assert.equal(byLabel(ratios, '100x10 churn step 1: KubeRay/floor wall'), undefined);
    const create = operatorRatios([run('floor', 0, 1), run('rayctl', 0, 1)]);
    assert.equal(create.filter((r) => r.label.includes('step')).length, 0);
  });

  it('give no range for a single pair', () => {
    assert.equal(runsRange([2], [4]), undefined);
    assert.equal(runsRange([2, 3], [4, null]), undefined);
  });

  it("pair the commands' samples by repetition", () => {
    const ratios = cliRatios({
      install: { rayctl: [100, 120, 90], helm3: [80, 80, 100] },
      '--version': { rayctl: [30, 32], 'node -e 0': [25, 20] },
    });
    const install = byLabel(ratios, 'rayctl/helm3 install');
    assert.equal(install?.value, 100 / 80);
    assert.deepEqual(install?.runs, { low: 0.9, high: 1.5, pairs: 3 });
    // helm 4 and the node floor did not run: no ratio against them.
    assert.equal(byLabel(ratios, 'rayctl/helm4 install'), undefined);
    assert.deepEqual(byLabel(ratios, 'rayctl/node -e 0 --version'), {
      label: 'rayctl/node -e 0 --version',
      value: 31 / 22.5,
      runs: { low: 1.2, high: 1.6, pairs: 2 },
    });
  });
});
