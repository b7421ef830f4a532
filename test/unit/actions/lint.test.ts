// rayctl lint --server-side on the in-memory cluster: what install checks first, then a dry-run of each object,
// every refusal one problem; nothing is written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintServerSide } from '../../../src/actions/lint.ts';
import { renderRelease } from '../../../src/actions/render.ts';
import { formatProblem } from '../../../src/chart/lint.ts';
import { KubeError } from '../../../src/kube/errors.ts';
import { chart } from '../chart/render-support.ts';
import { memoryContext } from '../fakes/release-context.ts';

const release = { name: 'example-cluster', namespace: 'ray' };
const rendered = renderRelease(chart, release, {});

async function withNamespace() {
  const ctx = memoryContext();
  await ctx.cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ray' } });
  return ctx;
}

describe('lint --server-side', () => {
  it('finds nothing on a cluster that would take the release, and writes nothing', async () => {
    const ctx = await withNamespace();
    const before = ctx.cluster.names();
    const setupCalls = ctx.cluster.calls.length;
    const problems = await lintServerSide(ctx, release, rendered, { createNamespace: false });
    // The CRD is not installed, so the server cannot check the RayCluster yet: a warning, not an error.
    assert.deepEqual(problems.map(formatProblem), [
      'warning  RayCluster/example-cluster: not checked by the server: its CRD is not installed yet (install creates it first)',
    ]);
    assert.deepEqual(ctx.cluster.names(), before);
    const applied = ctx.cluster.calls.filter((c) => c.verb === 'apply').map((c) => c.kind);
    assert.ok(applied.includes('Deployment') && applied.includes('CustomResourceDefinition'), applied.join(', '));
    assert.ok(!ctx.cluster.calls.slice(setupCalls).some((c) => c.verb === 'create' || c.verb === 'delete'));
  });

  it('dry-runs the RayCluster once its CRD is served, and leaves the existing CRD alone', async () => {
    const ctx = await withNamespace();
    await ctx.cluster.create(rendered.crds[0]!.object);
    const problems = await lintServerSide(ctx, release, rendered, { createNamespace: false });
    assert.deepEqual(problems, []);
    const applied = ctx.cluster.calls.filter((c) => c.verb === 'apply').map((c) => c.kind);
    assert.ok(applied.includes('RayCluster'));
    assert.ok(!applied.includes('CustomResourceDefinition'));
  });

  it("reports each of the server's refusals with the object and the server's words", async () => {
    const ctx = await withNamespace();
    ctx.cluster.failOn = (call) =>
      call.verb === 'apply' && call.kind === 'Deployment'
        ? new KubeError(
            `cannot apply deployments "ray-operator" in namespace "default": Deployment.apps "ray-operator" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: "x": value must be empty when \`operator\` is 'Exists'`,
            { verb: 'apply', resource: 'deployments', name: 'ray-operator', namespace: 'default' },
            422,
            'Invalid',
          )
        : undefined;
    const problems = (await lintServerSide(ctx, release, rendered, { createNamespace: false })).filter(
      (p) => p.severity === 'error',
    );
    assert.deepEqual(problems.map(formatProblem), [
      `error  Deployment/ray-operator: Deployment.apps "ray-operator" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: "x": value must be empty when \`operator\` is 'Exists'`,
    ]);
    assert.equal(problems[0]!.check, 'server');
  });

  it('a missing release namespace is an error, or with --create-namespace a warning; its objects are skipped', async () => {
    const ctx = memoryContext();
    const refused = await lintServerSide(ctx, release, rendered, { createNamespace: false });
    assert.equal(
      formatProblem(refused[0]!),
      'error  Namespace/ray: does not exist: install would refuse (add --create-namespace, or create it first)',
    );
    const created = await lintServerSide(ctx, release, rendered, { createNamespace: true });
    assert.match(formatProblem(created[0]!), /^warning {2}Namespace\/ray: does not exist yet/);
    const appliedIn = ctx.cluster.calls.filter((c) => c.verb === 'apply').map((c) => c.namespace ?? '');
    assert.ok(!appliedIn.includes('ray'), appliedIn.join(', '));
  });

  it('refuses objects that belong to another release, as install would', async () => {
    const ctx = await withNamespace();
    await ctx.cluster.apply(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: 'ray-operator-serviceaccount',
          namespace: 'default',
          labels: { 'app.kubernetes.io/managed-by': 'Helm' },
          annotations: { 'meta.helm.sh/release-name': 'other', 'meta.helm.sh/release-namespace': 'elsewhere' },
        },
      },
      {},
    );
    const problems = await lintServerSide(ctx, release, rendered, { createNamespace: false });
    const errors = problems.filter((p) => p.severity === 'error').map(formatProblem);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      /^error {2}ServiceAccount\/ray-operator-serviceaccount: ServiceAccount "ray-operator-serviceaccount" in namespace "default" exists and cannot be imported into the current release: .*belongs to release "other" in namespace "elsewhere"/,
    );
  });

  it('stops at an API server that cannot be reached', async () => {
    const ctx = await withNamespace();
    ctx.cluster.failOn = (call) =>
      call.verb === 'apply'
        ? new KubeError('cannot reach the Kubernetes API server', { verb: 'apply', resource: 'x' }, 0, 'Unreachable')
        : undefined;
    await assert.rejects(lintServerSide(ctx, release, rendered, { createNamespace: false }), /cannot reach/);
  });
});
