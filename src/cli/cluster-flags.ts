import type { Command } from 'commander';
import { connect, type ActionContext } from '../actions/context.ts';
import { checkNamespaceName } from '../release/names.ts';
import { globalFlags } from './global-flags.ts';
import { stderrProgress } from './progress.ts';

/** Connects with the global --kubeconfig/--kube-context flags; the namespace is -n, else the context's. */
export async function connectFromFlags(command: Command): Promise<{ ctx: ActionContext; namespace: string }> {
  const flags = globalFlags(command);
  const ctx = await connect(
    {
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.kubeContext ? { context: flags.kubeContext } : {}),
      debug: Boolean(flags.debug),
    },
    stderrProgress(),
  );
  const namespace = flags.namespace ?? ctx.client.defaultNamespace;
  checkNamespaceName(namespace);
  return { ctx, namespace };
}
