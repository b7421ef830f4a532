// How an installed CRD differs from the chart's: the fields each version's schema allows, and the versions served.
// Pure. Used by `rayctl version` (is the cluster's CRD older?) and by upgrades that bring a newer CRD.

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
}
export interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
}
export interface CrdShape {
  spec?: { versions?: CrdVersion[] };
  status?: { storedVersions?: string[] };
}

/** Every field path a schema names, e.g. `spec.podTypes[].desiredWorkers`. */
export function fieldPaths(schema: SchemaNode | undefined, prefix = ''): string[] {
  if (!schema) return [];
  const paths: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    paths.push(path, ...fieldPaths(child, path));
  }
  if (schema.items) paths.push(...fieldPaths(schema.items, `${prefix}[]`));
  if (typeof schema.additionalProperties === 'object')
    paths.push(...fieldPaths(schema.additionalProperties, `${prefix}.*`));
  return paths;
}

export interface CrdDiff {
  /** `v1: spec.podTypes[].desiredWorkers`: fields the chart's CRD has and the installed one lacks. */
  added: string[];
  /** Fields the installed CRD has and the chart's lacks. */
  removed: string[];
  /** Versions the chart's CRD no longer serves. */
  unserved: string[];
}

export function crdDiff(installed: CrdShape, chart: CrdShape): CrdDiff {
  const byName = (crd: CrdShape) => new Map((crd.spec?.versions ?? []).map((v) => [v.name, v]));
  const live = byName(installed);
  const wanted = byName(chart);
  const diff: CrdDiff = { added: [], removed: [], unserved: [] };
  for (const [name, version] of wanted) {
    const before = new Set(fieldPaths(live.get(name)?.schema?.openAPIV3Schema));
    const after = new Set(fieldPaths(version.schema?.openAPIV3Schema));
    diff.added.push(...[...after].filter((p) => !before.has(p)).map((p) => `${name}: ${p}`));
    diff.removed.push(...[...before].filter((p) => !after.has(p)).map((p) => `${name}: ${p}`));
  }
  for (const [name, version] of live)
    if (version.served !== false && wanted.get(name)?.served === false) diff.unserved.push(name);
  for (const name of live.keys()) if (!wanted.has(name)) diff.unserved.push(name);
  return diff;
}

export const crdUnchanged = (diff: CrdDiff) =>
  diff.added.length === 0 && diff.removed.length === 0 && diff.unserved.length === 0;

/** Versions objects are still stored in that the chart's CRD would stop serving: applying it would strand them. */
export function strandedVersions(installed: CrdShape, diff: CrdDiff): string[] {
  const stored = new Set(installed.status?.storedVersions ?? []);
  return diff.unserved.filter((v) => stored.has(v));
}
