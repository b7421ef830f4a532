// The table and the ratios: medians over repetitions, and "A/B" ratios of medians measured in the same run.
import type { Samples } from './cli.ts';
import { median } from './measure.ts';
import type { Measurement } from './scenarios.ts';

export interface OperatorRow {
  scenario: string;
  phase: Measurement['phase'];
  contender: Measurement['contender'];
  pods: number;
  runs: number;
  wallSeconds: number;
  cpuSeconds: number | null;
  mainThreadCpuSeconds: number | null;
  controlPlaneCpuSeconds: number;
  machineBusy: number;
  machineStolen: number;
  kwokFailedStages: number | null;
  startedRssMb: number | null;
  idleRssMb: number | null;
  idlePrivateMb: number | null;
  peakRssMb: number | null;
  requests: number | null;
}

export interface Ratio {
  label: string;
  value: number;
}

const medianOrNull = (values: (number | null)[]): number | null => {
  const numbers = values.filter((v): v is number => v !== null);
  return numbers.length ? median(numbers) : null;
};

export function operatorRows(measurements: Measurement[]): OperatorRow[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.scenario}|${m.phase}|${m.contender}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    return {
      scenario: first.scenario,
      phase: first.phase,
      contender: first.contender,
      pods: first.pods,
      runs: group.length,
      wallSeconds: median(group.map((m) => m.wallSeconds)),
      cpuSeconds: medianOrNull(group.map((m) => m.cpuSeconds)),
      mainThreadCpuSeconds: medianOrNull(group.map((m) => m.mainThreadCpuSeconds)),
      controlPlaneCpuSeconds: median(group.map((m) => m.controlPlaneCpuSeconds)),
      machineBusy: median(group.map((m) => m.machineBusy)),
      machineStolen: median(group.map((m) => m.machineStolen)),
      kwokFailedStages: medianOrNull(group.map((m) => m.kwokFailedStages)),
      startedRssMb: medianOrNull(group.map((m) => m.startedRssMb)),
      idleRssMb: medianOrNull(group.map((m) => m.idleRssMb)),
      idlePrivateMb: medianOrNull(group.map((m) => m.idlePrivateMb)),
      peakRssMb: medianOrNull(group.map((m) => m.peakRssMb)),
      requests: medianOrNull(group.map((m) => m.requests)),
    };
  });
}

function ratio(label: string, ours: number | null | undefined, theirs: number | null | undefined): Ratio[] {
  return ours && theirs ? [{ label, value: ours / theirs }] : [];
}

export function operatorRatios(rows: OperatorRow[]): Ratio[] {
  const find = (scenario: string, phase: string, contender: string) =>
    rows.find((r) => r.scenario === scenario && r.phase === phase && r.contender === contender);
  const phases = [...new Set(rows.map((r) => `${r.scenario}|${r.phase}`))];
  return phases.flatMap((key) => {
    const [scenario, phase] = key.split('|') as [string, string];
    const name = phase === 'create' ? scenario : `${scenario} churn`;
    const [rayctl, kuberay, floor, least, floorServices] = [
      'rayctl',
      'kuberay',
      'floor',
      'least',
      'floor-services',
    ].map((c) => find(scenario, phase, c));
    return [
      ...ratio(`${name}: rayctl/KubeRay wall`, rayctl?.wallSeconds, kuberay?.wallSeconds),
      ...ratio(`${name}: rayctl/KubeRay CPU`, rayctl?.cpuSeconds, kuberay?.cpuSeconds),
      ...ratio(`${name}: rayctl/KubeRay peak RSS`, rayctl?.peakRssMb, kuberay?.peakRssMb),
      ...(phase === 'create' && scenario === '1x10'
        ? [
            ...ratio('idle RSS: rayctl/KubeRay', rayctl?.idleRssMb, kuberay?.idleRssMb),
            // Node.js, https and an operator's three watches, nothing else: the least a Node.js operator can be.
            ...ratio('idle RSS: node floor/KubeRay', floor?.idleRssMb, kuberay?.idleRssMb),
            // The rest of VmRSS is pages of the executable and its libraries, which no code run by it can cut.
            ...ratio('idle private memory: rayctl/KubeRay', rayctl?.idlePrivateMb, kuberay?.idlePrivateMb),
            ...ratio('idle private memory: node floor/KubeRay', floor?.idlePrivateMb, kuberay?.idlePrivateMb),
          ]
        : []),
      ...ratio(`${name}: rayctl/KubeRay requests`, rayctl?.requests, kuberay?.requests),
      ...ratio(`${name}: rayctl/floor wall`, rayctl?.wallSeconds, floor?.wallSeconds),
      ...ratio(`${name}: KubeRay/floor wall`, kuberay?.wallSeconds, floor?.wallSeconds),
      ...ratio(`${name}: rayctl/floor requests`, rayctl?.requests, floor?.requests),
      // On a saturated machine, what the control plane does for an operator's requests and objects costs wall time.
      ...ratio(
        `${name}: rayctl/floor control-plane CPU`,
        rayctl?.controlPlaneCpuSeconds,
        floor?.controlPlaneCpuSeconds,
      ),
      ...ratio(
        `${name}: KubeRay/floor control-plane CPU`,
        kuberay?.controlPlaneCpuSeconds,
        floor?.controlPlaneCpuSeconds,
      ),
      ...ratio(`${name}: KubeRay/floor requests`, kuberay?.requests, floor?.requests),
      // --least-operator: how far from the floor any operator of these pods is, and rayctl from that operator.
      ...ratio(`${name}: least operator/floor wall`, least?.wallSeconds, floor?.wallSeconds),
      ...ratio(`${name}: rayctl/least operator wall`, rayctl?.wallSeconds, least?.wallSeconds),
      ...ratio(`${name}: rayctl/least operator CPU`, rayctl?.cpuSeconds, least?.cpuSeconds),
      ...ratio(`${name}: least operator/KubeRay CPU`, least?.cpuSeconds, kuberay?.cpuSeconds),
      // --floor-services: what the head Services alone cost, and rayctl against the floor that makes them too.
      ...ratio(`${name}: floor with Services/floor wall`, floorServices?.wallSeconds, floor?.wallSeconds),
      ...ratio(`${name}: rayctl/floor with Services wall`, rayctl?.wallSeconds, floorServices?.wallSeconds),
    ];
  });
}

