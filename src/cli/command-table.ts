import type { Command } from 'commander';
import { COMMAND_NAMES, commandNamed, commandWord, type CommandName } from './command-line.ts';

/**
 * One rayctl command (its name and traits in `command-line.ts`), with the loader of its module: each command's
 * module (and everything it imports: the chart, the Kubernetes client, YAML) is a chunk of its own in the bundle, so
 * `rayctl template` never loads TLS and `rayctl --version` loads none of them (issue 13's start-up goals).
 */
export interface CommandEntry extends CommandName {
  load: () => Promise<Command>;
}

/** Literal import() calls, one per command, so the bundler can split each command into a chunk of its own. */
const LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  install: async () => (await import('./commands/install.ts')).installCommand(),
  upgrade: async () => (await import('./commands/upgrade.ts')).upgradeCommand(),
  rollback: async () => (await import('./commands/rollback.ts')).rollbackCommand(),
  diff: async () => (await import('./commands/diff.ts')).diffCommand(),
  uninstall: async () => (await import('./commands/uninstall.ts')).uninstallCommand(),
  list: async () => (await import('./commands/list.ts')).listCommand(),
  status: async () => (await import('./commands/status.ts')).statusCommand(),
  history: async () => (await import('./commands/history.ts')).historyCommand(),
  get: async () => (await import('./commands/get.ts')).getCommand(),
  template: async () => (await import('./commands/template.ts')).templateCommand(),
  lint: async () => (await import('./commands/lint.ts')).lintCommand(),
  show: async () => (await import('./commands/show.ts')).showCommand(),
  operator: async () => (await import('./commands/operator.ts')).operatorCommand(),
  scale: async () => (await import('./commands/scale.ts')).scaleCommand(),
  logs: async () => (await import('./commands/logs.ts')).logsCommand(),
  job: async () => (await import('./commands/job.ts')).jobCommand(),
  session: async () => (await import('./commands/session.ts')).sessionCommand(),
  dashboard: async () => (await import('./commands/dashboard.ts')).dashboardCommand(),
  version: async () => (await import('./commands/version.ts')).versionCommand(),
  completion: async () => (await import('./commands/completion.ts')).completionCommand(),
  __complete: async () => (await import('./commands/completion.ts')).completeCommand(),
};

/** In the order help lists them. */
export const COMMANDS: readonly CommandEntry[] = COMMAND_NAMES.map((command) => {
  const load = LOADERS[command.name];
  if (!load) throw new Error(`rayctl: no loader for the command ${command.name}`);
  return { ...command, load };
});

/**
 * The commands a command line needs, found before parsing from its first word that is not a root option or its
 * value: the command it names; none for a bare `rayctl --version`; all of them for help, a typo (commander's
 * suggestions) and completion.
 */
export function commandsToLoad(argv: readonly string[]): readonly CommandEntry[] {
  const word = commandWord(argv);
  if (word === undefined) return argv.includes('--version') ? [] : COMMANDS;
  const named = commandNamed(word);
  const entry = named && COMMANDS.find((c) => c.name === named.name);
  return entry && !entry.needsAllCommands ? [entry] : COMMANDS;
}

/** Every name and alias a command line may start with. */
export function commandNames(): Set<string> {
  return new Set(COMMANDS.flatMap((c) => [c.name, ...c.aliases]));
}
