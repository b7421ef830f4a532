// rayctl lint's offline checks: the values (every problem, each with its path) and the rendered objects against
// Kubernetes' shipped schemas (openapi/kube-*.json) and the chart's CRD.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lintOffline } from '../../../src/actions/lint.ts';
import { renderRelease } from '../../../src/actions/render.ts';
import {
  customResourceSchema,
  KubeValidator,
  loadKubeSchemas,
  shippedKubeVersions,
} from '../../../src/chart/kube-schema.ts';
import { formatProblem, objectProblems, summarize, type LintProblem } from '../../../src/chart/lint.ts';
import type { KubeObject, RenderedObject } from '../../../src/chart/objects.ts';
import type { Values } from '../../../src/chart/tree.ts';
import { parseValuesFile } from '../../../src/chart/values.ts';
import { UsageError } from '../../../src/errors.ts';
import { packageRoot } from '../../../src/paths.ts';
import { chart } from './render-support.ts';

const release = { name: 'example-cluster', namespace: 'ray' };
const newest = loadKubeSchemas(undefined);

const lines = (problems: readonly LintProblem[]) => problems.map(formatProblem);

async function lint(values: Values = {}, version?: string): Promise<string[]> {
  return lines((await lintOffline(chart, release, values, loadKubeSchemas(version))).problems);
}

