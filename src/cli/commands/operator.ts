import { Command, Option } from 'commander';
import { OPERATOR_FLAG_DEFAULTS, operatorOptions, type OperatorFlags } from '../../operator/options.ts';
import { runOperator } from '../../operator/run.ts';
import { POD_SECURITY_LEVELS } from '../../operator/pod-policy.ts';
import { globalFlags } from '../global-flags.ts';

export function operatorCommand(): Command {
  return new Command('operator')
    .summary('run the Ray operator: turn RayClusters into head and worker pods')
    .description(
      'Run the reconcile loop in this process, against the cluster of the current kubeconfig (or in a pod, with its\n' +
        'service account). Cluster-scoped by default; -n NS or RAY_OPERATOR_POD_NAMESPACE watches only that namespace.\n' +
        'Every log line about a cluster starts with "<cluster>,<namespace>:".',
    )
    .option('--concurrency <n>', 'RayClusters reconciled at once', OPERATOR_FLAG_DEFAULTS.concurrency)
    .option(
      '--resync <duration>',
      'how often every cluster is reconciled even without changes',
      OPERATOR_FLAG_DEFAULTS.resync,
    )
    .option('--leader-elect', "elect one leader among replicas with a Lease (the chart's Deployment sets this)")
    .option(
      '--leader-election-namespace <ns>',
      'namespace of the Lease (default: the pod\'s namespace, the watched one, or "default")',
    )
    .option(
      '--metrics-addr <host:port>',
      'serve /healthz, /readyz and /metrics here; "0" for none',
      OPERATOR_FLAG_DEFAULTS.metricsAddr,
    )
    .option(
      '--autoscaler-poll-period <duration>',
      "how often the autoscaler reads each cluster's load from Ray; 0 turns the autoscaler off",
      OPERATOR_FLAG_DEFAULTS.autoscalerPollPeriod,
    )
    .addOption(
      new Option('--pod-security <level>', "the Pod Security Standard podConfig is held to (the chart's policy's)")
        .choices([...POD_SECURITY_LEVELS])
        .default(OPERATOR_FLAG_DEFAULTS.podSecurity),
    )
    .option(
      '--allowed-service-accounts <names>',
      'comma-separated ServiceAccounts podConfig may name (besides "default")',
      OPERATOR_FLAG_DEFAULTS.allowedServiceAccounts,
    )
    .option(
      '--autoscaler-concurrency <n>',
      "clusters whose load is read at once (Ray's GCS polls in flight)",
      OPERATOR_FLAG_DEFAULTS.autoscalerConcurrency,
    )
    .addOption(
      new Option('--log-format <format>', 'log line format')
        .choices(['text', 'json'])
        .default(OPERATOR_FLAG_DEFAULTS.logFormat),
    )
    .addOption(
      new Option('--log-level <level>', 'lowest level logged')
        .choices(['debug', 'info', 'warn', 'error'])
        .default(OPERATOR_FLAG_DEFAULTS.logLevel),
    )
    .addHelpText(
      'after',
      `
Examples:
  rayctl operator                          # all namespaces, from your laptop
  rayctl operator -n ray --metrics-addr 0  # only namespace ray, no HTTP server
  rayctl operator | grep example-cluster2,ray`,
    )
    .action(async (flags: Omit<OperatorFlags, 'namespace' | 'kubeconfig' | 'context' | 'debug'>, cmd: Command) => {
      const global = globalFlags(cmd);
      // Only -n itself narrows the operator to a namespace: a HELM_NAMESPACE left in the shell must not.
      const namespace = cmd.optsWithGlobals<{ namespace?: string }>().namespace;
      const options = operatorOptions({
        ...flags,
        ...(namespace ? { namespace } : {}),
        ...(global.kubeconfig ? { kubeconfig: global.kubeconfig } : {}),
        ...(global.kubeContext ? { context: global.kubeContext } : {}),
        debug: Boolean(global.debug),
      });
      process.exitCode = await runOperator(options);
    });
}
