import { Command, Option } from 'commander';
import { readRevision } from '../../actions/read.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { printRelease } from '../release-output.ts';
import { parseRevision } from './revision-flag.ts';

export function statusCommand(): Command {
  return new Command('status')
    .summary('show the status of a release')
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
          printRelease(await readRevision(ctx, { name, namespace }, revision), flags.output, {
            manifest: Boolean(flags.showManifest),
          });
        } finally {
          ctx.client.close();
        }
      },
    );
}
