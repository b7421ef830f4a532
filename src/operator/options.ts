import { parseDuration } from '../duration.ts';
import { UsageError } from '../errors.ts';
import { checkNamespaceName } from '../release/names.ts';
import type { LogFormat, LogLevel } from './log.ts';
import type { OperatorOptions } from './run.ts';

/** The operator's flags as typed, before checking: `rayctl operator` and the in-cluster bundle share them. */
export interface OperatorFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  debug?: boolean;
  concurrency: string;
  resync: string;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  metricsAddr: string;
  logFormat: string;
  logLevel: string;
}

export const OPERATOR_FLAG_DEFAULTS = {
  concurrency: '4',
  resync: '5m',
  metricsAddr: ':8080',
  logFormat: 'text',
  logLevel: 'info',
} as const satisfies Partial<OperatorFlags>;

const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Checks the flags and resolves the environment the operator honours (RAY_OPERATOR_POD_NAMESPACE, POD_NAMESPACE). */
export function operatorOptions(flags: OperatorFlags, env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  const namespace = flags.namespace ?? (env.RAY_OPERATOR_POD_NAMESPACE || undefined);
  if (namespace) checkNamespaceName(namespace);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency must be a whole number ≥ 1, got "${flags.concurrency}"`);
  const logFormat = LOG_FORMATS.find((f) => f === flags.logFormat);
  if (!logFormat)
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${flags.logFormat}"`);
  const logLevel = LOG_LEVELS.find((l) => l === flags.logLevel);
  if (!logLevel) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${flags.logLevel}"`);
  return {
    connect: {
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
      debug: Boolean(flags.debug),
    },
    ...(namespace ? { namespace } : {}),
    concurrency,
    resyncMs: parseDuration(flags.resync, '--resync'),
    leaderElect: Boolean(flags.leaderElect),
    leaderElectionNamespace: flags.leaderElectionNamespace ?? env.POD_NAMESPACE ?? namespace ?? 'default',
    ...(flags.metricsAddr === '0' ? {} : { metricsAddr: flags.metricsAddr }),
    logFormat,
    logLevel,
  };
}
