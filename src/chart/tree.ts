/** A values tree as YAML/JSON gives it: maps, lists, scalars and null. */
export type Values = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Keys that would reach JavaScript's object machinery instead of the values: refused wherever they appear. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any chart needs; a deeper tree is an attack on the parser's stack, not configuration. */
export const MAX_VALUES_DEPTH = 64;
/** Maps, lists and scalars together; YAML aliases that multiply a tree (an "alias bomb") stop here. */
export const MAX_VALUES_NODES = 1_000_000;

/**
 * Why a parsed values tree is unsafe to use, or undefined: a reserved key, nesting deeper than MAX_VALUES_DEPTH, or
 * more than MAX_VALUES_NODES nodes counted as the tree will be copied (a shared alias counts each time it is used).
 */
export function unsafeValues(root: unknown): string | undefined {
  let nodes = 0;
  const walk = (value: unknown, path: string, depth: number): string | undefined => {
    if (++nodes > MAX_VALUES_NODES)
      return `it expands to more than ${MAX_VALUES_NODES.toLocaleString('en')} values (YAML aliases used over and over?)`;
    if (depth > MAX_VALUES_DEPTH) return `${path} is nested deeper than ${MAX_VALUES_DEPTH} levels`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = walk(value[i], `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        const child = path ? `${path}.${key}` : key;
        if (RESERVED_KEYS.has(key)) return `key "${child}" is not allowed ("${key}" is reserved)`;
        const problem = walk(value[key], child, depth + 1);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  return walk(root, '', 0);
}
