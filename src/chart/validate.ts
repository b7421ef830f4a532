import type { ErrorObject } from 'ajv';
import { ValidationError } from '../errors.ts';
import type { CompiledChart } from './compile.ts';
import { kebabCase } from './helpers.ts';
import { parseQuantity } from './quantity.ts';
import { describeType, isPlainObject, type Values } from './tree.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * One problem with the values: the dotted path it is at (`podTypes.rayWorkerType.minWorkers`, empty for the whole
 * values), what is wrong there, and the same as one sentence (`podTypes.rayWorkerType.minWorkers must be ≤ ...`).
 */
export interface ValuesProblem {
  path: string;
  message: string;
  text: string;
}

/** A problem at `path`; its sentence is the path, `separator`, then the message. */
function problem(path: string, message: string, separator = ' '): ValuesProblem {
  return { path, message, text: path ? `${path}${separator}${message}` : message };
}

/**
 * Checks merged values against the chart's JSON Schema and then the rules a schema cannot say. Every problem is
 * reported at once, each naming its path (`podTypes.rayWorkerType.minWorkers`) and what is allowed.
 */
export function validateValues(compiled: CompiledChart, values: Values): void {
  const problems = valuesProblems(compiled, values);
  if (problems.length > 0) {
    throw new ValidationError(
      'values',
      problems.map((p) => p.text),
      'see the allowed keys and types with `rayctl show schema`',
    );
  }
}

/** Every problem of the merged values (schema, then rules), each with its path; empty when they are valid. */
export function valuesProblems(compiled: CompiledChart, values: Values): ValuesProblem[] {
  // The rules check the types they read, so they run even when the schema failed: the user sees every problem.
  return [...compiled.validate(values).map(describeSchemaError), ...rayRules(values)];
}

function describeSchemaError(error: ErrorObject): ValuesProblem {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer).join('.');
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const got = `got ${describeType(error.data)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return problem(path, `must be ${article(String(params.type).replace(',', ' or '))}, ${got}`);
    case 'minimum':
      return problem(path, `must be ≥ ${String(params.limit)}, ${got}`);
    case 'maximum':
      return problem(path, `must be ≤ ${String(params.limit)}, ${got}`);
    case 'required':
      return problem(at(String(params.missingProperty)), 'is required');
    case 'additionalProperties': {
      const properties = (error.parentSchema as { properties?: object } | undefined)?.properties;
      const allowed = properties ? `; allowed: ${Object.keys(properties).join(', ')}` : '';
      return problem(at(String(params.additionalProperty)), `is not a known key${allowed}`);
    }
    case 'enum':
      return problem(
        path,
        `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, ${got}`,
      );
    case 'minLength':
      return problem(path, 'must not be empty');
    case 'minProperties':
      return problem(path, `must have at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`);
    case 'pattern':
      return problem(path, `must match ${String(params.pattern)}, ${got}`);
    default:
      return {
        path,
        message: error.message ?? 'is invalid',
        text: `${path || 'values'} ${error.message ?? 'is invalid'}`,
      };
  }
}

/** Rules across fields, for the Ray chart's keys; a rule whose keys a chart lacks does not apply. */
function rayRules(values: Values): ValuesProblem[] {
  const problems: ValuesProblem[] = [];
  if (values.operatorOnly === true && values.clusterOnly === true) {
    problems.push({
      path: 'clusterOnly',
      message:
        'cannot be true with operatorOnly: operatorOnly installs only the operator, clusterOnly only the RayCluster',
      text: 'operatorOnly and clusterOnly cannot both be true: operatorOnly installs only the operator, clusterOnly only the RayCluster',
    });
  }
  if (typeof values.operatorNamespace === 'string' && !isDnsLabel(values.operatorNamespace)) {
    problems.push(
      problem('operatorNamespace', `must be a namespace name (DNS label), got "${values.operatorNamespace}"`),
    );
  }
  problems.push(...quantityProblems('operatorResources', values.operatorResources));
  problems.push(...nodeSelectorProblems('operatorNodeSelector', values.operatorNodeSelector));
  const podTypes = isPlainObject(values.podTypes) ? values.podTypes : {};
  const typeNames = Object.keys(podTypes);
  if (typeof values.headPodType === 'string' && isPlainObject(values.podTypes) && !(values.headPodType in podTypes)) {
    problems.push(
      problem('headPodType', `must name a key of podTypes (${typeNames.join(', ')}), got "${values.headPodType}"`),
    );
  }
  for (const [name, podType] of Object.entries(podTypes)) {
    if (!isPlainObject(podType)) continue;
    const path = `podTypes.${name}`;
    if (!LABEL_VALUE.test(name) || name.length > 63) {
      problems.push(
        problem(
          path,
          `the pod type name is the pods' ray-user-node-type label, so it must be a label value (at most 63 letters, digits, "-", "_", "."), got ${JSON.stringify(name)}`,
          ': ',
        ),
      );
    } else if (!isDnsLabel(kebabCase(name))) {
      problems.push(
        problem(
          path,
          `the pod type name becomes "${kebabCase(name)}" in pod names, which must be a DNS label (letters, digits, "-", at most 63)`,
          ': ',
        ),
      );
    }
    problems.push(...nodeSelectorProblems(`${path}.nodeSelector`, podType.nodeSelector));
    const { minWorkers, maxWorkers } = podType;
    if (typeof minWorkers === 'number' && typeof maxWorkers === 'number' && minWorkers > maxWorkers) {
      problems.push(problem(`${path}.minWorkers`, `must be ≤ maxWorkers (${maxWorkers}), got ${minWorkers}`));
    }
    if (typeof minWorkers === 'number' && maxWorkers === undefined && minWorkers > 0) {
      problems.push(problem(`${path}.minWorkers`, `must be ≤ maxWorkers (unset, so 0), got ${minWorkers}`));
    }
    for (const field of ['CPU', 'memory'] as const) {
      const value = podType[field];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const amount = parseQuantity(value);
      if (amount === undefined || amount < 0) {
        const example = field === 'CPU' ? '1, "500m"' : '"1Gi", "512Mi"';
        problems.push(
          problem(`${path}.${field}`, `must be a Kubernetes quantity such as ${example}, got ${JSON.stringify(value)}`),
        );
      }
    }
  }
  return problems;
}

