import { Command, Option } from 'commander';
import { listReleases } from '../../actions/read.ts';
import { RELEASE_STATUSES, type Release, type ReleaseStatus } from '../../release/model.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { formatTable, formatTime, OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { structured } from '../release-output.ts';

interface ListFlags {
  allNamespaces?: boolean;
  all?: boolean;
  deployed?: boolean;
  failed?: boolean;
  pending?: boolean;
  uninstalled?: boolean;
  superseded?: boolean;
  uninstalling?: boolean;
  selector?: string;
  output: OutputFormat;
  short?: boolean;
}

/** Helm's default: deployed and failed; each flag adds its statuses. */
export function statusesFor(flags: ListFlags): Set<ReleaseStatus> {
  if (flags.all) return new Set(RELEASE_STATUSES);
  const wanted = new Set<ReleaseStatus>();
  if (flags.deployed) wanted.add('deployed');
  if (flags.failed) wanted.add('failed');
  if (flags.uninstalled) wanted.add('uninstalled');
  if (flags.uninstalling) wanted.add('uninstalling');
  if (flags.superseded) wanted.add('superseded');
  if (flags.pending)
    ['pending-install', 'pending-upgrade', 'pending-rollback'].forEach((s) => wanted.add(s as ReleaseStatus));
  return wanted.size > 0 ? wanted : new Set<ReleaseStatus>(['deployed', 'failed']);
}

/** One row per release, with Helm's JSON keys (`helm list -o json`). */
function row(release: Release) {
  return {
    name: release.name,
    namespace: release.namespace,
    revision: String(release.version),
    updated: formatTime(release.info.last_deployed),
    status: release.info.status,
    chart: `${release.chart.metadata.name}-${release.chart.metadata.version}`,
    app_version: release.chart.metadata.appVersion ?? '',
  };
}

export function listCommand(): Command {
  return new Command('list')
    .alias('ls')
    .summary('list releases (rayctl and helm alike)')
    .option('-A, --all-namespaces', 'list releases in every namespace')
    .option('-a, --all', 'every status')
    .option('-d, --deployed', 'deployed releases')
    .option('--failed', 'failed releases')
    .option('--pending', 'pending-install, pending-upgrade and pending-rollback releases')
    .option('--uninstalled', 'releases uninstalled with --keep-history')
    .option('--uninstalling', 'releases being uninstalled')
    .option('--superseded', 'superseded revisions')
    .option('-l, --selector <selector>', 'label selector on the release records, e.g. name=example-cluster')
    .option('-q, --short', 'names only')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nBy default only deployed and failed releases are listed, as with helm.')
    .action(async (flags: ListFlags, cmd: Command) => {
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const releases = await listReleases(
          ctx,
          flags.allNamespaces ? { allNamespaces: true } : { namespace },
          statusesFor(flags),
          flags.selector,
        );
        const rows = releases.map(row);
        if (flags.short) process.stdout.write(rows.map((r) => `${r.name}\n`).join(''));
        else if (flags.output !== 'table') process.stdout.write(structured(rows, flags.output));
        else {
          process.stdout.write(
            formatTable(
              ['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'],
              rows.map((r) => [r.name, r.namespace, r.revision, r.updated, r.status, r.chart, r.app_version]),
            ),
          );
        }
      } finally {
        ctx.client.close();
      }
    });
}
