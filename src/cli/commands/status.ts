import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseView, resourcesOf } from '../../actions/cluster-view.ts';
import type { ActionContext } from '../../actions/context.ts';
import { listReleases, readRevision } from '../../actions/read.ts';
import { UsageError } from '../../errors.ts';
import { RELEASE_STATUSES, type Release } from '../../release/model.ts';
import { checkReleaseName } from '../../release/names.ts';
import { age, formatClusterViews } from '../cluster-output.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { formatTable, listingOutputOption, type ListingFormat } from '../output.ts';
import { formatRelease, structured } from '../release-output.ts';
import { parseRevision } from './revision-flag.ts';

interface StatusFlags {
  revision?: string;
  showManifest?: boolean;
  showResources?: boolean;
  showDesc?: boolean;
  selector?: string;
  watch?: boolean;
  output: ListingFormat;
}

/** How often `status -w` looks again: a release's state spans several kinds, so it is read, not watched. */
const WATCH_INTERVAL_MS = 2_000;

export function statusCommand(): Command {
  return new Command('status')
    .summary('show a release: its record, and live its RayCluster (phase, head service, pods) or operator')
    .argument('[release]', 'release name (or -l SELECTOR for several)')
    .option('--revision <n>', 'a past revision instead of the latest')
    .option('--show-manifest', 'also print the manifest')
    .option('--show-resources', "also list the release's objects as they are in the cluster")
    .option('--show-desc', "also print the revision's description (as helm's status)")
    .option('-l, --selector <selector>', 'every release whose record matches, e.g. -l name=example-cluster')
    .option('-w, --watch', 'print again whenever the status changes, until Ctrl-C')
    .addOption(listingOutputOption())
    .addHelpText(
      'after',
      `
Examples:
  rayctl status example-cluster -n ray                      # the record, the RayCluster's pods, the operator
  rayctl status example-cluster -n ray -w                   # follow it while it scales
  rayctl status example-cluster -n ray --show-resources --show-desc
  rayctl status example-cluster -n ray -o jsonpath='{.info.status}'`,
    )
    .action(async (name: string | undefined, flags: StatusFlags, cmd: Command) => {
      if (name === undefined && !flags.selector)
        throw new UsageError('status needs a release name or -l SELECTOR', 'e.g. rayctl status example-cluster -n ray');
      if (name !== undefined && flags.selector) throw new UsageError('give a release name or -l SELECTOR, not both');
      if (name !== undefined) checkReleaseName(name);
      const revision = parseRevision(flags.revision);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const render = async () => {
          const releases =
            name !== undefined
              ? [await readRevision(ctx, { name, namespace }, revision)]
              : await listReleases(ctx, { namespace }, new Set(RELEASE_STATUSES), flags.selector);
          return formatStatus(ctx, releases, flags, revision === undefined);
        };
        let shown = await render();
        process.stdout.write(shown);
        if (!flags.watch) return;
        const stopped = interrupted();
        while (!(await Promise.race([stopped.then(() => true), sleep(WATCH_INTERVAL_MS).then(() => false)]))) {
          const next = await render();
          if (next !== shown) process.stdout.write(`${flags.output.kind === 'table' ? '\n' : ''}${next}`);
          shown = next;
        }
      } finally {
        ctx.client.close();
      }
    });
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function formatStatus(
  ctx: ActionContext,
  releases: Release[],
  flags: StatusFlags,
  latest: boolean,
): Promise<string> {
  const format = flags.output;
  switch (format.kind) {
    case 'name':
      return releases.map((r) => `release/${r.name}\n`).join('');
    case 'json':
    case 'yaml':
      return structured(releases.length === 1 && !flags.selector ? releases[0] : releases, format.kind);
    case 'jsonpath': {
      const records = releases.map((r) => JSON.parse(structured(r, 'json')) as unknown);
      return format.render(records.length === 1 && !flags.selector ? records[0] : { kind: 'List', items: records });
    }
    case 'table':
    case 'wide': {
      const parts: string[] = [];
      for (const release of releases) {
        let text = formatRelease(release, {
          manifest: Boolean(flags.showManifest),
          showNotes: false,
          description: Boolean(flags.showDesc),
        });
        // The live view is about now; a past revision shows only its record.
        if (latest && release.info.status !== 'uninstalled') {
          if (flags.showResources) text += await formatResources(ctx, release);
          const view = await releaseView(ctx, release);
          text += formatClusterViews(view.clusters, view.operator, { wide: format.kind === 'wide' });
        }
        parts.push(text);
      }
      return parts.join('\n');
    }
  }
}

async function formatResources(ctx: ActionContext, release: Release): Promise<string> {
  const resources = await resourcesOf(ctx, release);
  return `RESOURCES:\n${formatTable(
    ['KIND', 'NAME', 'NAMESPACE', 'STATE', 'AGE'],
    resources.map((r) => [r.kind, r.name, r.namespace, r.state, r.createdAt ? age(r.createdAt) : '']),
  )}`;
}