/** requests/limits of a resources value: each a Kubernetes quantity, so the API server never sees "lots". */
function quantityProblems(path: string, resources: unknown): ValuesProblem[] {
  if (!isPlainObject(resources)) return [];
  return Object.entries(resources).flatMap(([kind, list]) =>
    isPlainObject(list)
      ? Object.entries(list)
          .filter(([, value]) => {
            const amount = typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined;
            return amount === undefined || amount < 0;
          })
          .map(([name, value]) =>
            problem(
              `${path}.${kind}.${name}`,
              `must be a Kubernetes quantity such as "500m" or "1Gi", got ${JSON.stringify(value)}`,
            ),
          )
      : [],
  );
}

/** `prefix/name` with a DNS-subdomain prefix: what the API server accepts as a label key. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** What the API server accepts as a label key: `[prefix/]name`, the name at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const name = key.split('/').at(-1) ?? '';
  return LABEL_KEY.test(key) && name.length <= 63 && key.length - name.length <= 254;
}

/** What the API server accepts as a label value: at most 63 letters, digits, "-", "_", ".". */
export function isLabelValue(value: string): boolean {
  return LABEL_VALUE.test(value) && value.length <= 63;
}

function nodeSelectorProblems(path: string, selector: unknown): ValuesProblem[] {
  if (!isPlainObject(selector)) return [];
  const problems: ValuesProblem[] = [];
  for (const [key, value] of Object.entries(selector)) {
    if (!isLabelKey(key))
      problems.push(
        problem(path, `key ${JSON.stringify(key)} is not a label key ([prefix/]name, name at most 63 characters)`),
      );
    if (typeof value === 'string' && !isLabelValue(value))
      problems.push(
        problem(
          `${path}.${key}`,
          `must be a label value (at most 63 letters, digits, "-", "_", "."), got ${JSON.stringify(value)}`,
        ),
      );
  }
  return problems;
}

/**
 * The names the operator will derive from the release (cluster) name must be valid where they go: the head Service
 * `<name>-ray-head` is a DNS label, and the pod label ray-node-name `ray-<name>-worker` a label value (63 at most).
 */
export function derivedNameProblems(clusterName: string): string[] {
  const longest = `ray-${clusterName}-worker`;
  return longest.length > 63
    ? [
        `release name "${clusterName}" is ${clusterName.length} characters: the pods' label ray-node-name "${longest}" would exceed 63; use at most ${63 - 'ray--worker'.length} characters for a release with a RayCluster`,
      ]
    : [];
}

function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
