import { createHash } from 'node:crypto';
import { isPlainObject } from './tree.ts';

/**
 * Template helpers. Only `json` writes a value into the YAML text (as a JSON scalar or flow collection, which YAML
 * reads back unchanged), so no value can break out of its place; the others compute values for `json` or `#if`.
 */
export const TEMPLATE_HELPERS = {
  json: (value: unknown): string => {
    if (value === undefined) throw new Error('{{json}} was given a value that does not exist');
    return JSON.stringify(value);
  },
  sortedByKey: (map: unknown): { key: string; value: unknown }[] =>
    isPlainObject(map)
      ? Object.keys(map)
          .sort()
          .map((key) => ({ key, value: map[key] }))
      : [],
  sumOf: (map: unknown, field: unknown): number =>
    isPlainObject(map)
      ? Object.values(map).reduce<number>((sum, entry) => {
          const n = isPlainObject(entry) ? entry[String(field)] : undefined;
          return sum + (typeof n === 'number' ? n : 0);
        }, 0)
      : 0,
  orDefault: (value: unknown, fallback: unknown): unknown => value ?? fallback,
  isNonEmpty: (value: unknown): boolean =>
    Array.isArray(value)
      ? value.length > 0
      : isPlainObject(value)
        ? Object.keys(value).length > 0
        : value !== undefined && value !== null && value !== '',
  isPositive: (value: unknown): boolean => typeof value === 'number' && value > 0,
  kebabCase: (value: unknown): string => kebabCase(String(value)),
  suffix: (value: unknown, end: unknown): string => `${String(value)}${String(end)}`,
  /** A value as JSON text, to build a string for `json` (e.g. a CEL list literal from a validated list). */
  jsonText: (value: unknown): string => JSON.stringify(value ?? null),
  isBaselineOrStricter: (level: unknown): boolean => level === 'baseline' || level === 'restricted',
  isRestricted: (level: unknown): boolean => level === 'restricted',
  joined: (list: unknown, separator: unknown): string =>
    (Array.isArray(list) ? list.map(String) : []).join(String(separator)),
  /** A file the chart carries (`Files` in the context); missing is an error that says how to get it. */
  chartFile: (files: unknown, name: unknown): string => {
    const text = isPlainObject(files) ? files[String(name)] : undefined;
    if (typeof text !== 'string')
      throw new Error(`the chart has no file ${String(name)} (for the built-in chart: run \`npm run build\`)`);
    return text;
  },
  sha256: (text: unknown): string => createHash('sha256').update(String(text)).digest('hex'),
} as const;

/** Names of the helpers whose output may appear in the YAML text; a unit test holds templates to this. */
export const WRITING_HELPERS: ReadonlySet<string> = new Set(['json']);

/** `rayWorkerType` → `ray-worker-type`, `GPUWorker` → `gpu-worker`: pod type names as DNS labels. */
export function kebabCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}
