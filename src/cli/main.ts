import { debugRequested } from './global-flags.ts';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, UserError } from '../errors.ts';
import { packageVersion } from '../paths.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { getCommand } from './commands/get.ts';
import { historyCommand } from './commands/history.ts';
import { installCommand } from './commands/install.ts';
import { jobCommand } from './commands/job.ts';
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
    uninstallCommand(),
    listCommand(),
    statusCommand(),
    historyCommand(),
    getCommand(),
    templateCommand(),
    showCommand(),
    operatorCommand(),
    scaleCommand(),
    logsCommand(),
    jobCommand(),
    sessionCommand(),
    dashboardCommand(),
    versionCommand(),
  ]) {
    program.addCommand(command);
  }
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
