import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CompiledChart } from '../chart/compile.ts';
import { loadBuiltinChart, loadChartDir } from '../chart/load.ts';
import type { Values } from '../chart/tree.ts';
import { userSuppliedValues } from '../chart/values.ts';
import type { DryRun } from '../actions/deploy-request.ts';
import type { InstallRequest } from '../actions/install.ts';
import type { ReleaseRef } from '../chart/objects.ts';
import { UsageError } from '../errors.ts';
import { parseReleaseLabels } from '../release/custom-labels.ts';
import { parseDuration } from '../duration.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';
import { addValuesOptions, readValuesInput, valuesInputFromFlags, type ValuesFlags } from './values-flags.ts';

/** Flags shared by install and upgrade. */
export interface DeployFlags extends ValuesFlags {
  createNamespace?: boolean;
  wait?: boolean;
  timeout: string;
  atomic?: boolean;
  rollbackOnFailure?: boolean;
  dryRun?: string | boolean;
  description?: string;
  skipCrds?: boolean;
  historyMax: string;
  forceConflicts?: boolean;
  output: OutputFormat;
  chart?: string;
  labels?: string;
  takeOwnership?: boolean;
}

export function addDeployOptions(command: Command): Command {
  addValuesOptions(command);
  return command
    .option('--create-namespace', 'create the release namespace if it does not exist')
    .option('--wait', 'wait until the operator Deployment is available and the RayCluster is Running')
    .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m')
    .option('--atomic', 'on failure, undo the change (uninstall a new release, roll back an upgrade); implies --wait')
    .option('--rollback-on-failure', "helm 4's name for --atomic")
    .addOption(
      new Option(
        '--dry-run [mode]',
        'show what would happen: client (render only) or server (validated by the API server)',
      ).preset('client'),
    )
    .option('--description <text>', 'a description for the new revision')
    .option('--skip-crds', 'do not install the RayCluster CRD')
    .option('--history-max <n>', HISTORY_MAX_HELP, String(DEFAULT_HISTORY_MAX))
    .option('--force-conflicts', 'take over fields that another field manager (e.g. kubectl) set')
    .option(
      '--take-ownership',
      'adopt existing objects of another release or of none, instead of refusing (as helm 3.17)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--chart <dir>', 'use another chart directory of the same layout (templates/, values/)')
    .option(
      '--labels <k=v,...>',
      'custom labels on the release records, selectable with `list -l` (upgrade merges them; k=null removes one)',
    );
}

export function deployOptions(flags: DeployFlags): {
  wait: boolean;
  timeoutMs: number;
  atomic: boolean;
  dryRun: DryRun;
  historyMax: number;
  labels?: Record<string, string | null>;
} {
  const dryRun =
    flags.dryRun === undefined || flags.dryRun === false ? 'none' : flags.dryRun === true ? 'client' : flags.dryRun;
  if (dryRun !== 'none' && dryRun !== 'client' && dryRun !== 'server') {
    throw new UsageError(`--dry-run "${dryRun}" is not a mode`, 'use --dry-run, --dry-run=client or --dry-run=server');
  }
  return {
    wait: Boolean(flags.wait || flags.atomic || flags.rollbackOnFailure),
    timeoutMs: parseDuration(flags.timeout),
    atomic: Boolean(flags.atomic || flags.rollbackOnFailure),
    dryRun,
    historyMax: parseHistoryMax(flags.historyMax),
    ...(flags.labels === undefined ? {} : { labels: parseReleaseLabels(flags.labels) }),
  };
}

/** Helm's default for --history-max. */
export const DEFAULT_HISTORY_MAX = 10;
export const HISTORY_MAX_HELP = 'revisions kept per release (0 = unlimited)';

/** --history-max: a whole number, 0 for unlimited (never NaN, which would mean unlimited by accident). */
export function parseHistoryMax(text: string): number {
  if (!/^\d{1,6}$/.test(text))
    throw new UsageError(`--history-max "${text}" must be a whole number up to 999999 (0 = unlimited)`);
  return Number(text);
}

/** The chart and the user's values, read before connecting so that bad input fails without a cluster. */
export async function loadDeployInputs(
  flags: ValuesFlags & { chart?: string },
): Promise<{ chart: CompiledChart; userValues: Values }> {
  const chart = flags.chart ? await loadChartDir(resolve(flags.chart)) : await loadBuiltinChart();
  return { chart, userValues: userSuppliedValues(valuesInputFromFlags(flags), readValuesInput) };
}

/** The request fields install and upgrade share, from their common flags. */
export function deployRequest(
  flags: DeployFlags,
  options: ReturnType<typeof deployOptions>,
  release: ReleaseRef,
  inputs: { chart: CompiledChart; userValues: Values },
): Omit<InstallRequest, 'replace'> {
  return {
    release,
    ...inputs,
    ...options,
    createNamespace: Boolean(flags.createNamespace),
    skipCrds: Boolean(flags.skipCrds),
    forceConflicts: Boolean(flags.forceConflicts),
    takeOwnership: Boolean(flags.takeOwnership),
    ...(flags.description === undefined ? {} : { description: flags.description }),
  };
}