const rendered = renderRelease(chart, release, {});
const validator = await KubeValidator.create(
  newest,
  rendered.crds.map((c) => c.object),
);
const objectOf = (kind: string): KubeObject => {
  const found = rendered.objects.find((o) => o.object.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return structuredClone(found.object);
};
const check = (object: KubeObject): string[] =>
  lines(objectProblems(validator, [{ source: 'ray/templates/test.yaml', object }]));

describe('lint: the values', () => {
  it('finds nothing in the defaults, for every shipped Kubernetes version', async () => {
    for (const version of shippedKubeVersions()) assert.deepEqual(await lint({}, version), [], version);
  });

  it('finds nothing in the example values files', async () => {
    const dir = join(packageRoot(), 'values', 'examples');
    for (const file of readdirSync(dir)) {
      const values = parseValuesFile(readFileSync(join(dir, file), 'utf8'), file);
      assert.deepEqual(await lint(values), [], file);
    }
  });

  it('reports a schema error with its path', async () => {
    assert.deepEqual(await lint({ podTypes: { rayWorkerType: { maxWorkers: 20000 } } }), [
      'error  podTypes.rayWorkerType.maxWorkers: must be ≤ 10000, got number 20000',
    ]);
  });

  it('reports every problem at once, schema and rules, and renders nothing then', async () => {
    const report = await lintOffline(
      chart,
      release,
      {
        operatorReplicas: 0,
        bogus: true,
        headPodType: 'nope',
        podTypes: { rayWorkerType: { CPU: 'lots', minWorkers: 5, maxWorkers: 2 } },
      },
      newest,
    );
    assert.equal(report.rendered, undefined);
    const found = lines(report.problems);
    assert.equal(found.length, 5, found.join('\n'));
    assert.match(found[0]!, /^error {2}bogus: is not a known key; allowed: global, image/);
    assert.ok(found.includes('error  operatorReplicas: must be ≥ 1, got number 0'), found.join('\n'));
    assert.ok(
      found.includes('error  headPodType: must name a key of podTypes (rayHeadType, rayWorkerType), got "nope"'),
    );
    assert.ok(found.includes('error  podTypes.rayWorkerType.minWorkers: must be ≤ maxWorkers (2), got 5'));
    assert.ok(
      found.includes('error  podTypes.rayWorkerType.CPU: must be a Kubernetes quantity such as 1, "500m", got "lots"'),
    );
    assert.equal(summarize(report.problems), '5 problems (5 errors)');
  });

  it('reports a release name too long for the names derived from it', async () => {
    const report = await lintOffline(chart, { name: 'x'.repeat(60), namespace: 'ray' }, {}, newest);
    assert.equal(report.problems.length, 1);
    assert.match(formatProblem(report.problems[0]!), /^error {2}release name: release name "x+" is 60 characters/);
  });
});

describe('lint: rendered objects against the Kubernetes schema', () => {
  it('reports an unknown field, as strict validation does, with the field path', () => {
    const deployment = objectOf('Deployment');
    const spec = deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
    spec.template.spec.containers[0]!.imagePullPolicyy = 'Always';
    (deployment.spec as Record<string, unknown>).replica = 2;
    assert.deepEqual(check(deployment), [
      'error  Deployment/ray-operator spec.replica: unknown field',
      'error  Deployment/ray-operator spec.template.spec.containers[0].imagePullPolicyy: unknown field',
    ]);
  });

  it('accepts both forms of an int-or-string field, and refuses anything else there', () => {
    const deployment = objectOf('Deployment');
    const spec = deployment.spec as Record<string, unknown>;
    spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } };
    assert.deepEqual(check(deployment), []);
    spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: true, maxUnavailable: 0.5 } };
    assert.deepEqual(check(deployment), [
      'error  Deployment/ray-operator spec.strategy.rollingUpdate.maxSurge: must be integer or string, got boolean true',
      'error  Deployment/ray-operator spec.strategy.rollingUpdate.maxUnavailable: must be integer or string, got number 0.5',
    ]);
  });

  it('checks types, required fields and quantities, with paths into lists and maps', () => {
    const deployment = objectOf('Deployment');
    deployment.metadata.labels = { ...deployment.metadata.labels, 'example.com/tier': 3 as unknown as string };
    const pod = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
    pod.containers[0]!.ports = [{ containerPort: '8080' }];
    pod.containers[0]!.resources = { limits: { cpu: 'lots', memory: 1073741824 }, requests: { cpu: '500m' } };
    pod.containers.push({ image: 'busybox' });
    assert.deepEqual(check(deployment), [
      'error  Deployment/ray-operator metadata.labels["example.com/tier"]: must be string, got number 3',
      'error  Deployment/ray-operator spec.template.spec.containers[0].ports[0].containerPort: must be integer, got string "8080"',
      'error  Deployment/ray-operator spec.template.spec.containers[0].resources.limits.cpu: must be a quantity such as 1, "500m" or "1Gi", got string "lots"',
      'error  Deployment/ray-operator spec.template.spec.containers[1].name: is required',
    ]);
  });

  it('treats null fields as absent, as the API server does', () => {
    const account = objectOf('ServiceAccount');
    account.metadata.creationTimestamp = null;
    account.automountServiceAccountToken = null;
    assert.deepEqual(check(account), []);
  });

  it('refuses an apiVersion the Kubernetes version does not serve, and only warns for kinds without a schema', () => {
    const deployment = { ...objectOf('Deployment'), apiVersion: 'apps/v1beta2' };
    assert.deepEqual(check(deployment), [
      'error  Deployment/ray-operator: Kubernetes 1.36 does not serve Deployment in apps/v1beta2; it serves it as apps/v1',
    ]);
    const statefulSet = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' } };
    assert.deepEqual(check(statefulSet), [
      'warning  StatefulSet/s: not checked: rayctl ships no schema for apps/v1 StatefulSet',
    ]);
  });

  it('checks every object of the chart, CRDs included, and the CRD itself against apiextensions', () => {
    const crd = structuredClone(rendered.crds[0]!.object);
    (crd.spec as Record<string, unknown>).preserveUnknownField = false;
    assert.deepEqual(check(crd), [
      'error  CustomResourceDefinition/rayclusters.cluster.ray.io spec.preserveUnknownField: unknown field',
    ]);
  });
});

