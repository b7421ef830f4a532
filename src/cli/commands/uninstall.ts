import { ReleaseNotFoundError } from '../../release/history.ts';
import { Command } from 'commander';
import { uninstall } from '../../actions/uninstall.ts';
import { describeObject } from '../../chart/objects.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { parseDuration } from '../../duration.ts';

interface UninstallFlags {
  keepHistory?: boolean;
  wait?: boolean;
  timeout: string;
  deleteCrds?: boolean;
  cascade?: boolean;
  force?: boolean;
  ignoreNotFound?: boolean;
}

export function uninstallCommand(): Command {
  return new Command('uninstall')
    .alias('delete')
    .summary("delete a release's objects and its history")
    .description(
      'Uninstall releases. The RayCluster CRD is kept unless --delete-crds: deleting it deletes every RayCluster in the\n' +
        'cluster. A release that runs an operator still serving clusters is refused unless --cascade or --force.',
    )
    .argument('<releases...>', 'release names')
    .option('--keep-history', 'keep the release records (status uninstalled), so `rollback` can restore it')
    .option('--wait', 'wait until every object is gone')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option(
      '--delete-crds',
      'also delete the RayCluster CRD (refused while other releases have RayClusters, unless --force)',
    )
    .option('--cascade', "first uninstall the cluster releases this release's operator serves, waiting for their pods")
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
  rayctl uninstall ray-operator --delete-crds     # (optional) delete the CRD too`,
    )
    .action(async (names: string[], flags: UninstallFlags, cmd: Command) => {
      names.forEach(checkReleaseName);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        for (const name of names) {
          const uninstalled = await uninstall(ctx, {
            release: { name, namespace },
            keepHistory: Boolean(flags.keepHistory),
            wait: Boolean(flags.wait),
            timeoutMs: parseDuration(flags.timeout),
            deleteCrds: Boolean(flags.deleteCrds),
            cascade: Boolean(flags.cascade),
            force: Boolean(flags.force),
          }).catch((err: unknown) => {
            if (flags.ignoreNotFound && err instanceof ReleaseNotFoundError) return undefined;
            throw err;
          });
          if (!uninstalled) {
            process.stdout.write(`release "${name}" not found: nothing to uninstall\n`);
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
