import type { Command } from 'commander';
import { connect, type ActionContext } from '../actions/context.ts';
import type { ConnectOptions } from '../kube/client.ts';
import type { KubeconfigOverrides } from '../kube/kubeconfig.ts';
import { checkNamespaceName } from '../release/names.ts';
import { globalFlags, type GlobalFlags } from './global-flags.ts';
import { stderrProgress } from './progress.ts';

/** Connects with the global flags (--kubeconfig, --kube-context, --kube-*, --qps...); the namespace is -n, else the context's. */
export async function connectFromFlags(command: Command): Promise<{ ctx: ActionContext; namespace: string }> {
  const flags = globalFlags(command);
  const ctx = await connect(connectOptions(flags), stderrProgress());
  const namespace = flags.namespace ?? ctx.client.defaultNamespace;
  checkNamespaceName(namespace);
  return { ctx, namespace };
}

/** How to reach the cluster, from the global flags (and their environment variables). */
export function connectOptions(flags: GlobalFlags): ConnectOptions {
  const overrides = kubeOverrides(flags);
  return {
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.kubeContext ? { context: flags.kubeContext } : {}),
    debug: Boolean(flags.debug),
    ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
    ...(flags.qps ? { qps: flags.qps } : {}),
    ...(flags.burstLimit ? { burst: flags.burstLimit } : {}),
  };
}

/** helm's `--kube-*` flags as what they put over the kubeconfig; checked when the kubeconfig is loaded. */
export function kubeOverrides(flags: GlobalFlags): KubeconfigOverrides {
  return {
    ...(flags.kubeAsUser !== undefined ? { asUser: flags.kubeAsUser } : {}),
    ...(flags.kubeAsGroup?.length ? { asGroups: flags.kubeAsGroup } : {}),
    ...(flags.kubeToken !== undefined ? { token: flags.kubeToken } : {}),
    ...(flags.kubeApiserver !== undefined ? { server: flags.kubeApiserver } : {}),
    ...(flags.kubeCaFile !== undefined ? { caFile: flags.kubeCaFile } : {}),
    ...(flags.kubeInsecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
    ...(flags.kubeTlsServerName !== undefined ? { tlsServerName: flags.kubeTlsServerName } : {}),
  };
}
