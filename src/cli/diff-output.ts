import chalk from './colours.ts';
import { CommanderError } from 'commander';
import type { ReleaseContext } from '../actions/context.ts';
import { diffRevision, type DiffOptions, type ObjectDiff } from '../actions/diff.ts';
import { formatDiffs, type DiffStyle } from '../chart/object-diff.ts';
import type { OutputFormat } from './output.ts';
import type { Release } from '../release/model.ts';
import { printRelease, structured } from './release-output.ts';
import { printable } from './terminal.ts';

/**
 * helm-diff's colours: additions green, removals red, hunk lines cyan, headers bold (chalk prints none off a terminal
 * or with NO_COLOR: src/cli/colours.ts). Every line comes from the cluster or a manifest, so control sequences go first.
 */
export function diffStyle(): DiffStyle {
  return {
    header: (line) => chalk.bold(printable(line)),
    hunk: (line) => chalk.cyan(printable(line)),
    added: (line) => chalk.green(printable(line)),
    removed: (line) => chalk.red(printable(line)),
    context: (line) => printable(line),
  };
}

/** The diffs as a person reads them (or "No changes"), or as a list for scripts with `-o json|yaml`. */
export function formatDiffOutput(diffs: readonly ObjectDiff[], format: OutputFormat): string {
  if (format !== 'table') {
    return structured(
      diffs.map((d) => ({
        apiVersion: d.apiVersion,
        kind: d.kind,
        name: d.name,
        namespace: d.namespace ?? '',
        change: d.change,
        diff: d.diff,
      })),
      format,
    );
  }
  return diffs.length === 0 ? 'No changes\n' : formatDiffs(diffs, diffStyle());
}

/**
 * `--detailed-exitcode`: exit 2 when there are changes (as helm-diff and `terraform plan`). main() turns a
 * CommanderError into its exit code without printing anything more, so the diff already printed stays the output.
 */
export function exitForChanges(diffs: readonly ObjectDiff[], detailedExitCode: boolean | undefined): void {
  if (detailedExitCode && diffs.length > 0) throw new CommanderError(2, 'rayctl.diff.changes', '');
}

/**
 * `upgrade --dry-run=server --diff`: the release's header, then what deploying `release` (the dry run's revision)
 * would change instead of its manifest; with `-o json|yaml`, only the list of changes.
 */
export async function printRevisionDiff(
  ctx: ReleaseContext,
  release: Release,
  format: OutputFormat,
  options: DiffOptions,
): Promise<void> {
  const diffs = await diffRevision(ctx, release, options);
  if (format === 'table') printRelease(release, 'table', { showNotes: false });
  process.stdout.write(formatDiffOutput(diffs, format));
}
