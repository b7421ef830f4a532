// The table and the ratios: medians over repetitions, and "A/B" ratios of medians measured in the same run, each with
// the lowest and highest A/B of the repetitions both ran: whether a ratio's distance from a goal is more than the
// runs' own spread.
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
  /** A's median over B's. */
  value: number;
  /** A over B within each repetition both ran (for an operator: same scenario, phase and repetition). */
  runs?: RunsRange;
}

export interface RunsRange {
  low: number;
  high: number;
  pairs: number;
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

/** The lowest and highest of ours[i] / theirs[i] over the repetitions with both; undefined for fewer than two. */
export function runsRange(ours: (number | null)[], theirs: (number | null)[]): RunsRange | undefined {
  const each = ours.flatMap((value, i) => {
    const other = theirs[i];
    return value && other ? [value / other] : [];
  });
  return each.length > 1 ? { low: Math.min(...each), high: Math.max(...each), pairs: each.length } : undefined;
}

function ratio(
  label: string,
  ours: number | null | undefined,
  theirs: number | null | undefined,
  runs?: RunsRange,
): Ratio[] {
  return ours && theirs ? [{ label, value: ours / theirs, ...(runs ? { runs } : {}) }] : [];
}

type ComparedMetric =
  'wallSeconds' | 'cpuSeconds' | 'peakRssMb' | 'idleRssMb' | 'idlePrivateMb' | 'requests' | 'controlPlaneCpuSeconds';

/** One contender's measurements of a phase, indexed by repetition (a hole where a run failed). */
type Side = (Measurement | undefined)[];

/** The ratios of the operators' medians (the table's, operatorRows), each with its runs' range. */
export function operatorRatios(measurements: Measurement[]): Ratio[] {
  const phases = [...new Set(measurements.map((m) => `${m.scenario}|${m.phase}`))];
  return phases.flatMap((key) => {
    const [scenario, phase] = key.split('|') as [string, string];
    const name = phase === 'create' ? scenario : `${scenario} churn`;
    const ofPhase = measurements.filter((m) => m.scenario === scenario && m.phase === phase);
    const side = (contender: string): Side => {
      const byRepetition: Side = [];
      for (const m of ofPhase) if (m.contender === contender) byRepetition[m.repetition] = m;
      return byRepetition;
    };
    const compareValues = (label: string, ours: Side, theirs: Side, value: (m: Measurement) => number | null) => {
      const values = (side: Side) => side.map((m) => (m ? value(m) : null));
      const [a, b] = [values(ours), values(theirs)];
      return ratio(label, medianOrNull(a), medianOrNull(b), runsRange(a, b));
    };
    const compare = (label: string, ours: Side, theirs: Side, metric: ComparedMetric): Ratio[] =>
      compareValues(label, ours, theirs, (m) => m[metric]);
    // A churn phase's steps one by one (scale up, then down): which of them a gap in the phase's wall comes from.
    const steps = Math.max(0, ...ofPhase.map((m) => m.stepSeconds.length));
    const compareSteps = (who: string, ours: Side, theirs: Side): Ratio[] =>
      steps < 2
        ? []
        : Array.from({ length: steps }, (_, step) =>
            compareValues(`${name} step ${step + 1}: ${who} wall`, ours, theirs, (m) => m.stepSeconds[step] ?? null),
          ).flat();
    const [rayctl, kuberay, floor, least, floorServices] = [
      'rayctl',
      'kuberay',
      'floor',
      'least',
      'floor-services',
    ].map(side) as [Side, Side, Side, Side, Side];
    return [
      ...compare(`${name}: rayctl/KubeRay wall`, rayctl, kuberay, 'wallSeconds'),
      ...compare(`${name}: rayctl/KubeRay CPU`, rayctl, kuberay, 'cpuSeconds'),
      ...compare(`${name}: rayctl/KubeRay peak RSS`, rayctl, kuberay, 'peakRssMb'),
      ...(phase === 'create' && scenario === '1x10'
        ? [
            ...compare('idle RSS: rayctl/KubeRay', rayctl, kuberay, 'idleRssMb'),
            // Node.js, https and an operator's three watches, nothing else: the least a Node.js operator can be.
            ...compare('idle RSS: node floor/KubeRay', floor, kuberay, 'idleRssMb'),
            // The rest of VmRSS is pages of the executable and its libraries, which no code run by it can cut.
            ...compare('idle private memory: rayctl/KubeRay', rayctl, kuberay, 'idlePrivateMb'),
            ...compare('idle private memory: node floor/KubeRay', floor, kuberay, 'idlePrivateMb'),
          ]
        : []),
      ...compare(`${name}: rayctl/KubeRay requests`, rayctl, kuberay, 'requests'),
      ...compare(`${name}: rayctl/floor wall`, rayctl, floor, 'wallSeconds'),
      ...compare(`${name}: KubeRay/floor wall`, kuberay, floor, 'wallSeconds'),
      ...compareSteps('rayctl/floor', rayctl, floor),
      ...compareSteps('KubeRay/floor', kuberay, floor),
      ...compare(`${name}: rayctl/floor requests`, rayctl, floor, 'requests'),
      // On a saturated machine, what the control plane does for an operator's requests and objects costs wall time.
      ...compare(`${name}: rayctl/floor control-plane CPU`, rayctl, floor, 'controlPlaneCpuSeconds'),
      ...compare(`${name}: KubeRay/floor control-plane CPU`, kuberay, floor, 'controlPlaneCpuSeconds'),
      ...compare(`${name}: KubeRay/floor requests`, kuberay, floor, 'requests'),
      // --least-operator: how far from the floor any operator of these pods is, and rayctl from that operator.
      ...compare(`${name}: least operator/floor wall`, least, floor, 'wallSeconds'),
      ...compare(`${name}: rayctl/least operator wall`, rayctl, least, 'wallSeconds'),
      ...compare(`${name}: rayctl/least operator CPU`, rayctl, least, 'cpuSeconds'),
      ...compare(`${name}: least operator/KubeRay CPU`, least, kuberay, 'cpuSeconds'),
      // --floor-services: what the head Services alone cost, and rayctl against the floor that makes them too.
      ...compare(`${name}: floor with Services/floor wall`, floorServices, floor, 'wallSeconds'),
      ...compare(`${name}: rayctl/floor with Services wall`, rayctl, floorServices, 'wallSeconds'),
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

/** The commands' ratios of medians; each contender's samples of an operation are in the order of repetitions (cli.ts). */
export function cliRatios(samples: Samples): Ratio[] {
  return Object.entries(samples).flatMap(([operation, ms]) => {
    const compare = (label: string, ours: string, theirs: string): Ratio[] => {
      const [a, b] = [ms[ours], ms[theirs]];
      return a && b ? ratio(label, median(a), median(b), runsRange(a, b)) : [];
    };
    if (ms['node -e 0']) return compare(`rayctl/node -e 0 ${operation}`, 'rayctl', 'node -e 0');
    return [
      ...compare(`rayctl/helm3 ${operation}`, 'rayctl', 'helm3'),
      ...compare(`rayctl/helm4 ${operation}`, 'rayctl', 'helm4'),
      // What Node.js alone pays for the same number of API calls: the part of rayctl's time no code of ours can cut.
      ...compare(`node floor/helm3 ${operation}`, 'node floor', 'helm3'),
    ];
  });
}

const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));
/** A wall time to the ms below 10 s (1×10's 0.1–0.3 s runs), else to the 10 ms. */
export const wallText = (seconds: number) => seconds.toFixed(seconds < 10 ? 3 : 2);

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
        `${String(r.pods).padStart(6)} ${wallText(r.wallSeconds).padStart(8)} ${fixed(r.cpuSeconds, 3).padStart(8)} ` +
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
  lines.push(
    '',
    'Ratios (A/B of medians; < 1× means A used less; runs: the lowest and highest A/B of one repetition):',
  );
  for (const r of ratios)
    lines.push(
      `  ${r.label.padEnd(44)} ${r.value.toFixed(2)}×` +
        (r.runs ? `   runs ${r.runs.low.toFixed(2)}–${r.runs.high.toFixed(2)}× (${r.runs.pairs})` : ''),
    );
  console.log(lines.join('\n'));
}
