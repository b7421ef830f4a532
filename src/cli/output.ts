import chalk from 'chalk';

/** Colours only for a person at a terminal: never in pipes or when NO_COLOR is set. */
export function configureColours(): void {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;
  else if ((!process.stdout.isTTY || !process.stderr.isTTY) && process.env.FORCE_COLOR === undefined) chalk.level = 0;
}

export function printError(message: string, hint?: string): void {
  process.stderr.write(`${chalk.red(`Error: ${message}`)}\n`);
  if (hint) process.stderr.write(`${chalk.dim(`Hint: ${hint}`)}\n`);
}

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

/** Aligned columns with a header, like kubectl and helm; the header is bold on a terminal. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [chalk.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
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
