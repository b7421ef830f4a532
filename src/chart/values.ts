import yaml from 'js-yaml';
import { UserError } from '../errors.ts';
import { applySetFlag } from './set-parser.ts';
import { describeType, isPlainObject, unsafeValues, type Values } from './tree.ts';

export type { Values } from './tree.ts';

/**
 * What the user supplied, in the order Helm applies it: -f files, then --set-json, --set, --set-string,
 * --set-file; rayctl's shortcut flags (--cluster-only, --min-workers ...) come last because they are the most
 * specific thing on the command line.
 */
export interface ValuesInput {
  files: readonly string[];
  setJson: readonly string[];
  set: readonly string[];
  setString: readonly string[];
  setFile: readonly string[];
  shortcuts: Values;
}

export const NO_VALUES_INPUT: ValuesInput = {
  files: [],
  setJson: [],
  set: [],
  setString: [],
  setFile: [],
  shortcuts: {},
};

/** Reads a -f file or a --set-file path; '-' is standard input. Supplied by the CLI so this module stays pure. */
export type ReadInput = (path: string) => string;

/** The user-supplied values (Helm's release `config`): everything the user gave, not merged with defaults. */
export function userSuppliedValues(input: ValuesInput, read: ReadInput): Values {
  let merged: Values = {};
  for (const file of input.files) merged = mergeValues(merged, parseValuesFile(read(file), file));
  const flagged: Values = {};
  for (const pairs of input.setJson) applySetFlag(pairs, 'json', flagged);
  for (const pairs of input.set) applySetFlag(pairs, 'infer', flagged);
  for (const pairs of input.setString) applySetFlag(pairs, 'string', flagged);
  for (const pairs of input.setFile) applySetFlag(pairs, 'file', flagged, read);
  return mergeValues(mergeValues(merged, flagged), input.shortcuts);
}

export function parseValuesFile(text: string, source: string): Values {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { filename: source });
  } catch (err) {
    // js-yaml's message quotes the lines around the error: one line (position and reason) is what a user needs.
    const { reason, mark } = err as { reason?: string; mark?: { line: number; column: number } };
    const at = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    throw new UserError(`values file ${source} is not valid YAML${at}: ${reason ?? (err as Error).message}`);
  }
  if (parsed === undefined || parsed === null) return {};
  if (!isPlainObject(parsed)) {
    throw new UserError(`values file ${source} must contain a map of keys, got ${describeType(parsed)}`);
  }
  const problem = unsafeValues(parsed);
  if (problem) throw new UserError(`values file ${source} is refused: ${problem}`);
  return parsed;
}

/** Deep merge where `override` wins; maps merge key by key, anything else is replaced; null is kept as a tombstone. */
export function mergeValues(base: Values, override: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = result[key];
    result[key] = isPlainObject(existing) && isPlainObject(value) ? mergeValues(existing, value) : value;
  }
  return result;
}

/**
 * Helm's coalesce: user values over chart defaults, where a user `null` deletes the key (and its default).
 * The result contains no nulls that came from the user.
 */
export function coalesceValues(user: Values, defaults: Values): Values {
  const result: Values = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in user)) result[key] = value;
  }
  for (const [key, value] of Object.entries(user)) {
    if (value === null) continue;
    const fallback = defaults[key];
    result[key] = isPlainObject(value) && isPlainObject(fallback) ? coalesceValues(value, fallback) : dropNulls(value);
  }
  return result;
}

function dropNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const result: Values = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) result[key] = dropNulls(child);
  return result;
}
