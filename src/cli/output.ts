import chalk from 'chalk';
import { printable, visibleLength } from './terminal.ts';

/** Colours only for a person at a terminal: never in pipes or when NO_COLOR is set. */
export function configureColours(): void {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;
  else if ((!process.stdout.isTTY || !process.stderr.isTTY) && process.env.FORCE_COLOR === undefined) chalk.level = 0;
}

/** An error and what to do; messages may quote the API server, so control sequences are removed. */
export function printError(message: string, hint?: string): void {
  process.stderr.write(`${chalk.red(`Error: ${printable(message)}`)}\n`);
  if (hint) process.stderr.write(`${chalk.dim(`Hint: ${printable(hint)}`)}\n`);
}

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

/**
 * Aligned columns with a header, like kubectl and helm; the header is bold on a terminal. Cells hold text from the
 * cluster: control sequences go, our colour codes stay and take no width.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = rows.map((r) => r.map((cell) => printable(cell, { keepColour: true })));
  const widths = header.map((h, i) => Math.max(h.length, ...clean.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell))),
      )
      .join('  ')
      .trimEnd();
  return [chalk.bold(line(header)), ...clean.map(line)].join('\n') + '\n';
}

/** Helm's time format in tables: `2026-11-26 23:56:02 +0000 UTC`. */
export function formatTime(iso: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} +0000 UTC`;
}
