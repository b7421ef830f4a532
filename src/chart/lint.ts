import type { FieldProblem, KubeValidator } from './kube-schema.ts';
import type { KubeObject, RenderedObject } from './objects.ts';
import { isPlainObject } from './tree.ts';
import type { ValuesProblem } from './validate.ts';

/**
 * What `rayctl lint` found, one problem per line: in the values (a dotted path), in a rendered object (the object and
 * a field path) checked offline against Kubernetes' schemas or the chart's CRD, or refused by the API server in a
 * dry-run. Pure: the checks that need a cluster are in actions/lint.ts.
 */
export interface LintProblem {
  severity: 'error' | 'warning';
  check: 'values' | 'schema' | 'server';
  /** The object the problem is in; absent for the values. */
  object?: ObjectRef;
  /** Values path (`podTypes.rayWorkerType.maxWorkers`) or field path in the object (`spec.replicas`); may be empty. */
  path: string;
  message: string;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The chart file it was rendered from. */
  source: string;
}

export function objectRef({ object, source }: RenderedObject): ObjectRef {
  return {
    apiVersion: String(object.apiVersion),
    kind: String(object.kind),
    name: String(object.metadata?.name ?? ''),
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
    source,
  };
}

export function fromValuesProblem(problem: ValuesProblem): LintProblem {
  return { severity: 'error', check: 'values', path: problem.path, message: problem.message };
}

/**
 * Checks each rendered object (CRDs included) against the schemas of the validator: fields unknown to the kind,
 * wrong types, missing required fields, malformed quantities. A RayCluster's podConfig is also checked as the Pod the
 * operator makes from it: the CRD keeps unknown fields there, but the API server would drop them from the pods
 * (a warning), and a wrong type fails every pod (an error).
 */
export function objectProblems(validator: KubeValidator, objects: readonly RenderedObject[]): LintProblem[] {
  return objects.flatMap((rendered) => {
    const ref = objectRef(rendered);
    const problems = [...validator.check(rendered.object), ...podConfigProblems(validator, rendered.object)];
    return problems.map((p) => ({ ...p, check: 'schema' as const, object: ref }));
  });
}

const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function podConfigProblems(validator: KubeValidator, object: KubeObject): FieldProblem[] {
  if (object.kind !== 'RayCluster' || !String(object.apiVersion).startsWith('cluster.ray.io/')) return [];
  const podTypes = (object.spec as { podTypes?: unknown } | undefined)?.podTypes;
  if (!Array.isArray(podTypes) || !(POD_SPEC in validator.schemas.definitions)) return [];
  return podTypes.flatMap((podType: unknown, i) => {
    const config = isPlainObject(podType) ? podType.podConfig : undefined;
    if (!isPlainObject(config)) return [];
    const base = `spec.podTypes[${i}].podConfig`;
    const found = [
      ...(isPlainObject(config.metadata) ? validator.checkAs(OBJECT_META, config.metadata, `${base}.metadata`) : []),
      ...(isPlainObject(config.spec) ? validator.checkAs(POD_SPEC, config.spec, `${base}.spec`) : []),
    ];
    return found.map((p) =>
      p.message === 'unknown field'
        ? {
            ...p,
            severity: 'warning' as const,
            message: 'unknown field in a Pod: the API server drops it from the pods',
          }
        : { ...p, message: `${p.message} (the operator's pods would be refused)` },
    );
  });
}

/** Where a problem is: `podTypes.x.maxWorkers`, `Deployment/ray-operator spec.replicas`, `Namespace/ray`. */
export function problemLocation(problem: LintProblem): string {
  const object = problem.object ? `${problem.object.kind}/${problem.object.name}` : '';
  return [object, problem.path].filter(Boolean).join(' ') || 'values';
}

/** `error  podTypes.rayWorkerType.maxWorkers: must be ≤ 10000, got number 20000` */
export function formatProblem(problem: LintProblem): string {
  return `${problem.severity}  ${problemLocation(problem)}: ${problem.message}`;
}

export function countProblems(problems: readonly LintProblem[]): { errors: number; warnings: number } {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}

/** `0 problems`, `1 problem (1 error)`, `3 problems (2 errors, 1 warning)`. */
export function summarize(problems: readonly LintProblem[]): string {
  const { errors, warnings } = countProblems(problems);
  if (problems.length === 0) return '0 problems';
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : ''];
  return `${plural(problems.length, 'problem')} (${parts.filter(Boolean).join(', ')})`;
}
