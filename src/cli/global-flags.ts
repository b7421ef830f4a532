import type { Command } from 'commander';

/** Flags every command understands, wherever they stand on the command line (like helm and kubectl). */
export interface GlobalFlags {
  namespace?: string;
  kubeconfig?: string;
  kubeContext?: string;
  debug?: boolean;
}

export function globalFlags(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}
