// Writes openapi/kube-<major.minor>.json: the part of Kubernetes' own OpenAPI spec that `rayctl lint` checks
// rendered objects against, offline. Run it when the chart renders a new kind or to ship another Kubernetes release:
//
//   npx tsx src/build/openapi-schemas.ts 1.34.4 1.35.4 1.36.3
//
// For each version it fetches the k8s.io/kubernetes module through the Go module proxy (`go mod download`, cached
// in GOMODCACHE), reads api/openapi-spec/swagger.json (OpenAPI v2: `$ref: #/definitions/...`) and keeps only the
// definitions reachable from KINDS, without descriptions, formats or list/patch hints. It also makes the schema
// strict as the API server's strict field validation is (`kubectl --validate=strict`): every object with declared
// properties gets `additionalProperties: false`. IntOrString becomes integer-or-string and Quantity string-or-number
// with the quantity pattern, which is how the API server decodes them. The output is a JSON Schema (draft-07)
// fragment that src/chart/kube-schema.ts compiles with ajv; nothing here runs at rayctl's run time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUANTITY_PATTERN, type KubeSchemas } from '../chart/kube-schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The kinds the chart renders, and a few it may (group/version/Kind; the core group is ""). */
export const KINDS = [
  '/v1/Namespace',
  '/v1/ServiceAccount',
  '/v1/ConfigMap',
  '/v1/Secret',
  '/v1/Service',
  'apps/v1/Deployment',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
];

type Schema = Record<string, unknown>;

/** Definitions whose wire form is not what the v2 spec says. */
const SPECIAL: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: ['integer', 'string'] },
  // resource.Quantity decodes from a JSON number too; the pattern is the API server's (and controller-gen's).
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    type: ['string', 'number'],
    pattern: QUANTITY_PATTERN,
  },
};

interface Spec {
  definitions: Record<string, Schema>;
}
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const REF = '#/definitions/';

export function trimSpec(spec: Spec, kubernetes: string): KubeSchemas {
  const byGvk = new Map<string, string>();
  const served = new Set<string>();
  for (const [name, definition] of Object.entries(spec.definitions)) {
    const gvks = (definition['x-kubernetes-group-version-kind'] as Gvk[] | undefined) ?? [];
    const properties = definition.properties as Record<string, Schema> | undefined;
    const isObject = properties?.metadata?.$ref === `${REF}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
    for (const gvk of gvks) {
      byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
      if (isObject) served.add(apiVersionKind(gvk));
    }
  }
  const kinds: Record<string, string> = {};
  const definitions: Record<string, Schema> = {};
  const pending: string[] = [];
  for (const key of KINDS) {
    const name = byGvk.get(key);
    if (!name) continue; // a kind this version does not serve: lint reports it from `served`
    const [group, version, kind] = key.split('/') as [string, string, string];
    kinds[apiVersionKind({ group, version, kind })] = name;
    pending.push(name);
  }
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in definitions) continue;
    const source = spec.definitions[name];
    if (!source) throw new Error(`${kubernetes}: $ref to a missing definition ${name}`);
    definitions[name] = SPECIAL[name] ?? trimSchema(source, (ref) => pending.push(ref));
  }
  return {
    kubernetes,
    kinds: sortKeys(kinds),
    served: [...served].sort(),
    definitions: sortKeys(definitions),
  };
}

/** Keeps the keywords that validate; follows `$ref`s through `found`. Schema-aware: a property named "$ref" stays. */
function trimSchema(schema: Schema, found: (ref: string) => void): Schema {
  const out: Schema = {};
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    if (!ref.startsWith(REF)) throw new Error(`unexpected $ref ${ref}`);
    found(ref.slice(REF.length));
    return { $ref: ref };
  }
  if (schema.format === 'int-or-string') return { type: ['integer', 'string'] };
  for (const key of ['type', 'required', 'enum', 'minimum', 'maximum', 'pattern'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  if (schema.items && typeof schema.items === 'object') out.items = trimSchema(schema.items as Schema, found);
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, trimSchema(value, found)]),
    );
  }
  if (schema.additionalProperties !== undefined) {
    out.additionalProperties =
      typeof schema.additionalProperties === 'object'
        ? trimSchema(schema.additionalProperties as Schema, found)
        : schema.additionalProperties;
  } else if (properties) {
    // Strict field validation: a field the schema does not declare is an error, as `kubectl --validate=strict`.
    out.additionalProperties = false;
  }
  return out;
}

function apiVersionKind(gvk: Gvk): string {
  return `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The k8s.io/kubernetes module's directory, downloaded through the Go module proxy if it is not cached. */
function moduleDir(version: string): string {
  const output = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
    cwd: '/tmp',
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 1 << 20,
  });
  const info = JSON.parse(output) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download k8s.io/kubernetes@v${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const versions = process.argv.slice(2);
  if (versions.length === 0 || versions.some((v) => !/^\d+\.\d+\.\d+$/.test(v))) {
    process.stderr.write('usage: tsx src/build/openapi-schemas.ts 1.36.3 [1.35.4 ...] (full Kubernetes versions)\n');
    process.exit(2);
  }
  mkdirSync(join(root, 'openapi'), { recursive: true });
  for (const version of versions) {
    const spec = JSON.parse(
      readFileSync(join(moduleDir(version), 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
    ) as Spec;
    const shipped = trimSpec(spec, version);
    const minor = version.split('.').slice(0, 2).join('.');
    const file = join(root, 'openapi', `kube-${minor}.json`);
    const text = `${JSON.stringify(shipped)}\n`;
    writeFileSync(file, text);
    process.stdout.write(
      `${file}: Kubernetes ${version}, ${Object.keys(shipped.kinds).length} kinds, ` +
        `${Object.keys(shipped.definitions).length} definitions, ${(text.length / 1024).toFixed(0)} KB\n`,
    );
  }
}
