import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { UsageError } from '../errors.ts';
import { packageRoot } from '../paths.ts';
import type { KubeObject } from './objects.ts';
import { describeType, isPlainObject } from './tree.ts';

/**
 * Kubernetes' own schemas for the kinds the chart renders, trimmed per Kubernetes version by
 * src/build/openapi-schemas.ts into openapi/kube-<major.minor>.json, and the checks `rayctl lint` makes with them
 * (offline, as `kubectl --validate=strict` would, without the cluster). Custom resources are checked against the
 * openAPIV3Schema of the CRD that defines them (the chart's own CRDs).
 */
export interface KubeSchemas {
  /** The full Kubernetes version the schemas come from (`1.36.3`). */
  kubernetes: string;
  /** `apiVersion/Kind` → definition name, for the kinds rayctl checks. */
  kinds: Record<string, string>;
  /** Every `apiVersion/Kind` of an object that version serves. */
  served: string[];
  definitions: Record<string, object>;
}

/** A problem of one object at a field path (`spec.template.spec.containers[0].name`, empty for the whole object). */
export interface FieldProblem {
  severity: 'error' | 'warning';
  path: string;
  message: string;
}

/** The API server's quantity syntax (resource.Quantity), as the generator writes it into the schemas. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

const OPENAPI_DIR = 'openapi';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** The Kubernetes versions (`1.34`, `1.35`, ...) whose schemas ship with rayctl, oldest first. */
export function shippedKubeVersions(root: string = packageRoot()): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, OPENAPI_DIR));
  } catch {
    return [];
  }
  return names
    .map((name) => /^kube-(\d+\.\d+)\.json$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort(compareVersions);
}

/**
 * The schemas of `version` (`1.35`, `v1.35` or `1.35.2`: only the minor version matters), or of the newest shipped
 * version when none is given. A version rayctl does not ship is a usage error naming those it does.
 */
