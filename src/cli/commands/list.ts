import { Command, Option } from 'commander';
import { listReleases } from '../../actions/read.ts';
import { RELEASE_STATUSES, type Release, type ReleaseStatus } from '../../release/model.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { formatTable, formatTime, OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { structured } from '../release-output.ts';
import { formatGoTime } from '../time-layout.ts';
import { UsageError } from '../../errors.ts';

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
  filter?: string;
  max: string;
  offset: string;
  headers: boolean;
  timeFormat?: string;
  reverse?: boolean;
  date?: boolean;
}

interface Paging {
  filter: RegExp | undefined;
  max: number;
  offset: number;
}

/** The paging flags, checked before anything is asked of the cluster. */
export function pagingOf(flags: ListFlags): Paging {
  return {
    filter: flags.filter === undefined ? undefined : compileFilter(flags.filter),
    max: count('--max', flags.max),
    offset: count('--offset', flags.offset),
  };
}

/** helm's order and paging: by name (or `--date`, oldest first), `-r` reversed, then `--offset` and `--max` (0 = all). */
export function selectReleases(releases: readonly Release[], paging: Paging, flags: ListFlags): Release[] {
  const { filter, max, offset } = paging;
  const chosen = releases.filter((r) => !filter || filter.test(r.name));
  if (flags.date) chosen.sort((a, b) => a.info.last_deployed.localeCompare(b.info.last_deployed));
  if (flags.reverse) chosen.reverse();
  return chosen.slice(offset, max === 0 ? undefined : offset + max);
}

function compileFilter(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new UsageError(`--filter "${pattern}" is not a regular expression: ${(err as Error).message}`);
  }
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`${flag} "${value}" must be a whole number (0 or more)`);
  return Number(value);
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
function row(release: Release, timeFormat: string | undefined) {
  return {
    name: release.name,
    namespace: release.namespace,
    revision: String(release.version),
    updated: timeFormat ? formatGoTime(release.info.last_deployed, timeFormat) : formatTime(release.info.last_deployed),
    status: release.info.status,
    chart: `${release.chart.metadata.name}-${release.chart.metadata.version}`,
    app_version: release.chart.metadata.appVersion ?? '',
  };
}

export function listCommand(): Command {
  return new Command('list')
    .summary('list releases (rayctl and helm alike)')
    .option('-A, --all-namespaces', 'list releases in every namespace')
    .option('-a, --all', 'every status')
    .option('--deployed', 'deployed releases')
    .option('--failed', 'failed releases')
    .option('--pending', 'pending-install, pending-upgrade and pending-rollback releases')
    .option('--uninstalled', 'releases uninstalled with --keep-history')
    .option('--uninstalling', 'releases being uninstalled')
    .option('--superseded', 'superseded revisions')
    .option('-l, --selector <selector>', 'label selector on the release records, e.g. name=example-cluster')
    .option('-q, --short', 'names only')
    .option('-f, --filter <regex>', 'only releases whose name matches, e.g. --filter "^example-"')
    .option('-m, --max <n>', 'at most this many releases (0: all)', '256')
    .option('--offset <n>', 'skip this many releases first (with --max, pages through)', '0')
    .option('-d, --date', 'sort by the time of the last deployment, oldest first')
    .option('-r, --reverse', 'reverse the order')
    .option('--no-headers', 'no header line in the table')
    .option('--time-format <layout>', 'times in this Go layout, e.g. "2006-01-02T15:04:05Z07:00"')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText(
      'after',
      `
By default only deployed and failed releases are listed, as with helm.

Examples:
  rayctl list -A                                  # every namespace
  rayctl list -n ray --filter '^example' -o json
  rayctl list -A -a --date -r --max 10            # the ten most recently deployed, any status
  rayctl list -A --no-headers -q | xargs -n1 rayctl status`,
    )
    .action(async (flags: ListFlags, cmd: Command) => {
      const paging = pagingOf(flags);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const releases = await listReleases(
          ctx,
          flags.allNamespaces ? { allNamespaces: true } : { namespace },
          statusesFor(flags),
          flags.selector,
        );
        const rows = selectReleases(releases, paging, flags).map((r) => row(r, flags.timeFormat));
        if (flags.short) process.stdout.write(rows.map((r) => `${r.name}\n`).join(''));
        else if (flags.output !== 'table') process.stdout.write(structured(rows, flags.output));
        else {
          process.stdout.write(
            formatTable(
              ['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'],
              rows.map((r) => [r.name, r.namespace, r.revision, r.updated, r.status, r.chart, r.app_version]),
              { noHeaders: !flags.headers },
            ),
          );
        }
      } finally {
        ctx.client.close();
      }
    });
}
