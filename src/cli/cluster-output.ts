import chalk from './colours.ts';
import { isUnknown, type ClusterView, type OperatorView } from '../actions/cluster-view.ts';
import { formatTable, type ListingFormat } from './output.ts';
import { structured } from './release-output.ts';
import { printable } from './terminal.ts';

export function colourPhase(phase: string): string {
  return phase === 'Running' ? chalk.green(phase) : phase === 'Error' ? chalk.red(phase) : chalk.yellow(phase);
}

/** `2m`, `3h`, `4d`, like kubectl's AGE column. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function workersText(view: ClusterView): string {
  return (
    view.workers
      .filter((w) => w.desired > 0 || w.ready > 0)
      .map((w) => `${w.podType} ${w.ready}/${w.desired}`)
      .join(', ') || '0'
  );
}

export function operatorText(view: ClusterView): string {
  const o = view.operator;
  if (!o) return 'none';
  if (isUnknown(o)) return `unknown (${o.unknown})`;
  return o.release ? `${o.release.name} (${o.release.namespace})` : `${o.deployment} (${o.namespace})`;
}

/** One line on the autoscaler: its state, the demand Ray cannot place, what it did last. */
export function autoscalerText(view: ClusterView, now = Date.now()): string | undefined {
  const a = view.autoscaler;
  if (!a) return undefined;
  if (a.state !== 'Active') return `${a.state}: ${a.message}`;
  const parts = [`Active; pending demand: ${a.pendingDemand ?? 'none'}`];
  if (a.infeasibleDemand) parts.push(chalk.red(`infeasible: ${a.infeasibleDemand}`));
  const last = [
    a.lastScaleUp && { ...a.lastScaleUp, what: 'up' },
    a.lastScaleDown && { ...a.lastScaleDown, what: 'down' },
  ]
    .filter((e) => !!e)
    .sort((x, y) => y.time.localeCompare(x.time))[0];
  if (last) parts.push(`last scaled ${last.what} ${age(last.time, now)} ago: ${last.message}`);
  return parts.join('; ');
}

export function printClusterViews(clusters: ClusterView[], operator: OperatorView | undefined): void {
  process.stdout.write(formatClusterViews(clusters, operator));
}

/** The live part of `status`: each RayCluster with its pods (and their IPs when `wide`), then the operator. */
export function formatClusterViews(
  clusters: ClusterView[],
  operator: OperatorView | undefined,
  options: { wide?: boolean } = {},
): string {
  let out = '';
  for (const view of clusters) {
    const lines = [
      '',
      `RAYCLUSTER: ${view.name}`,
      `  phase: ${colourPhase(view.phase)}, restarts: ${view.restarts}, workers: ${workersText(view)}, operator: ${operatorText(view)}`,
      view.headService
        ? `  head service: ${view.headService.name} (${view.headService.clusterIP}) ${view.headService.ports.join(' ')}`
        : '  head service: not created yet',
    ];
    const autoscaler = autoscalerText(view);
    if (autoscaler) lines.push(`  autoscaler: ${autoscaler}`);
    if (view.phase === 'Running')
      lines.push(`  connect: rayctl session ${view.name} -n ${view.namespace}   # dashboard, Ray Client, Serve`);
    out += `${printable(lines.join('\n'), { keepColour: true })}\n`;
    if (view.pods.length > 0) {
      const rows = view.pods
        .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'head' ? -1 : 1))
        .map((p) => [
          p.type,
          p.name,
          colourPhase(p.phase),
          p.ready ? 'true' : 'false',
          p.node,
          age(p.createdAt),
          ...(options.wide ? [p.ip] : []),
        ]);
      out += formatTable(['TYPE', 'POD', 'PHASE', 'READY', 'NODE', 'AGE', ...(options.wide ? ['IP'] : [])], rows);
    }
  }
  if (operator) {
    const { operator: o } = operator;
    const scope = o.scope === 'cluster' ? 'cluster-scoped (all namespaces)' : `namespaced (namespace ${o.namespace})`;
    const serving = isUnknown(operator.serving)
      ? `unknown (${operator.serving.unknown})`
      : operator.serving.map((c) => `${c.name} (${c.namespace})`).join(', ') || 'no clusters yet';
    out += printable(
      `\nOPERATOR: ${scope}, Deployment ${o.deployment} in ${o.namespace}: ${operator.available} available, leader: ${operator.leader}\n  serving: ${serving}\n`,
    );
  }
  return out;
}

/** A cluster as `-o json|yaml|jsonpath` show it: plain fields, stable names for scripts. */
export function clusterRecord(c: ClusterView) {
  return {
    name: c.name,
    namespace: c.namespace,
    release: c.release ?? '',
    phase: c.phase,
    restarts: c.restarts,
    workers: c.workers,
    operator: operatorText(c),
    ...(c.autoscaler ? { autoscaler: c.autoscaler } : {}),
    createdAt: c.createdAt,
  };
}

const CLUSTER_COLUMNS = ['NAME', 'NAMESPACE', 'RELEASE', 'PHASE', 'WORKERS (READY/DESIRED)', 'OPERATOR', 'AGE'];
const WIDE_COLUMNS = [...CLUSTER_COLUMNS, 'RESTARTS', 'AUTOSCALER'];

export function clusterColumns(wide: boolean): string[] {
  return wide ? WIDE_COLUMNS : CLUSTER_COLUMNS;
}

export function clusterCells(c: ClusterView, wide: boolean, now = Date.now()): string[] {
  const cells = [
    c.name,
    c.namespace,
    c.release ?? '',
    colourPhase(c.phase),
    workersText(c),
    operatorText(c),
    age(c.createdAt, now),
  ];
  if (!wide) return cells;
  return [
    ...cells,
    String(c.restarts),
    c.autoscaler
      ? c.autoscaler.state === 'Active'
        ? `Active, demand: ${c.autoscaler.pendingDemand ?? 'none'}`
        : c.autoscaler.state
      : '',
  ];
}

/** `get clusters` in any listing format; JSONPath sees kubectl's shape, a List with `items`. */
export function formatClusters(
  clusters: readonly ClusterView[],
  format: ListingFormat,
  options: { noHeaders?: boolean } = {},
): string {
  switch (format.kind) {
    case 'table':
    case 'wide': {
      const wide = format.kind === 'wide';
      return formatTable(
        clusterColumns(wide),
        clusters.map((c) => clusterCells(c, wide)),
        options,
      );
    }
    case 'name':
      return clusters.map((c) => `raycluster.cluster.ray.io/${c.name}\n`).join('');
    case 'json':
    case 'yaml':
      return structured(clusters.map(clusterRecord), format.kind);
    case 'jsonpath':
      return format.render({ kind: 'List', items: clusters.map(clusterRecord) });
  }
}
