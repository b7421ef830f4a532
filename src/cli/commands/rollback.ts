import { Command, Option } from 'commander';
import { rollbackTo } from '../../actions/rollback.ts';
import { UsageError } from '../../errors.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { DEFAULT_HISTORY_MAX, HISTORY_MAX_HELP, parseHistoryMax } from '../deploy-flags.ts';
import { parseDuration } from '../../duration.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { printRelease } from '../release-output.ts';

export function rollbackCommand(): Command {
  return new Command('rollback')
    .summary('roll a release back to an earlier revision')
    .description(
      'Create a new revision that copies revision N (default: the one before the current). Also resolves a release left pending-* by a killed command.',
    )
    .argument('<release>', 'release name')
    .argument('[revision]', 'the revision to go back to')
    .option('--wait', 'wait until the restored objects are ready')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option('--force-conflicts', 'take over fields that another field manager set')
    .option('--history-max <n>', HISTORY_MAX_HELP, String(DEFAULT_HISTORY_MAX))
    .option(
      '--dry-run',
      'check the rollback against the API server (dry-run apply) and show the revision; change nothing',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  rayctl rollback example-cluster -n ray            # to the revision before the current one
  rayctl rollback example-cluster 2 -n ray --wait
  rayctl rollback example-cluster 0 -n ray --dry-run   # what the previous revision would restore`,
    )
    .action(
      async (
        name: string,
        revision: string | undefined,
        flags: {
          wait?: boolean;
          timeout: string;
          forceConflicts?: boolean;
          historyMax: string;
          dryRun?: boolean;
          output: OutputFormat;
        },
        cmd: Command,
      ) => {
        checkReleaseName(name);
        if (revision !== undefined && !/^(0|[1-9]\d{0,8})$/.test(revision))
          throw new UsageError(`revision "${revision}" must be a whole number (0: the previous revision, as in helm)`);
        const options = {
          wait: Boolean(flags.wait),
          timeoutMs: parseDuration(flags.timeout),
          force: Boolean(flags.forceConflicts),
          historyMax: parseHistoryMax(flags.historyMax),
          dryRun: Boolean(flags.dryRun),
        };
        const { ctx, namespace } = await connectFromFlags(cmd);
        try {
          const release = await rollbackTo(
            ctx,
            { name, namespace },
            revision === undefined || revision === '0' ? undefined : Number(revision),
            options,
          );
          printRelease(release, flags.output, { showNotes: false, manifest: Boolean(flags.dryRun) });
        } finally {
          ctx.client.close();
        }
      },
    );
}
