// The operator on its own: the entry of dist/operator.mjs, the self-contained bundle the chart ships in a ConfigMap
// and runs on a public Node.js image (ADR 0006). It takes `rayctl operator`'s flags, without the CLI around it.
import { parseArgs } from 'node:util';
import { UsageError, UserError } from '../errors.ts';
import { OPERATOR_FLAG_DEFAULTS, operatorOptions } from './options.ts';
import { runOperator } from './run.ts';

const USAGE = `usage: node operator.mjs [-n NAMESPACE] [--concurrency N] [--resync DURATION] [--leader-elect]
  [--leader-election-namespace NS] [--metrics-addr HOST:PORT|0] [--log-format text|json]
  [--log-level debug|info|warn|error] [--autoscaler-poll-period DURATION|0] [--autoscaler-concurrency N]
  [--pod-security baseline|restricted|privileged] [--allowed-service-accounts A,B]
  [--qps N] [--burst-limit N] [--kubeconfig FILE] [--kube-context NAME]`;

try {
  const { values } = parseArgs({
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      'kube-context': { type: 'string' },
      debug: { type: 'boolean' },
      concurrency: { type: 'string', default: OPERATOR_FLAG_DEFAULTS.concurrency },
      resync: { type: 'string', default: OPERATOR_FLAG_DEFAULTS.resync },
      'leader-elect': { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'metrics-addr': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.metricsAddr },
      'log-format': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.logFormat },
      'log-level': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.logLevel },
      'autoscaler-poll-period': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.autoscalerPollPeriod },
      'autoscaler-concurrency': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.autoscalerConcurrency },
      'pod-security': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.podSecurity },
      'allowed-service-accounts': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.allowedServiceAccounts },
      qps: { type: 'string', default: OPERATOR_FLAG_DEFAULTS.qps },
      'burst-limit': { type: 'string', default: OPERATOR_FLAG_DEFAULTS.burstLimit },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options = operatorOptions({
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values['kube-context'] ? { context: values['kube-context'] } : {}),
    debug: Boolean(values.debug),
    concurrency: values.concurrency,
    resync: values.resync,
    leaderElect: Boolean(values['leader-elect']),
    ...(values['leader-election-namespace'] ? { leaderElectionNamespace: values['leader-election-namespace'] } : {}),
    metricsAddr: values['metrics-addr'],
    logFormat: values['log-format'],
    logLevel: values['log-level'],
    autoscalerPollPeriod: values['autoscaler-poll-period'],
    autoscalerConcurrency: values['autoscaler-concurrency'],
    podSecurity: values['pod-security'],
    allowedServiceAccounts: values['allowed-service-accounts'],
    qps: values.qps,
    burstLimit: values['burst-limit'],
  });
  process.exitCode = await runOperator(options);
} catch (error) {
  const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`Error: ${(error as Error).message}\n`);
  if (error instanceof UserError && error.hint) process.stderr.write(`${error.hint}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exit(usage ? 2 : 1);
}
