import { debugRequested } from './global-flags.ts';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, UserError } from '../errors.ts';
import { VERSION_LINE } from '../version.ts';
import { ROOT_OPTIONS } from './command-line.ts';
import { COMMANDS, commandNames, commandsToLoad } from './command-table.ts';

const collect = (value: string, values: string[] = []): string[] => [...values, value];

/**
 * The program for a command line: the root options and the command it runs, loaded alone when the line names one,
 * else every command (for help, suggestions and completion). Without argv, the whole program.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('rayctl')
    .description(
      "Run Ray on Kubernetes: render the Ray chart, manage its releases (in Helm's format), run its operator.",
    )
    .version(VERSION_LINE, '--version', "print rayctl's version")
    .showHelpAfterError('(run "rayctl help <command>" for usage)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Examples (from "Ray Operator Advanced Configuration"):
  rayctl template example-cluster -n ray --cluster-only       # manifests for kubectl apply
  rayctl show values                                          # the chart's values, with comments`,
    );
  for (const option of ROOT_OPTIONS) {
    const added = new Option(option.flags, option.description);
    program.addOption(option.repeatable ? added.argParser(collect) : added);
  }
  const entries = argv.length > 0 ? commandsToLoad(argv) : COMMANDS;
  const commands = await Promise.all(entries.map((entry) => entry.load()));
  entries.forEach((entry, i) => {
    program.addCommand(commands[i]!.aliases(entry.aliases), entry.hidden ? { hidden: true } : {});
  });
  // Usage errors exit 2 (like a shell builtin); commander's own default is 1.
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    refuseVersionAfterCommand(argv);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return await exitCodeFor(err, debugRequested(argv));
  }
}

/**
 * `--version` is rayctl's own flag, but after a command helm users mean the chart version
 * (`helm install x --version 1.0.0`). Commander would print rayctl's version and exit 0 without installing.
 */
function refuseVersionAfterCommand(argv: readonly string[]): void {
  // A line being completed may hold anything; the completion of `install x --version` is no command.
  if (argv[0] === '__complete') return;
  const names = commandNames();
  const command = argv.findIndex((arg) => names.has(arg));
  const version = argv.findIndex((arg) => arg === '--version' || arg.startsWith('--version='));
  if (command >= 0 && version > command) {
    throw new UsageError(
      `--version after "${argv[command]}" is not a chart version: rayctl carries one built-in chart, whose version is rayctl's`,
      'use `rayctl version` for the versions of rayctl and of the operators in the cluster, or --chart DIR for another chart',
    );
  }
}

async function exitCodeFor(err: unknown, debug: boolean): Promise<number> {
  if (err instanceof CommanderError) {
    // Commander has already printed the message (or the help/version that was asked for).
    return err.exitCode === 0 ? 0 : 2;
  }
  // Loaded only now: colours (chalk) cost start-up time that a successful `rayctl --version` need not pay.
  const { printError } = await import('./output.ts');
  if (err instanceof UserError) {
    printError(err.message, err.hint);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  printError(
    err instanceof Error ? err.message : String(err),
    'this looks like a bug in rayctl; rerun with --debug and report it',
  );
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}
