import type { Command } from 'commander';
import { parseBurst, parseQps } from '../kube/rate-limit.ts';

/** Flags every command understands, wherever they stand on the command line (like helm and kubectl). */
export interface GlobalFlags {
  namespace?: string;
  kubeconfig?: string;
  kubeContext?: string;
  debug?: boolean;
  /** helm's `--kube-*` flags: what they put over the kubeconfig (src/kube/kubeconfig.ts KubeconfigOverrides). */
  kubeAsUser?: string;
  kubeAsGroup?: string[];
  kubeToken?: string;
  kubeApiserver?: string;
  kubeCaFile?: string;
  kubeInsecureSkipTlsVerify?: boolean;
  kubeTlsServerName?: string;
  /** The client-side rate limit, checked; 0 means the default (src/kube/rate-limit.ts). */
  qps?: number;
  burstLimit?: number;
}

/** The flags as commander parsed them: the numbers still text. */
type ParsedFlags = Omit<GlobalFlags, 'qps' | 'burstLimit'> & { qps?: string; burstLimit?: string };

/**
 * The global flags, each falling back to its environment variable as helm's do: RAYCTL_NAMESPACE, then
 * HELM_NAMESPACE (and KUBECONTEXT, DEBUG, KUBEASUSER, KUBEASGROUPS, KUBETOKEN, KUBEAPISERVER, KUBECAFILE,
 * KUBEINSECURE_SKIP_TLS_VERIFY, KUBETLS_SERVER_NAME, BURST_LIMIT, QPS likewise), so a shell set up for helm works for
 * rayctl. A flag wins. --qps and --burst-limit are checked here, naming the flag or the variable they came from.
 */
export function globalFlags(command: Command, env: NodeJS.ProcessEnv = process.env): GlobalFlags {
  const { qps: qpsFlag, burstLimit: burstFlag, ...flags } = command.optsWithGlobals<ParsedFlags>();
  const fromEnv = (name: string) => env[`RAYCTL_${name}`] || env[`HELM_${name}`] || undefined;
  const envName = (name: string) => (env[`RAYCTL_${name}`] ? `RAYCTL_${name}` : `HELM_${name}`);
  const namespace = flags.namespace ?? fromEnv('NAMESPACE');
  const kubeContext = flags.kubeContext ?? fromEnv('KUBECONTEXT');
  const debug = flags.debug ?? isTrue(fromEnv('DEBUG'));
  const kubeAsUser = flags.kubeAsUser ?? fromEnv('KUBEASUSER');
  // helm splits HELM_KUBEASGROUPS at commas; the flag is repeated instead, each value taken whole.
  const kubeAsGroup =
    flags.kubeAsGroup ??
    fromEnv('KUBEASGROUPS')
      ?.split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  const kubeToken = flags.kubeToken ?? fromEnv('KUBETOKEN');
  const kubeApiserver = flags.kubeApiserver ?? fromEnv('KUBEAPISERVER');
  const kubeCaFile = flags.kubeCaFile ?? fromEnv('KUBECAFILE');
  const kubeInsecureSkipTlsVerify = flags.kubeInsecureSkipTlsVerify ?? isTrue(fromEnv('KUBEINSECURE_SKIP_TLS_VERIFY'));
  const kubeTlsServerName = flags.kubeTlsServerName ?? fromEnv('KUBETLS_SERVER_NAME');
  const qpsText = qpsFlag ?? fromEnv('QPS');
  const qps = qpsText === undefined ? undefined : parseQps(qpsText, qpsFlag !== undefined ? '--qps' : envName('QPS'));
  const burstText = burstFlag ?? fromEnv('BURST_LIMIT');
  const burstLimit =
    burstText === undefined
      ? undefined
      : parseBurst(burstText, burstFlag !== undefined ? '--burst-limit' : envName('BURST_LIMIT'));
  return {
    ...flags,
    ...(namespace ? { namespace } : {}),
    ...(kubeContext ? { kubeContext } : {}),
    ...(debug ? { debug } : {}),
    ...(kubeAsUser !== undefined ? { kubeAsUser } : {}),
    ...(kubeAsGroup?.length ? { kubeAsGroup } : {}),
    ...(kubeToken !== undefined ? { kubeToken } : {}),
    ...(kubeApiserver !== undefined ? { kubeApiserver } : {}),
    ...(kubeCaFile !== undefined ? { kubeCaFile } : {}),
    ...(kubeInsecureSkipTlsVerify ? { kubeInsecureSkipTlsVerify } : {}),
    ...(kubeTlsServerName !== undefined ? { kubeTlsServerName } : {}),
    ...(qps !== undefined ? { qps } : {}),
    ...(burstLimit !== undefined ? { burstLimit } : {}),
  };
}

/** `--debug` asked for by flag or environment, before any command has parsed its flags (for error output). */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || isTrue(env.RAYCTL_DEBUG || env.HELM_DEBUG);
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}