export function loadKubeSchemas(version: string | undefined, root: string = packageRoot()): KubeSchemas {
  const shipped = shippedKubeVersions(root);
  const newest = shipped.at(-1);
  if (!newest) throw new Error(`rayctl: no Kubernetes schemas in ${join(root, OPENAPI_DIR)} (a broken install?)`);
  const minor = version === undefined ? newest : /^v?(\d+\.\d+)(\.\d+)?$/.exec(version.trim())?.[1];
  if (!minor || !shipped.includes(minor)) {
    throw new UsageError(
      `--kube-version ${version}: rayctl ships the Kubernetes schemas of ${shipped.join(', ')}`,
      `choose one of them, e.g. --kube-version ${newest} (the default)`,
    );
  }
  return JSON.parse(readFileSync(join(root, OPENAPI_DIR, `kube-${minor}.json`), 'utf8')) as KubeSchemas;
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

type Schema = Record<string, unknown>;

interface Crd {
  group: string;
  kind: string;
  versions: Map<string, Schema | undefined>;
}

/** The ajv class, loaded only by the one command that needs it (start-up: DESIGN.md). */
async function loadAjv(): Promise<typeof Ajv> {
  const ajv = await import('ajv');
  // CommonJS interop: Node gives the named export; the bundle gives only the default (module.exports, the class).
  const named: typeof Ajv | undefined = ajv.Ajv;
  return named ?? (ajv.default as unknown as typeof Ajv);
}

/** Checks objects against the schemas of one Kubernetes version and the CRDs given; each kind compiled on first use. */
export class KubeValidator {
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly crds: Crd[];

  private constructor(
    private readonly ajv: Ajv,
    readonly schemas: KubeSchemas,
    crds: readonly KubeObject[],
  ) {
    this.crds = crds.map(crdOf).filter((crd): crd is Crd => crd !== undefined);
  }

  static async create(schemas: KubeSchemas, crds: readonly KubeObject[] = []): Promise<KubeValidator> {
    const Ajv = await loadAjv();
    // Each validator runs on a handful of objects once: compiling fast matters more than the code's speed, so refs
    // stay functions (PodSpec's tree is not inlined into every kind) and ajv's code optimiser is off (2-3x faster).
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: false,
      validateFormats: false,
      inlineRefs: false,
      code: { optimize: false },
    });
    ajv.addSchema({ $id: 'kube', definitions: schemas.definitions });
    return new KubeValidator(ajv, schemas, crds);
  }

  /** The Kubernetes version the schemas are of, as `1.36`. */
  get version(): string {
    return this.schemas.kubernetes.split('.').slice(0, 2).join('.');
  }

  /** Every problem of one object: its kind served at all, then each field against the kind's schema. */
  check(object: KubeObject): FieldProblem[] {
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const key = `${apiVersion}/${kind}`;
    const definition = this.schemas.kinds[key];
    if (definition) return this.checkAs(definition, object);
    const crd = this.crds.find((c) => `${c.group}/${apiVersion.split('/')[1] ?? ''}` === apiVersion && c.kind === kind);
    if (crd) return this.checkCustom(crd, apiVersion, object);
    if (this.schemas.served.includes(key))
      return [warning('', `not checked: rayctl ships no schema for ${apiVersion} ${kind}`)];
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const kubernetesGroups = new Set(
      this.schemas.served.map((k) => (k.split('/').length === 3 ? k.split('/')[0] : '')),
    );
    if (kubernetesGroups.has(group)) {
      const versions = this.schemas.served
        .filter((k) => k.endsWith(`/${kind}`))
        .map((k) => k.slice(0, -kind.length - 1));
      return [
        error(
          '',
          `Kubernetes ${this.version} does not serve ${kind} in ${apiVersion || 'no apiVersion'}` +
            (versions.length > 0 ? `; it serves it as ${versions.join(', ')}` : ''),
        ),
      ];
    }
    return [
      warning('', `not checked: ${apiVersion} ${kind} is neither a Kubernetes kind nor defined by a CRD of the chart`),
    ];
  }

  /** Problems of `value` against one of the shipped definitions (e.g. a RayCluster's pod spec as a PodSpec). */
  checkAs(definition: string, value: unknown, basePath = ''): FieldProblem[] {
    if (!(definition in this.schemas.definitions)) throw new Error(`no definition ${definition} in the schemas`);
    let validate = this.compiled.get(definition);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `kube#/definitions/${definition}` });
      this.compiled.set(definition, validate);
    }
    return this.run(validate, value, basePath);
  }

  private checkCustom(crd: Crd, apiVersion: string, object: KubeObject): FieldProblem[] {
    const version = apiVersion.split('/')[1]!;
    if (!crd.versions.has(version)) {
      return [
        error(
          '',
          `the CRD of ${crd.kind} does not serve version ${version}; it serves ${[...crd.versions.keys()].join(', ')}`,
        ),
      ];
    }
    const key = `crd:${apiVersion}/${crd.kind}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(customResourceSchema(crd.versions.get(version)));
      this.compiled.set(key, validate);
    }
    return this.run(validate, object, '');
  }

  private run(validate: ValidateFunction, value: unknown, basePath: string): FieldProblem[] {
    if (validate(withoutNulls(value))) return [];
    const problems = (validate.errors ?? []).flatMap((e) => describe(e, basePath));
    // ajv reports some failures once per alternative; one line each is enough.
    const seen = new Set<string>();
    return problems.filter((p) => {
      const id = `${p.path}\0${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }
}

const error = (path: string, message: string): FieldProblem => ({ severity: 'error', path, message });
const warning = (path: string, message: string): FieldProblem => ({ severity: 'warning', path, message });

