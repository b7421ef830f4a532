import { Argument, Command, Option } from 'commander';
import yaml from 'js-yaml';
import { readRevision } from '../../actions/read.ts';
import { coalesceValues } from '../../chart/values.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { printRelease } from '../release-output.ts';
import { parseRevision } from './revision-flag.ts';

const WHAT = ['values', 'manifest', 'notes', 'all'] as const;
type What = (typeof WHAT)[number];

export function getCommand(): Command {
  return new Command('get')
    .summary("print a release's values, manifest or notes")
    .addArgument(new Argument('<what>', 'what to print').choices(WHAT))
    .argument('<release>', 'release name')
    .option('--revision <n>', 'a past revision instead of the latest')
    .option('-a, --all', "values: all computed values (chart defaults included), not only the user's")
    .addOption(new Option('-o, --output <format>', 'values output format').choices(['yaml', 'json']).default('yaml'))
    .action(
      async (
        what: What,
        name: string,
        flags: { revision?: string; all?: boolean; output: 'yaml' | 'json' },
        cmd: Command,
      ) => {
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
