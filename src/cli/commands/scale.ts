import { Command } from 'commander';
import { UsageError, UserError } from '../../errors.ts';
import type { RayCluster } from '../../operator/types.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { rayClusterPath } from '../../operator/labels.ts';

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
        const path = rayClusterPath(namespace, name);
        const cluster = await ctx.client.request<RayCluster>('GET', path, {
          verb: 'get',
          resource: 'rayclusters',
          namespace,
          name,
        });
        const index = cluster.spec.podTypes.findIndex((t) => t.name === flags.podType);
        const podType = cluster.spec.podTypes[index];
        if (!podType) {
          throw new UserError(
            `RayCluster "${name}" has no pod type "${flags.podType}"`,
            `pod types: ${cluster.spec.podTypes.map((t) => t.name).join(', ')}`,
          );
        }
        const min = podType.minWorkers ?? 0;
        const max = podType.maxWorkers ?? Number.POSITIVE_INFINITY;
        if (workers < min || workers > max) {
          throw new UserError(
            `--workers ${workers} is outside ${flags.podType}'s range [${min}, ${max}]`,
            `change the range with \`rayctl upgrade <release> -n ${namespace} --reuse-values --min-workers ${flags.podType}=N --max-workers ${flags.podType}=M\``,
          );
        }
        // The test guards against the list changing between the read and the write.
        const patched = await ctx.client.request<RayCluster>(
          'PATCH',
          path,
          { verb: 'patch', resource: 'rayclusters', namespace, name },
          {
            body: [
              { op: 'test', path: `/spec/podTypes/${index}/name`, value: flags.podType },
              { op: 'add', path: `/spec/podTypes/${index}/desiredWorkers`, value: workers },
            ],
            contentType: 'application/json-patch+json',
            query: { fieldManager: 'rayctl-scale' },
          },
        );
        // An older CRD has no desiredWorkers field, and the API server silently drops unknown fields.
        if (patched.spec.podTypes[index]?.desiredWorkers !== workers) {
          throw new UserError(
            "the cluster's RayCluster CRD is older than this rayctl and has no podTypes[].desiredWorkers: the request was dropped",
            'update the CRD with `rayctl show crds | kubectl apply --server-side --force-conflicts -f -`, then scale again',
          );
        }
        process.stdout.write(`raycluster ${name} ${flags.podType}: ${workers} workers requested\n`);
      } finally {
        ctx.client.close();
      }
    });
}