/** operation → contender → median ms. */
export function cliMedians(samples: Samples): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(samples).map(([operation, byContender]) => [
      operation,
      Object.fromEntries(Object.entries(byContender).map(([contender, ms]) => [contender, median(ms)])),
    ]),
  );
}

export function cliRatios(medians: Record<string, Record<string, number>>): Ratio[] {
  return Object.entries(medians).flatMap(([operation, ms]) => {
    if (ms['node -e 0'] !== undefined) return ratio(`rayctl/node -e 0 ${operation}`, ms.rayctl, ms['node -e 0']);
    return [
      ...ratio(`rayctl/helm3 ${operation}`, ms.rayctl, ms.helm3),
      ...ratio(`rayctl/helm4 ${operation}`, ms.rayctl, ms.helm4),
      // What Node.js alone pays for the same number of API calls: the part of rayctl's time no code of ours can cut.
      ...ratio(`node floor/helm3 ${operation}`, ms['node floor'], ms.helm3),
    ];
  });
}

const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));

export function printReport(rows: OperatorRow[], medians: Record<string, Record<string, number>>, ratios: Ratio[]) {
  const lines = ['', 'Operators (median; wall = until every pod is Running and Ready;'];
  lines.push(
    "  idle MB = VmRSS at rest, 20 s after start, before the first RayCluster (the floor's process holds the watches only),",
  );
  lines.push("  own MB = of that, the process's own pages (RssAnon), the rest being its executable's and libraries',");
  lines.push("  ctl CPU = control-plane processes' CPU, busy = share of all cores busy, both over the window,");
  lines.push(
    "  kwok fail = kwok's stage patches refused in the window, its pod-ready replayed on stale pods: many = it fell behind):",
  );
  lines.push(
    `  ${'scenario'.padEnd(16)} ${'contender'.padEnd(14)} ${'pods'.padStart(6)} ${'wall s'.padStart(8)} ` +
      `${'CPU s'.padStart(8)} ${'idle MB'.padStart(7)} ${'own MB'.padStart(6)} ${'RSS MB'.padStart(7)} ${'requests'.padStart(9)} ${'ctl CPU s'.padStart(9)} ` +
      `${'busy'.padStart(5)} ${'kwok fail'.padStart(9)} runs`,
  );
  for (const r of rows)
    lines.push(
      `  ${(r.phase === 'create' ? r.scenario : `${r.scenario} churn`).padEnd(16)} ${r.contender.padEnd(14)} ` +
        `${String(r.pods).padStart(6)} ${fixed(r.wallSeconds, 1).padStart(8)} ${fixed(r.cpuSeconds, 3).padStart(8)} ` +
        `${fixed(r.idleRssMb, 1).padStart(7)} ${fixed(r.idlePrivateMb, 1).padStart(6)} ${fixed(r.peakRssMb, 0).padStart(7)} ${fixed(r.requests, 0).padStart(9)} ` +
        `${fixed(r.controlPlaneCpuSeconds, 1).padStart(9)} ${`${Math.round(r.machineBusy * 100)}%`.padStart(5)} ` +
        `${fixed(r.kwokFailedStages, 0).padStart(9)} ${r.runs}`,
    );
  lines.push('', 'Commands (median wall ms):');
  for (const [operation, ms] of Object.entries(medians))
    lines.push(
      `  ${operation.padEnd(10)} ` +
        Object.entries(ms)
          .map(([contender, value]) => `${contender} ${value.toFixed(0)}`)
          .join('   '),
    );
  lines.push('', 'Ratios (A/B of medians; < 1× means A used less):');
  for (const r of ratios) lines.push(`  ${r.label.padEnd(44)} ${r.value.toFixed(2)}×`);
  console.log(lines.join('\n'));
}
