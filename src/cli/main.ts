import { debugRequested } from './global-flags.ts';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, UserError } from '../errors.ts';
import { packageVersion } from '../paths.ts';
import { completeCommand, completionCommand } from './commands/completion.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { diffCommand } from './commands/diff.ts';
import { getCommand } from './commands/get.ts';
import { historyCommand } from './commands/history.ts';
import { installCommand } from './commands/install.ts';
import { jobCommand } from './commands/job.ts';
import { lintCommand } from './commands/lint.ts';
import { listCommand } from './commands/list.ts';
import { logsCommand } from './commands/logs.ts';
import { operatorCommand } from './commands/operator.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { scaleCommand } from './commands/scale.ts';
import { sessionCommand } from './commands/session.ts';
import { showCommand } from './commands/show.ts';
import { statusCommand } from './commands/status.ts';
import { templateCommand } from './commands/template.ts';
import { uninstallCommand } from './commands/uninstall.ts';
import { upgradeCommand } from './commands/upgrade.ts';
import { versionCommand } from './commands/version.ts';
import { configureColours, printError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('rayctl')
    .description(
      "Run Ray on Kubernetes: render the Ray chart, manage its releases (in Helm's format), run its operator.",
    )
    .version(`rayctl ${packageVersion()}`, '--version', "print rayctl's version")
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
  for (const command of [
    installCommand(),
    upgradeCommand(),
    rollbackCommand(),
    diffCommand(),
    uninstallCommand(),
    listCommand(),
    statusCommand(),
    historyCommand(),
    getCommand(),
    templateCommand(),
    lintCommand(),
    showCommand(),
    operatorCommand(),
    scaleCommand(),
    logsCommand(),
    jobCommand(),
    sessionCommand(),
    dashboardCommand(),
    versionCommand(),
    completionCommand(),
  ]) {
    program.addCommand(command);
  }
  // What the completion scripts call on each TAB; not a command for people.
  program.addCommand(completeCommand(), { hidden: true });
  // Usage errors exit 2 (like a shell builtin); commander's own default is 1.
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  configureColours();
  const program = buildProgram();
  try {
    refuseVersionAfterCommand(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, debugRequested(argv));
  }
}

/**
 * `--version` is rayctl's own flag, but after a command helm users mean the chart version
 * (`helm install x --version 1.0.0`). Commander would print rayctl's version and exit 0 without installing.
 */
function refuseVersionAfterCommand(program: Command, argv: readonly string[]): void {
  // A line being completed may hold anything; the completion of `install x --version` is no command.
  if (argv[0] === '__complete') return;
  const names = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  const command = argv.findIndex((arg) => names.has(arg));
  const version = argv.findIndex((arg) => arg === '--version' || arg.startsWith('--version='));
  if (command >= 0 && version > command) {
    throw new UsageError(
      `--version after "${argv[command]}" is not a chart version: rayctl carries one built-in chart, whose version is rayctl's`,
      'use `rayctl version` for the versions of rayctl and of the operators in the cluster, or --chart DIR for another chart',
    );
  }
}

function exitCodeFor(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has already printed the message (or the help/version that was asked for).
    return err.exitCode === 0 ? 0 : 2;
  }
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
