import type { Command } from 'commander';

/** Flags every command understands, wherever they stand on the command line (like helm and kubectl). */
export interface GlobalFlags {
  namespace?: string;
  kubeconfig?: string;
  kubeContext?: string;
  debug?: boolean;
}

/**
 * The global flags, each falling back to its environment variable as helm's do: RAYCTL_NAMESPACE, then
 * HELM_NAMESPACE (and KUBECONTEXT, DEBUG likewise), so a shell set up for helm works for rayctl. A flag wins.
 */
export function globalFlags(command: Command, env: NodeJS.ProcessEnv = process.env): GlobalFlags {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const fromEnv = (name: string) => env[`RAYCTL_${name}`] || env[`HELM_${name}`] || undefined;
  const namespace = flags.namespace ?? fromEnv('NAMESPACE');
  const kubeContext = flags.kubeContext ?? fromEnv('KUBECONTEXT');
  const debug = flags.debug ?? isTrue(fromEnv('DEBUG'));
  return {
    ...flags,
    ...(namespace ? { namespace } : {}),
    ...(kubeContext ? { kubeContext } : {}),
    ...(debug ? { debug } : {}),
  };
}

/** `--debug` asked for by flag or environment, before any command has parsed its flags (for error output). */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || isTrue(env.RAYCTL_DEBUG || env.HELM_DEBUG);
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}
