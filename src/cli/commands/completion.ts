import { Argument, Command } from 'commander';
import { listClusters } from '../../actions/cluster-view.ts';
import { kubeconfigContextNames } from '../../kube/kubeconfig.ts';
import { connect, type ActionContext } from '../../actions/context.ts';
import type { Progress } from '../../actions/progress.ts';
import { listReleases } from '../../actions/read.ts';
import { RELEASE_STATUSES } from '../../release/model.ts';
import {
  complete,
  completionScript,
  formatCompletion,
  SHELLS,
  type CompletionLookups,
  type CompletionScope,
  type Shell,
} from '../completion.ts';
import { connectOptions } from '../cluster-flags.ts';
import { globalFlags } from '../global-flags.ts';

/** `rayctl completion bash|zsh|fish|powershell`: prints the script that completes rayctl in that shell. */
export function completionCommand(): Command {
  return new Command('completion')
    .summary('print a shell completion script (bash, zsh, fish or powershell)')
    .description(
      'Prints a script that makes the shell complete rayctl: commands, flags, choices;\n' +
        'release, RayCluster and namespace names from the cluster; kubeconfig contexts.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  source <(rayctl completion bash)                   # in ~/.bashrc\n' +
        '  source <(rayctl completion zsh)                    # in ~/.zshrc, after compinit\n' +
        '  rayctl completion fish > ~/.config/fish/completions/rayctl.fish',
    )
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });
}

/**
 * `rayctl __complete -- WORD…`: what the scripts call on every TAB (protocol: src/cli/completion.ts). Hidden. Never
 * fails and never writes to stderr: a cluster that is away or slow only means fewer candidates.
 */
export function completeCommand(): Command {
  const command = new Command('__complete')
    .description('candidates for the last word of a rayctl command line (used by the completion scripts)')
    .argument('[words...]', 'the words after "rayctl", the last one under the cursor')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (words: string[], _flags: unknown, cmd: Command) => {
      const lookups = new ClusterLookups();
      let text = formatCompletion({ candidates: [], files: false });
      try {
        text = formatCompletion(await complete(rootOf(cmd), words.length > 0 ? words : [''], lookups));
      } catch {
        // A bug here must not print into the user's shell: no candidates.
      }
      await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
      // A lookup that timed out may still hold a socket (and retry): the answer is out, so stop here.
      if (lookups.pending > 0) process.exit(0);
    });
  return command;
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

const SILENT: Progress = { info() {}, warn() {}, waiting() {}, doneWaiting() {} };

/** The lookups against the cluster (releases, RayClusters, namespaces) and the kubeconfig (contexts). */
class ClusterLookups implements CompletionLookups {
  /** Lookups not yet finished: after a timeout, the process exits instead of waiting for them. */
  pending = 0;

  namespaces(scope: CompletionScope): Promise<string[]> {
    return this.withCluster(scope, async (ctx) =>
      (await ctx.objects.list<{ metadata: { name: string } }>('v1', 'Namespace')).map((n) => n.metadata.name),
    );
  }

  releases(scope: CompletionScope): Promise<string[]> {
    return this.withCluster(scope, async (ctx, namespace) =>
      (await listReleases(ctx, { namespace }, new Set(RELEASE_STATUSES))).map((r) => r.name),
    );
  }

  clusters(scope: CompletionScope): Promise<string[]> {
    // No operators known: listClusters then skips looking for them (only names are wanted).
    return this.withCluster(scope, async (ctx, namespace) =>
      (await listClusters(ctx, { namespace }, [])).map((c) => c.name),
    );
  }

  contexts(scope: CompletionScope): Promise<string[]> {
    return Promise.resolve(kubeconfigContextNames(scope.kubeconfig));
  }

  private async withCluster(
    scope: CompletionScope,
    use: (ctx: ActionContext, namespace: string) => Promise<string[]>,
  ): Promise<string[]> {
    this.pending++;
    try {
      // The flags on the line, with their environment variables (RAYCTL_NAMESPACE, HELM_KUBECONTEXT …) behind them.
      const flags = globalFlags({ optsWithGlobals: () => scope } as unknown as Command);
      // Never --debug's call log: completion writes nothing to stderr.
      const ctx = await connect({ ...connectOptions(flags), debug: false }, SILENT);
      try {
        return await use(ctx, flags.namespace ?? ctx.client.defaultNamespace);
      } finally {
        ctx.client.close();
      }
    } finally {
      this.pending--;
    }
  }
}