describe('lint: the RayCluster against the chart CRD', () => {
  it('reports unknown fields and bounds from the CRD schema', () => {
    const cluster = objectOf('RayCluster');
    const spec = cluster.spec as { podTypes: Record<string, unknown>[] } & Record<string, unknown>;
    spec.maxWorker = 3;
    spec.podTypes[0]!.minWorkers = -1;
    assert.deepEqual(check(cluster), [
      'error  RayCluster/example-cluster spec.maxWorker: unknown field',
      'error  RayCluster/example-cluster spec.podTypes[0].minWorkers: must be >= 0, got number -1',
    ]);
  });

  it("checks podConfig as the operator's pods: unknown fields warn (dropped), wrong types are errors", () => {
    const cluster = objectOf('RayCluster');
    const podConfig = (cluster.spec as { podTypes: { podConfig: { spec: Record<string, unknown> } }[] }).podTypes[0]!
      .podConfig;
    podConfig.spec.hostNetwrok = true;
    podConfig.spec.terminationGracePeriodSeconds = '30';
    assert.deepEqual(check(cluster), [
      'warning  RayCluster/example-cluster spec.podTypes[0].podConfig.spec.hostNetwrok: unknown field in a Pod: the API server drops it from the pods',
      'error  RayCluster/example-cluster spec.podTypes[0].podConfig.spec.terminationGracePeriodSeconds: must be integer, got string "30" (the operator\'s pods would be refused)',
    ]);
  });

  it('converts structural schemas: int-or-string, preserve-unknown-fields, exclusive bounds, embedded resources', () => {
    const schema = customResourceSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
            free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            template: {
              type: 'object',
              'x-kubernetes-embedded-resource': true,
              'x-kubernetes-preserve-unknown-fields': true,
            },
          },
        },
      },
    });
    const spec = (
      schema.properties as Record<string, { properties: Record<string, unknown>; additionalProperties: unknown }>
    ).spec!;
    assert.deepEqual(spec.properties.port, { type: ['integer', 'string'] });
    assert.deepEqual(spec.properties.ratio, { type: 'number', exclusiveMinimum: 0 });
    assert.deepEqual(spec.properties.free, { type: 'object' });
    assert.equal(spec.additionalProperties, false);
    assert.deepEqual(Object.keys((spec.properties.template as { properties: object }).properties), [
      'apiVersion',
      'kind',
      'metadata',
    ]);
  });
});

describe('lint: Kubernetes versions', () => {
  it('ships at least three versions, each small, and defaults to the newest', () => {
    const versions = shippedKubeVersions();
    assert.ok(versions.length >= 3, versions.join(', '));
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])),
    );
    assert.equal(newest.kubernetes.split('.').slice(0, 2).join('.'), versions.at(-1));
    for (const version of versions) {
      const size = readFileSync(join(packageRoot(), 'openapi', `kube-${version}.json`)).length;
      assert.ok(size < 300 * 1024, `kube-${version}.json is ${size} bytes`);
    }
  });

  it('accepts 1.35, v1.35 and 1.35.2 alike', () => {
    for (const given of ['1.35', 'v1.35', '1.35.2'])
      assert.match(loadKubeSchemas(given).kubernetes, /^1\.35\.\d+$/, given);
  });

  it('refuses a version it does not ship, naming those it does', () => {
    assert.throws(
      () => loadKubeSchemas('1.20'),
      (err: unknown) =>
        err instanceof UsageError &&
        /^--kube-version 1\.20: rayctl ships the Kubernetes schemas of 1\.\d+, .*1\.36/.test(err.message),
    );
    assert.throws(() => loadKubeSchemas('latest'), UsageError);
  });
});

describe('lint: output', () => {
  it('prints one line per problem and a summary', () => {
    const problem: LintProblem = {
      severity: 'warning',
      check: 'schema',
      object: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', source: 'ray/templates/c.yaml' },
      path: 'data',
      message: 'something',
    };
    assert.equal(formatProblem(problem), 'warning  ConfigMap/c data: something');
    assert.equal(summarize([]), '0 problems');
    assert.equal(summarize([problem]), '1 problem (1 warning)');
    assert.equal(summarize([problem, { ...problem, severity: 'error' }]), '2 problems (1 error, 1 warning)');
  });

  it('objectProblems keeps the source of each object', () => {
    const object: RenderedObject = { source: 'ray/templates/x.yaml', object: { ...objectOf('ConfigMap'), extra: 1 } };
    const [problem] = objectProblems(validator, [object]);
    assert.equal(problem?.object?.source, 'ray/templates/x.yaml');
    assert.equal(problem?.check, 'schema');
  });
});
