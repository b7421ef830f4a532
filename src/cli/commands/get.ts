import chalk from '../colours.ts';
import { Argument, Command } from 'commander';
import yaml from 'js-yaml';
import { listClusters, watchClusters, type ClusterScope, type ClusterView } from '../../actions/cluster-view.ts';
import type { ActionContext } from '../../actions/context.ts';
import { readRevision } from '../../actions/read.ts';
import { UsageError } from '../../errors.ts';
import { clusterCells, clusterColumns, formatClusters } from '../cluster-output.ts';
import { columnWidths, formatRow, listingOutputOption, type ListingFormat } from '../output.ts';
import { coalesceValues } from '../../chart/values.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { printRelease, structured } from '../release-output.ts';
import { printable } from '../terminal.ts';
import type { Release } from '../../release/model.ts';
import { parseRevision } from './revision-flag.ts';

const WHAT = ['values', 'manifest', 'notes', 'metadata', 'all', 'clusters'] as const;
type What = (typeof WHAT)[number];

interface ClusterFlags {
  allNamespaces?: boolean;
  selector?: string;
  watch?: boolean;
  output: ListingFormat;
}

export function getCommand(): Command {
  return new Command('get')
    .summary("print a release's values, manifest, notes or metadata, or the RayClusters")
    .addArgument(new Argument('<what>', 'what to print').choices(WHAT))
    .argument('[release]', 'release name (not for clusters)')
    .option('-A, --all-namespaces', 'clusters: in every namespace')
    .option('-l, --selector <selector>', 'clusters: label selector, e.g. team=ml')
    .option('-w, --watch', 'clusters: after the listing, print each change until Ctrl-C')
    .option('--revision <n>', 'a past revision instead of the latest')
    .option('-a, --all', "values: all computed values (chart defaults included), not only the user's")
    .addOption(listingOutputOption().default(undefined, 'values: yaml; clusters: table'))
    .addHelpText(
      'after',
      `
Examples:
  rayctl get values example-cluster -n ray --all          # every value, chart defaults included
  rayctl get manifest example-cluster -n ray --revision 2
  rayctl get clusters -A -o wide
  rayctl get clusters -n ray -w                           # a line per change until Ctrl-C
  rayctl get clusters -A -o jsonpath='{range .items[*]}{.name}{"\\t"}{.phase}{"\\n"}{end}'`,
    )
    .action(
      async (
        what: What,
        name: string | undefined,
        flags: { revision?: string; all?: boolean; output?: ListingFormat } & Omit<ClusterFlags, 'output'>,
        cmd: Command,
      ) => {
        if (what === 'clusters') {
          await printClusters(cmd, { ...flags, output: flags.output ?? { kind: 'table' } });
          return;
        }
        if (flags.selector || flags.watch || flags.allNamespaces)
          throw new UsageError(`-l, -w and -A are for \`get clusters\`, not \`get ${what}\``);
        const output = flags.output?.kind ?? 'yaml';
        if (output !== 'yaml' && output !== 'json')
          throw new UsageError(`get ${what}: -o ${output} is not available here; use yaml or json`);
        if (name === undefined)
          throw new UsageError(`get ${what} needs a release name`, `e.g. rayctl get ${what} example-cluster -n ray`);
        checkReleaseName(name);
        const revision = parseRevision(flags.revision);
        const { ctx, namespace } = await connectFromFlags(cmd);
        try {
          const release = await readRevision(ctx, { name, namespace }, revision);
          const values = flags.all ? coalesceValues(release.config, release.chart.values) : release.config;
          const printValues = () =>
            process.stdout.write(
              output === 'json' ? `${JSON.stringify(values)}\n` : yaml.dump(values, { lineWidth: -1 }),
            );
          switch (what) {
            case 'values':
              printValues();
              return;
            case 'manifest':
              process.stdout.write(release.manifest);
              return;
            case 'notes':
              process.stdout.write(release.info.notes ?? '');
              return;
            case 'metadata':
              process.stdout.write(
                flags.output === undefined ? formatMetadata(release) : structured(metadataOf(release), output),
              );
              return;
            case 'all':
              printRelease(release, 'table', { manifest: true });
              process.stdout.write(flags.all ? 'COMPUTED VALUES:\n' : 'USER-SUPPLIED VALUES:\n');
              printValues();
          }
        } finally {
          ctx.client.close();
        }
      },
    );
}

/** helm's `get metadata`, with its JSON keys. */
function metadataOf(release: Release) {
  const chart = release.chart.metadata;
  return {
    name: release.name,
    chart: chart.name,
    version: chart.version,
    appVersion: chart.appVersion ?? '',
    labels: release.labels ?? {},
    namespace: release.namespace,
    revision: release.version,
    status: release.info.status,
    deployedAt: release.info.last_deployed,
  };
}

function formatMetadata(release: Release): string {
  const m = metadataOf(release);
  const labels = Object.entries(m.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return printable(
    [
      `NAME: ${m.name}`,
      `CHART: ${m.chart}`,
      `VERSION: ${m.version}`,
      `APP_VERSION: ${m.appVersion}`,
      `LABELS: ${labels}`,
      `NAMESPACE: ${m.namespace}`,
      `REVISION: ${m.revision}`,
      `STATUS: ${m.status}`,
      `DEPLOYED_AT: ${m.deployedAt}`,
      '',
    ].join('\n'),
  );
}

/** `rayctl get clusters`: every RayCluster with its release, phase, workers per type and the operator serving it. */
async function printClusters(cmd: Command, flags: ClusterFlags): Promise<void> {
  const { ctx, namespace } = await connectFromFlags(cmd);
  const scope = {
    ...(flags.allNamespaces ? {} : { namespace }),
    ...(flags.selector ? { labelSelector: flags.selector } : {}),
  };
  const byName = (a: ClusterView, b: ClusterView) =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  if (!flags.watch) {
    try {
      process.stdout.write(formatClusters((await listClusters(ctx, scope)).sort(byName), flags.output));
    } finally {
      ctx.client.close();
    }
    return;
  }
  await watchAndPrint(ctx, scope, flags.output, byName);
}

/**
 * `-w`: the listing, then one line (or document) per change until Ctrl-C, as `kubectl get -w`. Table rows keep the
 * first listing's column widths so they stay under its header.
 */
async function watchAndPrint(
  ctx: ActionContext,
  scope: ClusterScope,
  format: ListingFormat,
  order: (a: ClusterView, b: ClusterView) => number,
): Promise<void> {
  const wide = format.kind === 'wide';
  let widths: number[] = [];
  const print = (views: ClusterView[], header: boolean) => {
    if (format.kind !== 'table' && format.kind !== 'wide') {
      process.stdout.write(views.map((v) => formatClusters([v], format)).join(''));
      return;
    }
    const rows = views.map((v) => clusterCells(v, wide));
    if (header) {
      widths = columnWidths(clusterColumns(wide), rows);
      process.stdout.write(`${chalk.bold(formatRow(widths, clusterColumns(wide)))}\n`);
    }
    process.stdout.write(rows.map((r) => `${formatRow(widths, r)}\n`).join(''));
  };
  const watch = watchClusters(ctx, scope, (change, view) =>
    print([change === 'deleted' ? { ...view, phase: 'Deleted' } : view], false),
  );
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    print((await watch.initial).sort(order), true);
    await stopped;
  } finally {
    watch.stop();
    ctx.client.close();
  }
}
