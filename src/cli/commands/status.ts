import { Command, Option } from 'commander';
import { releaseView } from '../../actions/cluster-view.ts';
import { readRevision } from '../../actions/read.ts';
import { printClusterViews } from '../cluster-output.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { printRelease } from '../release-output.ts';
import { parseRevision } from './revision-flag.ts';

export function statusCommand(): Command {
  return new Command('status')
    .summary('show a release: its record, and live its RayCluster (phase, head service, pods) or operator')
    .argument('<release>', 'release name')
    .option('--revision <n>', 'a past revision instead of the latest')
    .option('--show-manifest', 'also print the manifest')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .action(
      async (
        name: string,
        flags: { revision?: string; showManifest?: boolean; output: OutputFormat },
        cmd: Command,
      ) => {
        checkReleaseName(name);
        const revision = parseRevision(flags.revision);
        const { ctx, namespace } = await connectFromFlags(cmd);
        try {
          const release = await readRevision(ctx, { name, namespace }, revision);
          printRelease(release, flags.output, { manifest: Boolean(flags.showManifest), showNotes: false });
          // The live view is about now; a past revision shows only its record.
          if (flags.output === 'table' && revision === undefined && release.info.status !== 'uninstalled') {
            const view = await releaseView(ctx, release);
            printClusterViews(view.clusters, view.operator);
          }
        } finally {
          ctx.client.close();
        }
      },
    );
}
