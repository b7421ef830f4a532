import type { Command } from 'commander';

/**
 * One rayctl command, named here so the program can load only the command that runs: each command's module (and
 * everything it imports: the chart, the Kubernetes client, YAML) is a chunk of its own in the bundle, so
 * `rayctl template` never loads TLS and `rayctl --version` loads none of them (issue 13's start-up goals).
 */
export interface CommandEntry {
  name: string;
  aliases: readonly string[];
  /** Left out of help and completion (the completion scripts' own entry point). */
  hidden?: boolean;
  /** Works on the whole command tree, so every other command is loaded with it. */
  needsAllCommands?: boolean;
  load: () => Promise<Command>;
}

/** In the order help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'install', aliases: [], load: async () => (await import('./commands/install.ts')).installCommand() },
  { name: 'upgrade', aliases: [], load: async () => (await import('./commands/upgrade.ts')).upgradeCommand() },
  { name: 'rollback', aliases: [], load: async () => (await import('./commands/rollback.ts')).rollbackCommand() },
  { name: 'diff', aliases: [], load: async () => (await import('./commands/diff.ts')).diffCommand() },
  {
    name: 'uninstall',
    aliases: ['delete'],
    load: async () => (await import('./commands/uninstall.ts')).uninstallCommand(),
  },
  { name: 'list', aliases: ['ls'], load: async () => (await import('./commands/list.ts')).listCommand() },
  { name: 'status', aliases: [], load: async () => (await import('./commands/status.ts')).statusCommand() },
  { name: 'history', aliases: [], load: async () => (await import('./commands/history.ts')).historyCommand() },
  { name: 'get', aliases: [], load: async () => (await import('./commands/get.ts')).getCommand() },
  { name: 'template', aliases: [], load: async () => (await import('./commands/template.ts')).templateCommand() },
  { name: 'lint', aliases: [], load: async () => (await import('./commands/lint.ts')).lintCommand() },
  { name: 'show', aliases: [], load: async () => (await import('./commands/show.ts')).showCommand() },
  { name: 'operator', aliases: [], load: async () => (await import('./commands/operator.ts')).operatorCommand() },
  { name: 'scale', aliases: [], load: async () => (await import('./commands/scale.ts')).scaleCommand() },
  { name: 'logs', aliases: [], load: async () => (await import('./commands/logs.ts')).logsCommand() },
  { name: 'job', aliases: [], load: async () => (await import('./commands/job.ts')).jobCommand() },
  { name: 'session', aliases: [], load: async () => (await import('./commands/session.ts')).sessionCommand() },
  { name: 'dashboard', aliases: [], load: async () => (await import('./commands/dashboard.ts')).dashboardCommand() },
  { name: 'version', aliases: [], load: async () => (await import('./commands/version.ts')).versionCommand() },
  {
    name: 'completion',
    aliases: [],
    load: async () => (await import('./commands/completion.ts')).completionCommand(),
  },
  {
    name: '__complete',
    aliases: [],
    hidden: true,
    needsAllCommands: true,
    load: async () => (await import('./commands/completion.ts')).completeCommand(),
  },
];

/**
 * The commands a command line needs, found before parsing from its first word that is not a root option or its
 * value: the command it names; none for a bare `rayctl --version`; all of them for help, a typo (commander's
 * suggestions) and completion.
 */
export function commandsToLoad(root: Command, argv: readonly string[]): readonly CommandEntry[] {
  const word = commandWord(root, argv);
  if (word === undefined) return argv.includes('--version') ? [] : COMMANDS;
  const entry = COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
  return entry && !entry.needsAllCommands ? [entry] : COMMANDS;
}

function commandWord(root: Command, argv: readonly string[]): string | undefined {
  const takesValue = (flag: string): boolean =>
    root.options.some(
      (option) => (option.long === flag || option.short === flag) && (option.required || option.optional),
    );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    // `--flag=value` and `-nVALUE` carry their value; `--flag value` and `-n value` use the next word.
    if (!arg.includes('=') && (arg.startsWith('--') || arg.length === 2) && takesValue(arg)) i++;
  }
  return undefined;
}

/** Every name and alias a command line may start with. */
export function commandNames(): Set<string> {
  return new Set(COMMANDS.flatMap((c) => [c.name, ...c.aliases]));
}