/** `spec.template.spec.containers[0]`, `metadata.labels["app.kubernetes.io/name"]`, after `base`. */
export function fieldPath(base: string, segments: readonly string[]): string {
  let path = base;
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function describe(e: ErrorObject, basePath: string): FieldProblem[] {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path = fieldPath(basePath, segments);
  const params = e.params as Record<string, unknown>;
  const got = `got ${describeType(e.data)}`;
  switch (e.keyword) {
    case 'additionalProperties':
      return [error(fieldPath(path, [String(params.additionalProperty)]), 'unknown field')];
    case 'required':
      return [error(fieldPath(path, [String(params.missingProperty)]), 'is required')];
    case 'type':
      return [error(path, `must be ${String(params.type).replace(/,/g, ' or ')}, ${got}`)];
    case 'pattern':
      return [
        error(
          path,
          params.pattern === QUANTITY_PATTERN
            ? `must be a quantity such as 1, "500m" or "1Gi", ${got}`
            : `must match ${String(params.pattern)}, ${got}`,
        ),
      ];
    case 'enum':
      return [
        error(
          path,
          `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, ${got}`,
        ),
      ];
    // The alternatives' own errors say what is wrong.
    case 'anyOf':
    case 'oneOf':
      return [];
    default:
      return [error(path, `${e.message ?? 'is invalid'}, ${got}`)];
  }
}

/**
 * The API server treats a null field as absent (strict decoding does not report it), and the chart's YAML may
 * carry some (`creationTimestamp: null`); they are dropped before checking.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function crdOf(object: KubeObject): Crd | undefined {
  if (object.kind !== 'CustomResourceDefinition' || !isPlainObject(object.spec)) return undefined;
  const spec = object.spec as {
    group?: unknown;
    names?: { kind?: unknown };
    versions?: { name?: unknown; served?: unknown; schema?: { openAPIV3Schema?: Schema } }[];
  };
  if (typeof spec.group !== 'string' || typeof spec.names?.kind !== 'string' || !Array.isArray(spec.versions))
    return undefined;
  const versions = new Map<string, Schema | undefined>();
  for (const version of spec.versions) {
    if (typeof version.name === 'string' && version.served !== false)
      versions.set(version.name, version.schema?.openAPIV3Schema);
  }
  return { group: spec.group, kind: spec.names.kind, versions };
}

/**
 * A CRD's structural schema as a JSON Schema with the API server's semantics: fields it does not declare are
 * unknown (unless x-kubernetes-preserve-unknown-fields), x-kubernetes-int-or-string is an integer or a string,
 * apiVersion/kind/metadata of the object (and of embedded resources) are Kubernetes' own. CEL rules
 * (x-kubernetes-validations) are not evaluated here: the server-side check runs them.
 */
export function customResourceSchema(openAPIV3Schema: Schema | undefined): Schema {
  const root = openAPIV3Schema ? structural(openAPIV3Schema) : { type: 'object' };
  const properties = { ...(root.properties as Record<string, Schema> | undefined) };
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { $ref: `kube#/definitions/${OBJECT_META}` };
  const result: Schema = { ...root, type: 'object', properties };
  // Without a schema the server keeps every field (no pruning), so nothing is unknown.
  if (!openAPIV3Schema) delete result.additionalProperties;
  return result;
}

const COPIED = [
  'type',
  'required',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
] as const;

function structural(schema: Schema): Schema {
  const out: Schema = {};
  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key];
  // OpenAPI 3.0's boolean exclusive bounds are JSON Schema draft-07's numbers.
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (schema[flag] === true && typeof schema[bound] === 'number') {
      out[flag] = schema[bound];
      delete out[bound];
    }
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (schema['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
  } else {
    for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
      if (Array.isArray(schema[key])) out[key] = (schema[key] as Schema[]).map(structural);
    }
    if (isPlainObject(schema.not)) out.not = structural(schema.not);
  }
  if (isPlainObject(schema.items)) out.items = structural(schema.items);
  const properties = isPlainObject(schema.properties)
    ? { ...(schema.properties as Record<string, Schema>) }
    : undefined;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  if (properties || embedded) {
    const converted = Object.fromEntries(Object.entries(properties ?? {}).map(([k, v]) => [k, structural(v)]));
    if (embedded) {
      converted.apiVersion ??= { type: 'string' };
      converted.kind ??= { type: 'string' };
      converted.metadata = { $ref: `kube#/definitions/${OBJECT_META}` };
    }
    out.properties = converted;
  }
  if (isPlainObject(schema.additionalProperties)) out.additionalProperties = structural(schema.additionalProperties);
  else if (typeof schema.additionalProperties === 'boolean') out.additionalProperties = schema.additionalProperties;
  else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && (out.properties || schema.type === 'object'))
    out.additionalProperties = false;
  return out;
}
