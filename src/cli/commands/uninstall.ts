import { ReleaseNotFoundError } from '../../release/history.ts';
import { Command } from 'commander';
import { uninstall } from '../../actions/uninstall.ts';
import { describeObject } from '../../chart/objects.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { parseDuration } from '../../duration.ts';
import type { Propagation } from '../../actions/deploy.ts';
import { UsageError } from '../../errors.ts';

interface UninstallFlags {
  keepHistory?: boolean;
  wait?: boolean;
  timeout: string;
  deleteCrds?: boolean;
  withClusters?: boolean;
  cascade?: string | true;
  force?: boolean;
  ignoreNotFound?: boolean;
  dryRun?: boolean;
  description?: string;
}

const CASCADE = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const;

/**
 * helm's `--cascade=background|orphan|foreground`. Before rayctl took helm's meaning, a bare `--cascade` meant
 * "uninstall the clusters first"; that spelling gets a message saying what it is now, never a silent change.
 */
export function parseCascade(value: string | true | undefined): Propagation {
  if (value === undefined) return 'Background';
  if (value === true)
    throw new UsageError(
      '--cascade takes a value, as in helm: background, orphan or foreground',
      'to uninstall the RayCluster releases an operator serves first (what a bare --cascade once did), use --with-clusters',
    );
  const policy = CASCADE[value as keyof typeof CASCADE];
  if (!policy)
    throw new UsageError(`--cascade "${value}" is not a deletion policy: use background, orphan or foreground`);
  return policy;
}

export function uninstallCommand(): Command {
  return new Command('uninstall')
    .summary("delete a release's objects and its history")
    .description(
      'Uninstall releases. The RayCluster CRD is kept unless --delete-crds: deleting it deletes every RayCluster in the\n' +
        'cluster. A release that runs an operator still serving clusters is refused unless --with-clusters or --force.',
    )
    .argument('<releases...>', 'release names')
    .option('--keep-history', 'keep the release records (status uninstalled), so `rollback` can restore it')
    .option('--wait', 'wait until every object is gone')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option(
      '--delete-crds',
      'also delete the RayCluster CRD (refused while other releases have RayClusters, unless --force)',
    )
    .option(
      '--with-clusters',
      "first uninstall the cluster releases this release's operator serves, waiting for their pods",
    )
    .option(
      '--cascade [policy]',
      'how deletion reaches dependents (pods of a RayCluster): background (default), orphan or foreground',
    )
    .option('--dry-run', 'check and list what would be deleted; change nothing')
    .option('--description <text>', 'description recorded on the release (kept with --keep-history)')
    .option('--ignore-not-found', 'a release that does not exist is not an error (as helm 3.13+)')
    .option(
      '--force',
      "uninstall even if that leaves RayClusters without an operator, or deletes other releases' RayClusters with the CRD",
    )
    .addHelpText(
      'after',
      `
Examples ("Running multiple Ray clusters", clean up):
  rayctl -n ray uninstall example-cluster example-cluster2
  rayctl uninstall ray-operator
  rayctl uninstall ray-operator --delete-crds     # (optional) delete the CRD too
  rayctl uninstall ray-operator --with-clusters  # its RayCluster releases first, then the operator
  rayctl uninstall example-cluster --dry-run     # what would be deleted`,
    )
    .action(async (names: string[], flags: UninstallFlags, cmd: Command) => {
      names.forEach(checkReleaseName);
      const propagation = parseCascade(flags.cascade);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        for (const name of names) {
          const uninstalled = await uninstall(ctx, {
            release: { name, namespace },
            keepHistory: Boolean(flags.keepHistory),
            wait: Boolean(flags.wait),
            timeoutMs: parseDuration(flags.timeout),
            deleteCrds: Boolean(flags.deleteCrds),
            withClusters: Boolean(flags.withClusters),
            force: Boolean(flags.force),
            propagation,
            dryRun: Boolean(flags.dryRun),
            ...(flags.description !== undefined ? { description: flags.description } : {}),
          }).catch((err: unknown) => {
            if (flags.ignoreNotFound && err instanceof ReleaseNotFoundError) return undefined;
            throw err;
          });
          if (!uninstalled) {
            process.stdout.write(`release "${name}" not found: nothing to uninstall\n`);
            continue;
          }
          if (flags.dryRun) {
            for (const object of uninstalled.deleted) process.stdout.write(`would delete ${describeObject(object)}\n`);
            for (const object of uninstalled.kept)
              process.stdout.write(`would keep ${describeObject(object)} (helm.sh/resource-policy: keep)\n`);
            process.stdout.write(`release "${name}" would be uninstalled (dry run: nothing changed)\n`);
            continue;
          }
          for (const object of uninstalled.kept)
            process.stdout.write(`kept ${describeObject(object)} (helm.sh/resource-policy: keep)\n`);
          process.stdout.write(`release "${name}" uninstalled\n`);
        }
      } finally {
        ctx.client.close();
      }
    });
}
