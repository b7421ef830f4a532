import { Command, Option } from 'commander';
import type { ActionContext } from '../../actions/context.ts';
import type { DeployRequest } from '../../actions/deploy-request.ts';
import { diffInstall, diffRollback, diffUpgrade, type DiffOptions, type ObjectDiff } from '../../actions/diff.ts';
import type { CompiledChart } from '../../chart/compile.ts';
import type { ReleaseRef } from '../../chart/objects.ts';
import { DEFAULT_CONTEXT } from '../../chart/object-diff.ts';
import type { Values } from '../../chart/tree.ts';
import { UsageError } from '../../errors.ts';
import { ReleaseNotFoundError } from '../../release/history.ts';
import { checkReleaseName } from '../../release/names.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { exitForChanges, formatDiffOutput } from '../diff-output.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output.ts';
import { loadDeployInputs } from '../deploy-flags.ts';
import { addValuesOptions, type ValuesFlags } from '../values-flags.ts';

interface CommonFlags {
  forceConflicts?: boolean;
  takeOwnership?: boolean;
  context: string;
  detailedExitcode?: boolean;
  output: OutputFormat;
}

interface RenderFlags extends CommonFlags, ValuesFlags {
  chart?: string;
}

interface UpgradeFlags extends RenderFlags {
  install?: boolean;
  reuseValues?: boolean;
  resetValues?: boolean;
}

export function diffCommand(): Command {
  return new Command('diff')
    .summary('show what an install, upgrade or rollback would change in the cluster')
    .description(
      'Like the helm-diff plugin: every object of the target revision is applied with dryRun=All (the same field ' +
        'manager and conflict rules as the real change) and compared with the live object; objects the release would ' +
        'delete are shown as removed. managedFields, resourceVersion, generation, uid, creationTimestamp and status ' +
        "are left out; Secrets' values are masked. Nothing in the cluster changes.",
    )
    .addCommand(upgradeDiff())
    .addCommand(installDiff())
    .addCommand(rollbackDiff())
    .addHelpText(
      'after',
      `
Examples:
  rayctl -n ray diff upgrade example-cluster --reuse-values --max-workers rayWorkerType=5
  rayctl -n ray diff upgrade example-cluster -f values.yaml --detailed-exitcode   # exit 2: something would change
  rayctl -n ray diff rollback example-cluster 1
  rayctl -n ray diff install example-cluster2 --cluster-only -o json`,
    );
}

function upgradeDiff(): Command {
  const command = new Command('upgrade')
    .summary('what `rayctl upgrade` with these values would change')
    .argument('<release>', 'release name')
    .option('-i, --install', 'a release that does not exist is diffed as an install')
    .option('--reuse-values', "merge the given values over the release's last values")
    .option('--reset-values', "start from the chart's defaults, dropping the release's last values");
  addRenderOptions(command);
  return command.action(async (name: string, flags: UpgradeFlags, cmd: Command) => {
    checkReleaseName(name);
    const options = diffOptions(flags);
    const inputs = await loadDeployInputs(flags);
    await withCluster(cmd, flags, async (ctx, namespace) => {
      const request = renderRequest(flags, { name, namespace }, inputs);
      try {
        return await diffUpgrade(
          ctx,
          { ...request, reuseValues: Boolean(flags.reuseValues), resetValues: Boolean(flags.resetValues) },
          options,
        );
      } catch (err) {
        if (flags.install && err instanceof ReleaseNotFoundError)
          return diffInstall(ctx, { ...request, createNamespace: true, replace: true }, options);
        throw err;
      }
    });
  });
}

function installDiff(): Command {
  const command = new Command('install')
    .summary('what `rayctl install` would create: everything is new')
    .argument('<release>', 'release name');
  addRenderOptions(command);
  return command.action(async (name: string, flags: RenderFlags, cmd: Command) => {
    checkReleaseName(name);
    const options = diffOptions(flags);
    const inputs = await loadDeployInputs(flags);
    await withCluster(cmd, flags, (ctx, namespace) =>
      diffInstall(
        ctx,
        { ...renderRequest(flags, { name, namespace }, inputs), createNamespace: true, replace: true },
        options,
      ),
    );
  });
}

function rollbackDiff(): Command {
  const command = new Command('rollback')
    .summary('what `rayctl rollback` would change')
    .argument('<release>', 'release name')
    .argument('[revision]', 'the revision to go back to (default, or 0: the previous)');
  addCommonOptions(command);
  return command.action(async (name: string, revision: string | undefined, flags: CommonFlags, cmd: Command) => {
    checkReleaseName(name);
    if (revision !== undefined && !/^(0|[1-9]\d{0,8})$/.test(revision))
      throw new UsageError(`revision "${revision}" must be a whole number (0: the previous revision, as in helm)`);
    const options = diffOptions(flags);
    await withCluster(cmd, flags, (ctx, namespace) =>
      diffRollback(
        ctx,
        { name, namespace },
        revision === undefined || revision === '0' ? undefined : Number(revision),
        options,
      ),
    );
  });
}

function addCommonOptions(command: Command): Command {
  return command
    .option('--force-conflicts', 'as the change would with it: take over fields that another field manager set')
    .option('--take-ownership', 'as the change would with it: adopt objects of another release or of none')
    .option(
      '-C, --context <lines>',
      'unchanged lines around each change (-1: the whole object)',
      String(DEFAULT_CONTEXT),
    )
    .option('--detailed-exitcode', 'exit 2 when something would change, 0 when nothing would (1 stays for errors)')
    .addOption(
      new Option('-o, --output <format>', 'table: the diff; json|yaml: a list of {kind, name, namespace, change, diff}')
        .choices(OUTPUT_FORMATS)
        .default('table'),
    );
}

function addRenderOptions(command: Command): Command {
  addValuesOptions(command);
  addCommonOptions(command);
  return command.option('--chart <dir>', 'use another chart directory of the same layout (templates/, values/)');
}

function diffOptions(flags: CommonFlags): DiffOptions {
  if (!/^(-1|\d{1,6})$/.test(flags.context))
    throw new UsageError(`--context "${flags.context}" must be a whole number of lines, or -1 for the whole object`);
  return {
    force: Boolean(flags.forceConflicts),
    context: Number(flags.context),
    takeOwnership: Boolean(flags.takeOwnership),
  };
}

/** The fields a rendering needs; the rest of a deploy request does not matter to a client-side dry run. */
function renderRequest(
  flags: RenderFlags,
  release: ReleaseRef,
  inputs: { chart: CompiledChart; userValues: Values },
): Omit<DeployRequest, 'dryRun'> {
  return {
    release,
    ...inputs,
    wait: false,
    timeoutMs: 0,
    atomic: false,
    skipCrds: false,
    historyMax: 0,
    forceConflicts: Boolean(flags.forceConflicts),
    takeOwnership: Boolean(flags.takeOwnership),
  };
}

async function withCluster(
  cmd: Command,
  flags: CommonFlags,
  run: (ctx: ActionContext, namespace: string) => Promise<ObjectDiff[]>,
): Promise<void> {
  const { ctx, namespace } = await connectFromFlags(cmd);
  let diffs: ObjectDiff[];
  try {
    diffs = await run(ctx, namespace);
  } finally {
    ctx.client.close();
  }
  process.stdout.write(formatDiffOutput(diffs, flags.output));
  exitForChanges(diffs, flags.detailedExitcode);
}
