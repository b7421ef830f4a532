import { debugRequested } from './global-flags.ts';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, UserError } from '../errors.ts';
import { VERSION_LINE } from '../version.ts';
import { COMMANDS, commandNames, commandsToLoad } from './command-table.ts';

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
    .option('-n, --namespace <ns>', 'namespace of the release (default: "default")')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .addOption(new Option('--kube-context <name>', 'kubeconfig context to use'))
    .option('--kube-as-user <user>', 'user to impersonate for the operation')
    .option(
      '--kube-as-group <group>',
      'group to impersonate for the operation (repeatable)',
      (group: string, groups: string[] = []) => [...groups, group],
    )
    .option('--kube-token <token>', "bearer token for authentication, instead of the kubeconfig user's credentials")
    .option('--kube-apiserver <url>', "address and port of the API server, instead of the kubeconfig cluster's")
    .option('--kube-ca-file <path>', 'certificate authority file that verifies the API server')
    .option('--kube-insecure-skip-tls-verify', "don't verify the API server's certificate (insecure)")
    .option('--kube-tls-server-name <name>', "server name to check the API server's certificate against")
    .option('--burst-limit <n>', 'calls to the API server that may go at once (default 100; 0 for the default)')
    .option(
      '--qps <n>',
      'calls per second to the API server after the burst (default 50, `rayctl operator` 1000; 0 for the default)',
    )
    .option('--debug', 'show stack traces on errors and every API call with its time')
    .showHelpAfterError('(run "rayctl help <command>" for usage)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Examples (from "Ray Operator Advanced Configuration"):
  rayctl template example-cluster -n ray --cluster-only       # manifests for kubectl apply
  rayctl show values                                          # the chart's values, with comments`,
    );
  const entries = argv.length > 0 ? commandsToLoad(program, argv) : COMMANDS;
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
