import { Argument, Command, Option } from 'commander';
import yaml from 'js-yaml';
import { listClusters } from '../../actions/cluster-view.ts';
import { readRevision } from '../../actions/read.ts';
import { UsageError } from '../../errors.ts';
import { age, colourPhase, operatorText, workersText } from '../cluster-output.ts';
import { formatTable } from '../output.ts';
import { structured } from '../release-output.ts';
import { coalesceValues } from '../../chart/values.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { printRelease } from '../release-output.ts';
import { parseRevision } from './revision-flag.ts';

const WHAT = ['values', 'manifest', 'notes', 'all', 'clusters'] as const;
type What = (typeof WHAT)[number];

export function getCommand(): Command {
  return new Command('get')
    .summary("print a release's values, manifest or notes")
    .addArgument(new Argument('<what>', 'what to print').choices(WHAT))
    .argument('[release]', 'release name (not for clusters)')
    .option('-A, --all-namespaces', 'clusters: in every namespace')
    .option('--revision <n>', 'a past revision instead of the latest')
    .option('-a, --all', "values: all computed values (chart defaults included), not only the user's")
    .addOption(
      new Option('-o, --output <format>', 'output format (values: yaml|json; clusters: table|json|yaml)').choices([
        'table',
        'yaml',
        'json',
      ]),
    )
    .action(
      async (
        what: What,
        name: string | undefined,
        flags: { revision?: string; all?: boolean; allNamespaces?: boolean; output?: 'table' | 'yaml' | 'json' },
        cmd: Command,
      ) => {
        if (what === 'clusters') {
          await printClusters(cmd, Boolean(flags.allNamespaces), flags.output ?? 'table');
          return;
        }
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
              flags.output === 'json' ? `${JSON.stringify(values)}\n` : yaml.dump(values, { lineWidth: -1 }),
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

/** `rayctl get clusters`: every RayCluster with its release, phase, workers per type and the operator serving it. */
async function printClusters(cmd: Command, allNamespaces: boolean, format: 'table' | 'yaml' | 'json'): Promise<void> {
  const { ctx, namespace } = await connectFromFlags(cmd);
  try {
    const clusters = (await listClusters(ctx, allNamespaces ? undefined : namespace)).sort(
      (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
    );
    if (format !== 'table') {
      process.stdout.write(
        structured(
          clusters.map((c) => ({
            name: c.name,
            namespace: c.namespace,
            release: c.release ?? '',
            phase: c.phase,
            restarts: c.restarts,
            workers: c.workers,
            operator: operatorText(c),
          })),
          format,
        ),
      );
      return;
    }
    process.stdout.write(
      formatTable(
        ['NAME', 'NAMESPACE', 'RELEASE', 'PHASE', 'WORKERS (READY/DESIRED)', 'OPERATOR', 'AGE'],
        clusters.map((c) => [
          c.name,
          c.namespace,
          c.release ?? '',
          colourPhase(c.phase),
          workersText(c),
          operatorText(c),
          age(c.createdAt),
        ]),
      ),
    );
  } finally {
    ctx.client.close();
  }
}
