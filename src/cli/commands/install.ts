import { Command } from 'commander';
import { install } from '../../actions/install.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { addDeployOptions, deployOptions, deployRequest, loadDeployInputs, type DeployFlags } from '../deploy-flags.ts';
import { printRelease } from '../release-output.ts';

interface InstallFlags extends DeployFlags {
  replace?: boolean;
}

export function installCommand(): Command {
  const command = new Command('install')
    .summary('install the Ray chart as a release (operator, Ray cluster, or both)')
    .description(
      "Install a release, recorded in Helm's format so `helm list` sees it. Revision 1 is written pending-install first,\n" +
        'then the CRD (if absent) and the objects are applied; the release ends deployed or failed.',
    )
    .argument('<release>', 'release name (the RayCluster is named after it)')
    .option('--replace', 'reuse the name of an uninstalled (history kept) or failed release');
  addDeployOptions(command);
  return command
    .addHelpText(
      'after',
      `
Examples ("Running multiple Ray clusters"), workflow 1 — one operator, clusters added later:
  rayctl install ray-operator --operator-only
  rayctl -n ray install example-cluster --cluster-only --create-namespace
  rayctl -n ray install example-cluster2 --cluster-only --set podTypes.rayWorkerType.minWorkers=0

Workflow 2 — the operator comes with the first cluster:
  rayctl -n ray install example-cluster --create-namespace
  rayctl -n ray install example-cluster2 --cluster-only`,
    )
    .action(async (name: string, flags: InstallFlags, cmd: Command) => {
      checkReleaseName(name);
      const inputs = await loadDeployInputs(flags);
      const options = deployOptions(flags);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const release = await install(ctx, {
          ...deployRequest(flags, options, { name, namespace }, inputs),
          replace: Boolean(flags.replace),
        });
        printRelease(release, flags.output, { manifest: options.dryRun !== 'none' });
      } finally {
        ctx.client.close();
      }
    });
}
