import { Command, Option } from 'commander';
import { readHistory } from '../../actions/read.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { formatTable, formatTime, OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { structured } from '../release-output.ts';

export function historyCommand(): Command {
  return new Command('history')
    .summary("list a release's revisions")
    .argument('<release>', 'release name')
    .option('--max <n>', 'the most recent N revisions only', '256')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText(
      'after',
      '\nExamples:\n  rayctl history example-cluster -n ray\n  rayctl history example-cluster -n ray --max 3 -o json',
    )
    .action(async (name: string, flags: { max: string; output: OutputFormat }, cmd: Command) => {
      checkReleaseName(name);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        const rows = (await readHistory(ctx, { name, namespace })).slice(-Number(flags.max)).map((r) => ({
          revision: r.version,
          updated: formatTime(r.info.last_deployed),
          status: r.info.status,
          chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
          app_version: r.chart.metadata.appVersion ?? '',
          description: r.info.description,
        }));
        if (flags.output !== 'table') process.stdout.write(structured(rows, flags.output));
        else {
          process.stdout.write(
            formatTable(
              ['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION'],
              rows.map((r) => [String(r.revision), r.updated, r.status, r.chart, r.app_version, r.description]),
            ),
          );
        }
      } finally {
        ctx.client.close();
      }
    });
}
