import { resolve } from 'node:path';
import chalk from '../colours.ts';
import { Command, Option } from 'commander';
import { lintOffline, lintServerSide } from '../../actions/lint.ts';
import { loadKubeSchemas } from '../../chart/kube-schema.ts';
import { countProblems, formatProblem, summarize, type LintProblem } from '../../chart/lint.ts';
import { loadBuiltinChart, loadChartDir } from '../../chart/load.ts';
import { userSuppliedValues } from '../../chart/values.ts';
import { UserError } from '../../errors.ts';
import { checkNamespaceName, checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { globalFlags } from '../global-flags.ts';
import { printable } from '../terminal.ts';
import { addValuesOptions, readValuesInput, valuesInputFromFlags, type ValuesFlags } from '../values-flags.ts';

interface LintFlags extends ValuesFlags {
  chart?: string;
  kubeVersion?: string;
  serverSide?: boolean;
  createNamespace?: boolean;
  output: 'text' | 'json';
}

/** Helm's default release name, as `rayctl template` uses without one. */
const DEFAULT_RELEASE = 'release-name';

export function lintCommand(): Command {
  const command = new Command('lint')
    .summary('check values and rendered objects against the chart, Kubernetes and (with --server-side) the cluster')
    .description(
      'List every problem of a release before installing it, one per line; exit 1 on an error. ' +
        "Checks the values against the chart's schema and rules, then the rendered objects against Kubernetes' own " +
        'schemas of --kube-version (shipped, offline; unknown fields are errors, as with kubectl --validate=strict) ' +
        "and the RayCluster against the chart's CRD. --server-side also dry-runs each object on the cluster " +
        '(dryRun=All: validation and admission policies run, nothing is stored); without it no cluster is contacted.',
    )
    .argument(
      '[release]',
      'release name, as for install (ownership of existing objects is checked against it)',
      DEFAULT_RELEASE,
    )
    .option('--chart <dir>', 'lint another chart directory of the same layout (templates/, values/)')
    .option(
      '--kube-version <version>',
      'Kubernetes version whose schemas to check against (default: the newest shipped)',
    )
    .option('--server-side', 'also dry-run every object on the cluster of the current kubeconfig context')
    .option('--create-namespace', 'with --server-side: the release namespace may be missing (install would create it)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addValuesOptions(command);
  return command
    .addHelpText(
      'after',
      `
Examples:
  rayctl lint -f my-values.yaml                                # offline, newest Kubernetes shipped
  rayctl lint --kube-version 1.34 --set podTypes.rayWorkerType.maxWorkers=20
  rayctl lint example-cluster -n ray -f my-values.yaml --server-side`,
    )
    .action(async (release: string, flags: LintFlags, cmd: Command) => {
      checkReleaseName(release);
      // A version rayctl does not ship is a usage error before anything else is read.
      const schemas = loadKubeSchemas(flags.kubeVersion);
      const compiled = flags.chart ? await loadChartDir(resolve(flags.chart)) : await loadBuiltinChart();
      const userValues = userSuppliedValues(valuesInputFromFlags(flags), readValuesInput);
      const connection = flags.serverSide ? await connectFromFlags(cmd) : undefined;
      const namespace = connection?.namespace ?? globalFlags(cmd).namespace ?? 'default';
      checkNamespaceName(namespace);
      const ref = { name: release, namespace };
      try {
        const report = await lintOffline(compiled, ref, userValues, schemas);
        const problems = [...report.problems];
        if (connection && report.rendered) {
          problems.push(
            ...(await lintServerSide(connection.ctx, ref, report.rendered, {
              createNamespace: Boolean(flags.createNamespace),
            })),
          );
        }
        const checked = describeChecks(
          report.rendered?.objects.length,
          report.rendered?.crds.length,
          schemas.kubernetes,
          Boolean(connection),
        );
        print(problems, flags.output, {
          checked,
          kubernetes: schemas.kubernetes,
          serverSide: Boolean(connection),
          release: ref,
        });
        const { errors } = countProblems(problems);
        if (errors > 0) throw new UserError(`lint found ${errors} error${errors === 1 ? '' : 's'}`);
      } finally {
        connection?.ctx.client.close();
      }
    });
}

function describeChecks(
  objects: number | undefined,
  crds: number | undefined,
  kubernetes: string,
  serverSide: boolean,
): string {
  if (objects === undefined) return 'the values; the objects are checked once the values have no errors';
  const minor = kubernetes.split('.').slice(0, 2).join('.');
  const count = objects + (crds ?? 0);
  return `the values and ${count} object${count === 1 ? '' : 's'} against Kubernetes ${minor}${serverSide ? ' and the cluster' : ''}`;
}

function print(
  problems: readonly LintProblem[],
  output: LintFlags['output'],
  context: { checked: string; kubernetes: string; serverSide: boolean; release: { name: string; namespace: string } },
): void {
  if (output === 'json') {
    const { errors, warnings } = countProblems(problems);
    process.stdout.write(
      `${JSON.stringify({ release: context.release, kubernetes: context.kubernetes, serverSide: context.serverSide, errors, warnings, problems }, null, 2)}\n`,
    );
    return;
  }
  for (const problem of problems) {
    // Messages may quote the API server: no control sequences reach the terminal.
    const line = printable(formatProblem(problem));
    const colour = problem.severity === 'error' ? chalk.red : chalk.yellow;
    process.stdout.write(`${colour(line.slice(0, problem.severity.length))}${line.slice(problem.severity.length)}\n`);
  }
  process.stdout.write(`${summarize(problems)}; checked ${context.checked}\n`);
}
