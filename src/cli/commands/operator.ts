import { Command, Option } from 'commander';
import { OPERATOR_FLAG_DEFAULTS, operatorOptions, type OperatorFlags } from '../../operator/options.ts';
import { POD_SECURITY_LEVELS } from '../../operator/pod-policy.ts';
import { kubeOverrides } from '../cluster-flags.ts';
import { globalFlags } from '../global-flags.ts';

/** The operator's settings that are rayctl's global flags, not the operator command's own. */
type GlobalOnes = 'namespace' | 'kubeconfig' | 'context' | 'kube' | 'debug' | 'qps' | 'burstLimit';

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
  rayctl operator | grep example-cluster2,ray

The global --qps and --burst-limit set the operator's client-side rate limit too, with its own defaults
(${OPERATOR_FLAG_DEFAULTS.qps} calls a second, bursts of ${OPERATOR_FLAG_DEFAULTS.burstLimit}); HELM_QPS and HELM_BURST_LIMIT do not apply to it.`,
    )
    .action(async (flags: Omit<OperatorFlags, GlobalOnes>, cmd: Command) => {
      // Only -n itself narrows the operator to a namespace: a HELM_NAMESPACE left in the shell must not. Likewise the
      // rate limit only from the flags: a HELM_QPS meant for one-shot commands would throttle a long-running operator.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !/^(RAYCTL|HELM)_(QPS|BURST_LIMIT)$/.test(name)),
      );
      const global = globalFlags(cmd, env);
      const { namespace, qps, burstLimit } = cmd.optsWithGlobals<{
        namespace?: string;
        qps?: string;
        burstLimit?: string;
      }>();
      const options = operatorOptions({
        ...flags,
        ...(namespace ? { namespace } : {}),
        ...(global.kubeconfig ? { kubeconfig: global.kubeconfig } : {}),
        ...(global.kubeContext ? { context: global.kubeContext } : {}),
        kube: kubeOverrides(global),
        debug: Boolean(global.debug),
        qps: qps ?? OPERATOR_FLAG_DEFAULTS.qps,
        burstLimit: burstLimit ?? OPERATOR_FLAG_DEFAULTS.burstLimit,
      });
      // The operator's runtime (gRPC, prom-client) loads only for this command: other commands start without it.
      const { runOperator } = await import('../../operator/run.ts');
      process.exitCode = await runOperator(options);
    });
}
