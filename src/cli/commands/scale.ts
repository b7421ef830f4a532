import { Command } from 'commander';
import { scaleWorkers } from '../../actions/scale.ts';
import { UsageError } from '../../errors.ts';
import { connectFromFlags } from '../cluster-flags.ts';

interface ScaleFlags {
  podType: string;
  workers?: string;
  minWorkers?: string;
  maxWorkers?: string;
}

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${flag} "${value}" must be a whole number`);
  return Number(value);
}

export function scaleCommand(): Command {
  return new Command('scale')
    .summary('set the number of workers (and their bounds) of one pod type of a RayCluster')
    .description(
      "Sets podTypes[].desiredWorkers, within the type's [minWorkers, maxWorkers]: the fewest workers the operator\n" +
        "keeps. Its autoscaler may add more for Ray's load, up to maxWorkers, and removes only those when idle.\n" +
        "--min-workers/--max-workers change the bounds on the live RayCluster (as kubectl-ray's scale cluster); the\n" +
        "release's values still hold the old ones, so put them there too before the next upgrade.",
    )
    .argument('<cluster>', 'RayCluster name')
    .requiredOption('--pod-type <type>', 'the pod type, e.g. rayWorkerType')
    .option('--workers <n>', 'how many workers')
    .option('--min-workers <n>', 'the fewest workers of the type')
    .option('--max-workers <n>', 'the most workers of the type (the autoscaler stops there)')
    .addHelpText(
      'after',
      `
Examples:
  rayctl -n ray scale example-cluster --pod-type rayWorkerType --workers 3
  rayctl -n ray scale example-cluster --pod-type rayWorkerType --min-workers 1 --max-workers 10`,
    )
    .action(async (name: string, flags: ScaleFlags, cmd: Command) => {
      const workers = count('--workers', flags.workers);
      const minWorkers = count('--min-workers', flags.minWorkers);
      const maxWorkers = count('--max-workers', flags.maxWorkers);
      if (workers === undefined && minWorkers === undefined && maxWorkers === undefined)
        throw new UsageError('scale needs --workers, --min-workers or --max-workers');
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        await scaleWorkers(ctx, {
          namespace,
          cluster: name,
          podType: flags.podType,
          ...(workers !== undefined ? { workers } : {}),
          ...(minWorkers !== undefined ? { minWorkers } : {}),
          ...(maxWorkers !== undefined ? { maxWorkers } : {}),
        });
        const parts = [
          workers !== undefined && `${workers} workers requested`,
          minWorkers !== undefined && `minWorkers ${minWorkers}`,
          maxWorkers !== undefined && `maxWorkers ${maxWorkers}`,
        ].filter(Boolean);
        process.stdout.write(`raycluster ${name} ${flags.podType}: ${parts.join(', ')}\n`);
      } finally {
        ctx.client.close();
      }
    });
}
