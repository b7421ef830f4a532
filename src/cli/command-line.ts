/**
 * What a command line asks for, read before any command is loaded: the root options (which ones take a value, so
 * their values are skipped) and the commands' names. Data and pure functions only, with no imports: the launcher
 * (`src/cli/launch.ts`) carries this module alone to pick the bundle a command line runs.
 */

export interface RootOption {
  /** As commander spells them: `-n, --namespace <ns>` takes a value, `--debug` does not. */
  flags: string;
  description: string;
  /** Given more than once, its values are collected into a list. */
  repeatable?: boolean;
}

/** The program's options, before the command word; `--version` and `--help` are commander's own. */
export const ROOT_OPTIONS: readonly RootOption[] = [
  { flags: '-n, --namespace <ns>', description: 'namespace of the release (default: "default")' },
  { flags: '--kubeconfig <path>', description: 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' },
  { flags: '--kube-context <name>', description: 'kubeconfig context to use' },
  { flags: '--kube-as-user <user>', description: 'user to impersonate for the operation' },
  {
    flags: '--kube-as-group <group>',
    description: 'group to impersonate for the operation (repeatable)',
    repeatable: true,
  },
  {
    flags: '--kube-token <token>',
    description: "bearer token for authentication, instead of the kubeconfig user's credentials",
  },
  {
    flags: '--kube-apiserver <url>',
    description: "address and port of the API server, instead of the kubeconfig cluster's",
  },
  { flags: '--kube-ca-file <path>', description: 'certificate authority file that verifies the API server' },
  { flags: '--kube-insecure-skip-tls-verify', description: "don't verify the API server's certificate (insecure)" },
  { flags: '--kube-tls-server-name <name>', description: "server name to check the API server's certificate against" },
  {
    flags: '--burst-limit <n>',
    description: 'calls to the API server that may go at once (default 100; 0 for the default)',
  },
  {
    flags: '--qps <n>',
    description:
      'calls per second to the API server after the burst (default 50, `rayctl operator` 1000; 0 for the default)',
  },
  { flags: '--debug', description: 'show stack traces on errors and every API call with its time' },
];

export interface CommandName {
  name: string;
  aliases: readonly string[];
  /** Left out of help and completion (the completion scripts' own entry point). */
  hidden?: boolean;
  /** Works on the whole command tree, so every other command is loaded with it. */
  needsAllCommands?: boolean;
}

/** In the order help lists them. */
export const COMMAND_NAMES: readonly CommandName[] = [
  { name: 'install', aliases: [] },
  { name: 'upgrade', aliases: [] },
  { name: 'rollback', aliases: [] },
  { name: 'diff', aliases: [] },
  { name: 'uninstall', aliases: ['delete'] },
  { name: 'list', aliases: ['ls'] },
  { name: 'status', aliases: [] },
  { name: 'history', aliases: [] },
  { name: 'get', aliases: [] },
  { name: 'template', aliases: [] },
  { name: 'lint', aliases: [] },
  { name: 'show', aliases: [] },
  { name: 'operator', aliases: [] },
  { name: 'scale', aliases: [] },
  { name: 'logs', aliases: [] },
  { name: 'job', aliases: [] },
  { name: 'session', aliases: [] },
  { name: 'dashboard', aliases: [] },
  { name: 'version', aliases: [] },
  { name: 'completion', aliases: [] },
  { name: '__complete', aliases: [], hidden: true, needsAllCommands: true },
];

/** Both spellings of every root option that takes a value (`<x>` or `[x]` in its flags). */
const VALUE_FLAGS: ReadonlySet<string> = new Set(
  ROOT_OPTIONS.filter((option) => /[<[]/.test(option.flags)).flatMap((option) =>
    option.flags.split(/[\s,|]+/).filter((word) => word.startsWith('-')),
  ),
);

/** The first word of a command line that is not a root option or its value: the command it runs, if any. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    // `--flag=value` and `-nVALUE` carry their value; `--flag value` and `-n value` use the next word.
    if (!arg.includes('=') && (arg.startsWith('--') || arg.length === 2) && VALUE_FLAGS.has(arg)) i++;
  }
  return undefined;
}

/** The command a word names, by its name or an alias. */
export function commandNamed(word: string | undefined): CommandName | undefined {
  return word === undefined ? undefined : COMMAND_NAMES.find((c) => c.name === word || c.aliases.includes(word));
}

/** How the launcher (src/cli/launch.ts) runs a command line. */
export type Launch =
  /** A bare `--version`, which scripts run often: the launcher prints it, without commander. */
  | { kind: 'version' }
  /**
   * The named command's own bundle, one file (dist/commands/NAME.cjs): Node spends ~0.3 ms on each module it loads,
   * and in the chunked build a command loads 20–40 chunks.
   */
  | { kind: 'command'; name: string }
  /** The chunked build of every command (dist/rayctl.mjs), for help, typos, completion and no command at all. */
  | { kind: 'every-command' };

export function launchFor(argv: readonly string[]): Launch {
  if (argv.length === 1 && argv[0] === '--version') return { kind: 'version' };
  const command = commandNamed(commandWord(argv));
  return command && !command.needsAllCommands ? { kind: 'command', name: command.name } : { kind: 'every-command' };
}
