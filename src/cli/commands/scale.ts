import { Command } from 'commander';
import { scaleWorkers } from '../../actions/scale.ts';
import { UsageError } from '../../errors.ts';
import { connectFromFlags } from '../cluster-flags.ts';

export function scaleCommand(): Command {
  return new Command('scale')
    .summary('set the number of workers of one pod type of a RayCluster')
    .description(
      "Sets podTypes[].desiredWorkers, within the type's [minWorkers, maxWorkers]: the fewest workers the operator\n" +
        "keeps. Its autoscaler may add more for Ray's load, up to maxWorkers, and removes only those when idle.",
    )
    .argument('<cluster>', 'RayCluster name')
    .requiredOption('--pod-type <type>', 'the pod type, e.g. rayWorkerType')
    .requiredOption('--workers <n>', 'how many workers')
    .addHelpText('after', '\nExample:\n  rayctl -n ray scale example-cluster --pod-type rayWorkerType --workers 3')
    .action(async (name: string, flags: { podType: string; workers: string }, cmd: Command) => {
      if (!/^\d+$/.test(flags.workers)) throw new UsageError(`--workers "${flags.workers}" must be a whole number`);
      const workers = Number(flags.workers);
      const { ctx, namespace } = await connectFromFlags(cmd);
      try {
        await scaleWorkers(ctx, { namespace, cluster: name, podType: flags.podType, workers });
        process.stdout.write(`raycluster ${name} ${flags.podType}: ${workers} workers requested\n`);
      } finally {
        ctx.client.close();
      }
    });
}
