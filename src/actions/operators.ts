import type { KubeObject, ReleaseRef } from '../chart/objects.ts';
import { UserError } from '../errors.ts';
import { COMPONENT_LABEL } from '../operator/labels.ts';
import type { ReleaseContext } from './context.ts';
import type { RenderedRelease } from './render.ts';
import { ownerOf } from './ownership.ts';

/** The value of COMPONENT_LABEL that marks a Ray operator pod (the chart's Deployment selects on it). */
const OPERATOR_COMPONENT = 'operator';
const NAMESPACE_ENV = 'RAY_OPERATOR_POD_NAMESPACE';
const VERSION_LABEL = 'app.kubernetes.io/version';

/** A Ray operator: where it runs, what it watches, and which release installed it. */
export interface OperatorInstance {
  namespace: string;
  deployment: string;
  /** 'cluster' watches every namespace; 'namespace' only its own. */
  scope: 'cluster' | 'namespace';
  release?: ReleaseRef;
  /** The rayctl (chart) version that installed it: the Deployment's app.kubernetes.io/version label. */
  version?: string;
  /** Ready replicas of wanted, e.g. "2/2". */
  ready?: string;
}

interface DeploymentShape {
  metadata: KubeObject['metadata'];
  status?: { readyReplicas?: number };
  spec?: {
    replicas?: number;
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { env?: { name: string }[] }[] };
    };
  };
}

function asOperator(deployment: DeploymentShape): OperatorInstance | undefined {
  const template = deployment.spec?.template;
  if (template?.metadata?.labels?.[COMPONENT_LABEL] !== OPERATOR_COMPONENT) return undefined;
  const namespaced = (template.spec?.containers ?? []).some((c) => (c.env ?? []).some((e) => e.name === NAMESPACE_ENV));
  const release = ownerOf(deployment);
  const version = deployment.metadata.labels?.[VERSION_LABEL];
  return {
    namespace: deployment.metadata.namespace ?? 'default',
    deployment: deployment.metadata.name,
    scope: namespaced ? 'namespace' : 'cluster',
    ...(release ? { release } : {}),
    ...(version ? { version } : {}),
    ...(deployment.status
      ? { ready: `${deployment.status.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1}` }
      : {}),
  };
}

/** The operator a rendered release would install, if it installs one. */
export function renderedOperator(objects: readonly KubeObject[]): OperatorInstance | undefined {
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const operator = asOperator(object);
    if (operator) return operator;
  }
  return undefined;
}

/** Every Ray operator Deployment in the cluster. */
export async function findOperators(ctx: ReleaseContext): Promise<OperatorInstance[]> {
  const deployments = await ctx.objects.list<DeploymentShape>('apps/v1', 'Deployment', {
    labelSelector: `${COMPONENT_LABEL}=${OPERATOR_COMPONENT}`,
  });
  return deployments.map(asOperator).filter((o): o is OperatorInstance => o !== undefined);
}

export function serves(operator: OperatorInstance, namespace: string): boolean {
  return operator.scope === 'cluster' || operator.namespace === namespace;
}

function describe(operator: OperatorInstance): string {
  const owner = operator.release
    ? `release "${operator.release.name}" (namespace "${operator.release.namespace}")`
    : 'a Deployment not installed by rayctl or helm';
  const scope =
    operator.scope === 'cluster'
      ? 'a cluster-scoped Ray operator, which serves every namespace'
      : `a namespaced Ray operator serving namespace "${operator.namespace}"`;
  return `${owner} already runs ${scope} (Deployment "${operator.deployment}" in "${operator.namespace}")`;
}

/**
 * Two operators whose scopes overlap would fight over the same RayClusters: refuse to install a second one.
 * Operators of `release` itself (an upgrade) do not count.
 */
export function checkOperatorConflict(
  wanted: OperatorInstance,
  existing: readonly OperatorInstance[],
  release: ReleaseRef,
): void {
  const others = existing.filter(
    (o) => !(o.release?.name === release.name && o.release.namespace === release.namespace),
  );
  const clash = others.find((o) =>
    wanted.scope === 'cluster' ? true : o.scope === 'cluster' || o.namespace === wanted.namespace,
  );
  if (!clash) return;
  throw new UserError(
    `refusing to install a second Ray operator: ${describe(clash)}; two operators would fight over the same RayClusters`,
    clash.scope === 'cluster' || clash.namespace === release.namespace
      ? 'install this release with --cluster-only to let that operator run its Ray cluster'
      : 'uninstall the other operator first, or install this release with --cluster-only',
  );
}

/**
 * One operator per scope: refuse a second operator whose scope overlaps one that runs, and warn when a cluster-only
 * release lands where no operator will reconcile it.
 */
export async function checkOperators(
  ctx: ReleaseContext,
  request: { release: ReleaseRef },
  rendered: RenderedRelease,
): Promise<void> {
  let operators;
  try {
    operators = await findOperators(ctx);
  } catch (err) {
    ctx.progress.warn(`cannot check for other Ray operators: ${(err as Error).message}`);
    return;
  }
  const wanted = renderedOperator(rendered.objects.map((o) => o.object));
  if (wanted) {
    checkOperatorConflict(wanted, operators, request.release);
    return;
  }
  const hasCluster = rendered.objects.some((o) => o.object.kind === 'RayCluster');
  if (hasCluster && !operators.some((o) => serves(o, request.release.namespace))) {
    ctx.progress.warn(
      `no Ray operator serves namespace "${request.release.namespace}": nothing will run RayCluster "${request.release.name}" until one is installed ` +
        `(rayctl install ray-operator --operator-only, or run \`rayctl operator\`)`,
    );
  }
}
