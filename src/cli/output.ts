import chalk from './colours.ts';
import { Option } from 'commander';
import { UsageError } from '../errors.ts';
import { compileJsonPath } from './jsonpath.ts';
import { printable, visibleLength } from './terminal.ts';

/** An error and what to do; messages may quote the API server, so control sequences are removed. */
export function printError(message: string, hint?: string): void {
  process.stderr.write(`${chalk.red(`Error: ${printable(message)}`)}\n`);
  if (hint) process.stderr.write(`${chalk.dim(`Hint: ${printable(hint)}`)}\n`);
}

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

/** kubectl's `-o` for listings: the table, a wider one, `kind/name` lines, documents, or a JSONPath template. */
export type ListingFormat =
  { kind: 'table' | 'wide' | 'name' | 'json' | 'yaml' } | { kind: 'jsonpath'; render: (data: unknown) => string };

const LISTING_FORMATS = ['table', 'wide', 'name', 'json', 'yaml'] as const;

/** `-o table|wide|name|json|yaml|jsonpath=TEMPLATE`; the choices show in help and completion, jsonpath= takes a template. */
export function listingOutputOption(): Option {
  return new Option('-o, --output <format>', "output format; jsonpath as kubectl's: -o jsonpath='{.items[*].name}'")
    .choices([...LISTING_FORMATS, 'jsonpath='])
    .argParser(parseListingFormat)
    .default({ kind: 'table' }, 'table');
}

export function parseListingFormat(value: string): ListingFormat {
  if ((LISTING_FORMATS as readonly string[]).includes(value))
    return { kind: value as (typeof LISTING_FORMATS)[number] };
  const template = /^jsonpath=(.*)$/s.exec(value)?.[1];
  if (template !== undefined) {
    if (template === '') throw new UsageError('-o jsonpath= needs a template', "e.g. -o jsonpath='{.items[*].name}'");
    return { kind: 'jsonpath', render: compileJsonPath(template) };
  }
  throw new UsageError(`-o "${value}" is not an output format: use table, wide, name, json, yaml or jsonpath=TEMPLATE`);
}

/** Column widths of a table, so rows printed later (a watch) line up under the same header. */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => visibleLength(printable(r[i] ?? '', { keepColour: true })))),
  );
}

/** One table line in the given widths (which grow to fit a longer cell). */
export function formatRow(widths: number[], cells: readonly string[]): string {
  const clean = cells.map((cell) => printable(cell, { keepColour: true }));
  clean.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return clean
    .map((cell, i) =>
      i === clean.length - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell))),
    )
    .join('  ')
    .trimEnd();
}

/**
 * Aligned columns with a header, like kubectl and helm; the header is bold on a terminal. Cells hold text from the
 * cluster: control sequences go, our colour codes stay and take no width.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { noHeaders?: boolean } = {},
): string {
  const widths = columnWidths(header, rows);
  const lines = rows.map((r) => formatRow(widths, r));
  if (!options.noHeaders) lines.unshift(chalk.bold(formatRow(widths, header)));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
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
