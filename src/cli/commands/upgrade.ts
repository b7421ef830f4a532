import { Command } from 'commander';
import { install } from '../../actions/install.ts';
import { upgrade } from '../../actions/upgrade.ts';
import { ReleaseNotFoundError } from '../../release/history.ts';
import { checkReleaseName } from '../../release/names.ts';
import { UsageError } from '../../errors.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { addDeployOptions, deployOptions, deployRequest, loadDeployInputs, type DeployFlags } from '../deploy-flags.ts';
import { printRevisionDiff } from '../diff-output.ts';
import { printRelease } from '../release-output.ts';

interface UpgradeFlags extends DeployFlags {
  install?: boolean;
  reuseValues?: boolean;
  resetValues?: boolean;
  recover?: boolean;
  diff?: boolean;
}

export function upgradeCommand(): Command {
  const command = new Command('upgrade')
    .summary('change a release: new values, scaling, a new image')
    .description(
      'Upgrade a release to a new revision. Objects the new revision no longer renders are deleted (unless annotated\n' +
        'helm.sh/resource-policy: keep); the previous revision becomes superseded. With no values given, the last ones are kept.',
    )
    .argument('<release>', 'release name')
    .option('-i, --install', 'install the release if it does not exist')
    .option('--reuse-values', "merge the given values over the release's last values")
    .option('--reset-values', "start from the chart's defaults, dropping the release's last values")
    .option('--recover', 'mark a revision left pending by a killed command failed, then upgrade')
    .option(
      '--diff',
      'with --dry-run=server: show what would change in the cluster (as `rayctl diff`), not the manifest',
    );
  addDeployOptions(command);
  return command
    .addHelpText(
      'after',
      `
Examples ("Helm chart configuration"):
  rayctl -n ray upgrade example-cluster --reuse-values --set podTypes.rayWorkerType.minWorkers=3
  rayctl -n ray upgrade example-cluster --reuse-values --max-workers rayWorkerType=10 --wait`,
    )
    .action(async (name: string, flags: UpgradeFlags, cmd: Command) => {
      checkReleaseName(name);
      const inputs = await loadDeployInputs(flags);
      const options = deployOptions(flags);
      if (flags.diff && options.dryRun !== 'server')
        throw new UsageError('--diff needs --dry-run=server', 'or see the same diff with `rayctl diff upgrade`');
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const request = deployRequest(flags, options, { name, namespace }, inputs);
        // As helm's upgrade command: --install turns "not found" into an install (over an uninstalled one).
        const release = await upgrade(ctx, {
          ...request,
          reuseValues: Boolean(flags.reuseValues),
          resetValues: Boolean(flags.resetValues),
          recover: Boolean(flags.recover),
        }).catch((err: unknown) => {
          if (flags.install && err instanceof ReleaseNotFoundError) return install(ctx, { ...request, replace: true });
          throw err;
        });
        if (flags.diff) await printRevisionDiff(ctx, release, flags.output, { force: Boolean(flags.forceConflicts) });
        else printRelease(release, flags.output, { manifest: options.dryRun !== 'none' });
      } finally {
        ctx.client.close();
      }
    });
}
