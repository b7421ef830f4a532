import { Command, Option } from 'commander';
import { runOperator } from '../../operator/run.ts';
import { checkNamespaceName } from '../../release/names.ts';
import { parseDuration } from '../duration.ts';
import { globalFlags } from '../global-flags.ts';

interface OperatorFlags {
  concurrency: string;
  resync: string;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  metricsAddr: string;
  logFormat: 'text' | 'json';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function operatorCommand(): Command {
  return new Command('operator')
    .summary('run the Ray operator: turn RayClusters into head and worker pods')
    .description(
      'Run the reconcile loop in this process, against the cluster of the current kubeconfig (or in a pod, with its\n' +
        'service account). Cluster-scoped by default; -n NS or RAY_OPERATOR_POD_NAMESPACE watches only that namespace.\n' +
        'Every log line about a cluster starts with "<cluster>,<namespace>:".',
    )
    .option('--concurrency <n>', 'RayClusters reconciled at once', '4')
    .option('--resync <duration>', 'how often every cluster is reconciled even without changes', '5m')
    .option('--leader-elect', "elect one leader among replicas with a Lease (the chart's Deployment sets this)")
    .option(
      '--leader-election-namespace <ns>',
      'namespace of the Lease (default: the pod\'s namespace, the watched one, or "default")',
    )
    .option('--metrics-addr <host:port>', 'serve /healthz, /readyz and /metrics here; "0" for none', ':8080')
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option('--log-level <level>', 'lowest level logged')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Examples:
  rayctl operator                          # all namespaces, from your laptop
  rayctl operator -n ray --metrics-addr 0  # only namespace ray, no HTTP server
  rayctl operator | grep example-cluster2,ray`,
    )
    .action(async (flags: OperatorFlags, cmd: Command) => {
      const global = globalFlags(cmd);
      const namespace = global.namespace ?? (process.env.RAY_OPERATOR_POD_NAMESPACE || undefined);
      if (namespace) checkNamespaceName(namespace);
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`--concurrency must be a whole number ≥ 1, got "${flags.concurrency}"`);
      const code = await runOperator({
        connect: {
          ...(global.kubeconfig ? { kubeconfig: global.kubeconfig } : {}),
          ...(global.kubeContext ? { context: global.kubeContext } : {}),
          debug: Boolean(global.debug),
        },
        ...(namespace ? { namespace } : {}),
        concurrency,
        resyncMs: parseDuration(flags.resync, '--resync'),
        leaderElect: Boolean(flags.leaderElect),
        leaderElectionNamespace: flags.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? namespace ?? 'default',
        ...(flags.metricsAddr === '0' ? {} : { metricsAddr: flags.metricsAddr }),
        logFormat: flags.logFormat,
        logLevel: flags.logLevel,
      });
      process.exitCode = code;
    });
}
