import type { CompiledChart } from '../chart/compile.ts';
import { KubeValidator, type KubeSchemas } from '../chart/kube-schema.ts';
import { fromValuesProblem, objectProblems, objectRef, type LintProblem } from '../chart/lint.ts';
import type { ReleaseRef, RenderedObject } from '../chart/objects.ts';
import type { Values } from '../chart/tree.ts';
import { valuesProblems } from '../chart/validate.ts';
import { coalesceValues } from '../chart/values.ts';
import { UserError, ValidationError } from '../errors.ts';
import { describeCall, KubeError } from '../kube/errors.ts';
import type { ReleaseContext } from './context.ts';
import { applyObjects } from './deploy.ts';
import { checkOwnership } from './ownership.ts';
import { renderRelease } from './render.ts';

export interface LintReport {
  problems: LintProblem[];
  /** What was rendered; absent when the values have errors (the objects are then not checked). */
  rendered?: { objects: RenderedObject[]; crds: RenderedObject[] };
}

/**
 * The offline part of `rayctl lint`: every problem of the values (the chart's schema and rules, all at once, each
 * with its path), then, if the values are valid, every problem of the rendered objects and the chart's CRDs against
 * Kubernetes' schemas of one version, custom resources against the chart's CRDs. Rendering is renderRelease's, as
 * template and install do it.
 */
export async function lintOffline(
  compiled: CompiledChart,
  release: ReleaseRef,
  userValues: Values,
  schemas: KubeSchemas,
): Promise<LintReport> {
  const values = coalesceValues(userValues, compiled.chart.defaults);
  const problems = valuesProblems(compiled, values).map(fromValuesProblem);
  if (problems.length > 0) return { problems };
  let rendered;
  try {
    rendered = renderRelease(compiled, release, userValues);
  } catch (err) {
    // The values passed; what renderRelease still refuses is the release name the RayCluster is named after.
    if (!(err instanceof ValidationError)) throw err;
    return {
      problems: err.problems.map((message) => ({ severity: 'error', check: 'values', path: err.source, message })),
    };
  }
  const crds = [...rendered.crds, ...rendered.objects]
    .map((o) => o.object)
    .filter((o) => o.kind === 'CustomResourceDefinition');
  const validator = await KubeValidator.create(schemas, crds);
  return {
    problems: objectProblems(validator, [...rendered.crds, ...rendered.objects]),
    rendered: { objects: rendered.objects, crds: rendered.crds },
  };
}

/**
 * The server-side part: what `rayctl install` (or upgrade) would send, sent as a dry-run (`dryRun=All`: admission
 * runs, nothing is stored), so the API server's own validation, admission policies and webhooks speak. Also checks
 * what install checks before writing: the release namespace exists and no object belongs to another release. The
 * chart's CRDs are dry-run created only when absent (install never changes an existing one); custom resources whose
 * CRD is not installed yet cannot be checked by the server and get a warning.
 */
export async function lintServerSide(
  ctx: ReleaseContext,
  release: ReleaseRef,
  rendered: { objects: readonly RenderedObject[]; crds: readonly RenderedObject[] },
  options: { createNamespace: boolean },
): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  const namespaceRef = {
    apiVersion: 'v1',
    kind: 'Namespace',
    name: release.namespace,
    source: 'the release namespace (-n)',
  };
  const namespaceExists =
    (await ctx.objects.get({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: release.namespace },
    })) !== undefined;
  if (!namespaceExists) {
    problems.push({
      severity: options.createNamespace ? 'warning' : 'error',
      check: 'server',
      object: namespaceRef,
      path: '',
      message: options.createNamespace
        ? 'does not exist yet (install --create-namespace creates it), so the server could not check the objects in it'
        : 'does not exist: install would refuse (add --create-namespace, or create it first)',
    });
  }
  for (const crd of rendered.crds) {
    if (await ctx.objects.get(crd.object)) continue;
    problems.push(...(await dryRun(ctx, release, crd)));
  }
  for (const object of rendered.objects) {
    const { apiVersion, kind, metadata } = object.object;
    const info = await ctx.objects.discovery.find(apiVersion, kind);
    if (!info && rendered.crds.some((crd) => definesKind(crd, apiVersion, kind))) {
      problems.push({
        severity: 'warning',
        check: 'server',
        object: objectRef(object),
        path: '',
        message: `not checked by the server: its CRD is not installed yet (install creates it first)`,
      });
      continue;
    }
    if (info?.namespaced && !namespaceExists && (metadata.namespace ?? release.namespace) === release.namespace)
      continue;
    problems.push(...(await dryRun(ctx, release, object)));
  }
  return problems;
}

/** Ownership as install checks it, then a server-side apply with dryRun=All; each refusal is a problem. */
async function dryRun(ctx: ReleaseContext, release: ReleaseRef, rendered: RenderedObject): Promise<LintProblem[]> {
  const problem = (message: string): LintProblem => ({
    severity: 'error',
    check: 'server',
    object: objectRef(rendered),
    path: '',
    message,
  });
  try {
    const live = await ctx.objects.get(rendered.object);
    if (live) checkOwnership(live, release);
    await applyObjects(ctx, [rendered], { dryRun: true });
    return [];
  } catch (err) {
    // An API server that cannot be reached answers nothing about the objects: that ends the lint with its error.
    if (err instanceof KubeError && err.status === 0) throw err;
    if (!(err instanceof UserError)) throw err;
    return [problem(serverMessage(err))];
  }
}

/** The server's own words: `cannot apply deployments "x" in namespace "y": ` is said by the object already. */
function serverMessage(err: UserError): string {
  if (err instanceof KubeError) {
    const prefix = `cannot ${describeCall(err.call)}: `;
    if (err.message.startsWith(prefix)) return err.message.slice(prefix.length);
  }
  return err.hint ? `${err.message} (${err.hint})` : err.message;
}

function definesKind(crd: RenderedObject, apiVersion: string, kind: string): boolean {
  const spec = crd.object.spec as { group?: string; names?: { kind?: string } } | undefined;
  return spec?.names?.kind === kind && apiVersion.startsWith(`${spec.group}/`);
}
