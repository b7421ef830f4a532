import { parseDuration } from '../duration.ts';
import { UsageError } from '../errors.ts';
import type { KubeconfigOverrides } from '../kube/kubeconfig.ts';
import { parseBurst, parseQps } from '../kube/rate-limit.ts';
import { checkNamespaceName } from '../release/names.ts';
import type { LogFormat, LogLevel } from './log.ts';
import { POD_SECURITY_LEVELS } from './pod-policy.ts';
import type { OperatorOptions } from './run.ts';

/** The operator's flags as typed, before checking: `rayctl operator` and the in-cluster bundle share them. */
export interface OperatorFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  /** The global `--kube-*` flags (impersonation, token, server, TLS) over the kubeconfig. */
  kube?: KubeconfigOverrides;
  debug?: boolean;
  /** The client-side rate limit: calls a second after the burst, and the burst. */
  qps: string;
  burstLimit: string;
  concurrency: string;
  resync: string;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  metricsAddr: string;
  logFormat: string;
  logLevel: string;
  autoscalerPollPeriod: string;
  autoscalerConcurrency: string;
  podSecurity: string;
  /** Comma-separated ServiceAccount names podConfig may use. */
  allowedServiceAccounts: string;
}

export const OPERATOR_FLAG_DEFAULTS = {
  concurrency: '4',
  resync: '5m',
  metricsAddr: ':8080',
  logFormat: 'text',
  logLevel: 'info',
  // Ray's own autoscaler read the cluster's load every 5 s.
  autoscalerPollPeriod: '5s',
  autoscalerConcurrency: '16',
  podSecurity: 'baseline',
  allowedServiceAccounts: '',
  // A bound on a runaway loop, not a brake on work: 50× what controller-runtime managers used (20/s, burst 30)
  // until v0.21 dropped the client-side limit for the API server's Priority and Fairness. Each reconcile worker
  // (--concurrency, 4) has at most one slow-start batch of pod calls in flight (up to 16, slow-start.ts), so the
  // API server's own pace bounds the operator (bench:compare's control plane takes ~60 pod creates a second), far
  // below 1000/s; the burst of 2000 takes the start of 100 clusters × 10 workers (~1,100 pod creates) unslowed.
  qps: '1000',
  burstLimit: '2000',
} as const satisfies Partial<OperatorFlags>;

const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Checks the flags and resolves the environment the operator honours (RAY_OPERATOR_POD_NAMESPACE, POD_NAMESPACE). */
export function operatorOptions(flags: OperatorFlags, env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  const namespace = flags.namespace ?? (env.RAY_OPERATOR_POD_NAMESPACE || undefined);
  if (namespace) checkNamespaceName(namespace);
  const concurrency = wholeNumber(flags.concurrency, '--concurrency');
  const autoscalerConcurrency = wholeNumber(flags.autoscalerConcurrency, '--autoscaler-concurrency');
  const autoscalerPollMs = parseDuration(flags.autoscalerPollPeriod, '--autoscaler-poll-period');
  if (autoscalerPollMs > 0 && autoscalerPollMs < 100)
    throw new UsageError(
      `--autoscaler-poll-period must be 0 (no autoscaler) or at least 100ms, got "${flags.autoscalerPollPeriod}"`,
    );
  const logFormat = LOG_FORMATS.find((f) => f === flags.logFormat);
  if (!logFormat)
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${flags.logFormat}"`);
  const logLevel = LOG_LEVELS.find((l) => l === flags.logLevel);
  if (!logLevel) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${flags.logLevel}"`);
  const level = POD_SECURITY_LEVELS.find((l) => l === flags.podSecurity);
  if (!level)
    throw new UsageError(`--pod-security must be one of ${POD_SECURITY_LEVELS.join(', ')}, got "${flags.podSecurity}"`);
  const serviceAccounts = flags.allowedServiceAccounts
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const account of serviceAccounts)
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(account))
      throw new UsageError(`--allowed-service-accounts: "${account}" is not a ServiceAccount name`);
  // 0 means the operator's default, as for the CLI.
  const qps = parseQps(flags.qps, '--qps') || Number(OPERATOR_FLAG_DEFAULTS.qps);
  const burst = parseBurst(flags.burstLimit, '--burst-limit') || Number(OPERATOR_FLAG_DEFAULTS.burstLimit);
  return {
    connect: {
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
      ...(flags.kube && Object.keys(flags.kube).length > 0 ? { overrides: flags.kube } : {}),
      debug: Boolean(flags.debug),
      qps,
      burst,
    },
    ...(namespace ? { namespace } : {}),
    concurrency,
    resyncMs: parseDuration(flags.resync, '--resync'),
    leaderElect: Boolean(flags.leaderElect),
    leaderElectionNamespace: flags.leaderElectionNamespace ?? env.POD_NAMESPACE ?? namespace ?? 'default',
    ...(flags.metricsAddr === '0' ? {} : { metricsAddr: flags.metricsAddr }),
    logFormat,
    logLevel,
    autoscalerPollMs,
    autoscalerConcurrency,
    podPolicy: { level, serviceAccounts },
  };
}

function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, got "${text}"`);
  return value;
}
