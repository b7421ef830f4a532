import { printable } from '../terminal.ts';
import { Command, Option } from 'commander';
import { UsageError } from '../../errors.ts';
import { clusterLogs } from '../../logs/cluster-logs.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { parseDuration } from '../../duration.ts';

interface LogsFlags {
  cluster: string;
  follow?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
  events?: boolean;
  ray?: 'head' | 'workers' | 'all';
}

export function logsCommand(): Command {
  return new Command('logs')
    .summary("what the operator did for one Ray cluster (or the Ray pods' own logs)")
    .description(
      'Finds the operator(s) serving the namespace, wherever they run, reads their logs through the API and keeps the\n' +
        'lines about one cluster: `kubectl logs ray-operator | grep example-cluster,ray` without knowing where it runs.',
    )
    .requiredOption('--cluster <name>', 'the RayCluster')
    .option('-f, --follow', 'keep following, across operator restarts and leader changes')
    .option('--tail <n>', 'only the last N lines')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m')
    .option('--timestamps', 'prefix each line with its time')
    .option('--events', "also the RayCluster's Kubernetes Events, in time order")
    .addOption(
      new Option('--ray <pods>', "instead, the Ray pods' own logs, each line prefixed with its pod").choices([
        'head',
        'workers',
        'all',
      ]),
    )
    .addHelpText(
      'after',
      '\nExamples ("Running multiple Ray clusters"):\n  rayctl -n ray logs --cluster example-cluster2 --tail 100\n  rayctl -n ray logs --cluster example-cluster -f --events',
    )
    .action(async (flags: LogsFlags, cmd: Command) => {
      if (flags.tail !== undefined && !/^\d+$/.test(flags.tail))
        throw new UsageError(`--tail "${flags.tail}" must be a whole number`);
      const sinceSeconds =
        flags.since === undefined ? undefined : Math.ceil(parseDuration(flags.since, '--since') / 1000);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        await clusterLogs(
          ctx,
          {
            cluster: flags.cluster,
            namespace,
            follow: Boolean(flags.follow),
            ...(flags.tail === undefined ? {} : { tail: Number(flags.tail) }),
            ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
            timestamps: Boolean(flags.timestamps),
            events: Boolean(flags.events),
            ...(flags.ray ? { ray: flags.ray } : {}),
          },
          // Colours in a pod's log stay (Ray colours its own); other control sequences do not reach the terminal.
          (line) => process.stdout.write(`${printable(line, { keepColour: true })}\n`),
        );
      } finally {
        ctx.client.close();
      }
    });
}
