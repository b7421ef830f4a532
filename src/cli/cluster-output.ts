import chalk from 'chalk';
import { isUnknown, type ClusterView, type OperatorView } from '../actions/cluster-view.ts';
import { formatTable } from './output.ts';
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
    process.stdout.write(`${printable(lines.join('\n'), { keepColour: true })}\n`);
    if (view.pods.length > 0) {
      const rows = view.pods
        .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'head' ? -1 : 1))
        .map((p) => [p.type, p.name, colourPhase(p.phase), p.ready ? 'true' : 'false', p.node, age(p.createdAt)]);
      process.stdout.write(formatTable(['TYPE', 'POD', 'PHASE', 'READY', 'NODE', 'AGE'], rows));
    }
  }
  if (operator) {
    const { operator: o } = operator;
    const scope = o.scope === 'cluster' ? 'cluster-scoped (all namespaces)' : `namespaced (namespace ${o.namespace})`;
    const serving = isUnknown(operator.serving)
      ? `unknown (${operator.serving.unknown})`
      : operator.serving.map((c) => `${c.name} (${c.namespace})`).join(', ') || 'no clusters yet';
    process.stdout.write(
      printable(
        `\nOPERATOR: ${scope}, Deployment ${o.deployment} in ${o.namespace}: ${operator.available} available, leader: ${operator.leader}\n  serving: ${serving}\n`,
      ),
    );
  }
}
