import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RAYCTL_BIN, runRayctl } from './support/run-rayctl.ts';

type Doc = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };
const docs = (text: string) => yaml.loadAll(text) as Doc[];
const scratch = mkdtempSync(join(tmpdir(), 'rayctl-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('rayctl template', () => {
  it('--cluster-only prints exactly one RayCluster named after the release, in the -n namespace', async () => {
    const { code, stdout, stderr } = await runRayctl(['template', 'example-cluster', '-n', 'ray', '--cluster-only']);
    assert.equal(code, 0, stderr);
    const objects = docs(stdout);
    assert.deepEqual(
      objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
      [['RayCluster', 'example-cluster', 'ray']],
    );
    assert.match(stdout, /^---\n# Source: ray\/templates\/raycluster\.yaml\n/);
  });

  it('--operator-only prints the operator objects only', async () => {
    const { code, stdout } = await runRayctl(['template', 'ray-operator', '--operator-only']);
    assert.equal(code, 0);
    assert.deepEqual(
      docs(stdout).map((o) => o.kind),
      [
        'ServiceAccount',
        'ConfigMap',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
        'Deployment',
      ],
    );
  });

  it('--include-crds puts the CRD first', async () => {
    const { stdout } = await runRayctl(['template', 'x', '--include-crds']);
    assert.deepEqual(
      docs(stdout)
        .map((o) => o.kind)
        .slice(0, 2),
      ['CustomResourceDefinition', 'ServiceAccount'],
    );
    assert.match(stdout, /# Source: ray\/crds\/rayclusters\.cluster\.ray\.io\.yaml/);
  });

  it('applies -f files, --set and shortcut flags in precedence order', async () => {
    const file = join(scratch, 'values.yaml');
    writeFileSync(file, 'clusterOnly: true\npodTypes:\n  rayWorkerType:\n    minWorkers: 1\n    maxWorkers: 9\n');
    const { code, stdout, stderr } = await runRayctl([
      'template',
      'c',
      '-f',
      file,
      '--set',
      'podTypes.rayWorkerType.minWorkers=2',
      '--max-workers',
      'rayWorkerType=5',
      '--image',
      'rayproject/ray:2.9.0',
    ]);
    assert.equal(code, 0, stderr);
    const [cluster] = docs(stdout);
    const worker = (
      cluster!.spec!.podTypes as {
        name: string;
        minWorkers: number;
        maxWorkers: number;
        podConfig: { spec: { containers: { image: string }[] } };
      }[]
    )[1]!;
    assert.deepEqual([worker.minWorkers, worker.maxWorkers, cluster!.spec!.maxWorkers], [2, 5, 5]);
    assert.equal(worker.podConfig.spec.containers[0]!.image, 'rayproject/ray:2.9.0');
  });

  it('reads values from stdin with -f -', async () => {
    const { code, stdout } = await runRayctl(['template', 'c', '-f', '-'], { input: 'operatorOnly: true\n' });
    assert.equal(code, 0);
    assert.equal(
      docs(stdout).some((o) => o.kind === 'RayCluster'),
      false,
    );
  });

  it('--show-only keeps one template; an unknown one is an error listing the rendered templates', async () => {
    const ok = await runRayctl(['template', 'x', '--show-only', 'templates/operator-deployment.yaml']);
    assert.deepEqual(
      docs(ok.stdout).map((o) => o.kind),
      ['Deployment'],
    );
    const bad = await runRayctl(['template', 'x', '--show-only', 'templates/nope.yaml']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--show-only templates\/nope\.yaml: no object was rendered from that template/);
    assert.match(bad.stderr, /templates\/raycluster\.yaml/);
  });

  it('--output-dir writes one file per template, ready for kubectl apply -f DIR', async () => {
    const out = join(scratch, 'out');
    const { code } = await runRayctl(['template', 'x', '--output-dir', out, '--include-crds']);
    assert.equal(code, 0);
    assert.deepEqual(readdirSync(join(out, 'ray', 'templates')).sort(), [
      'operator-bundle.yaml',
      'operator-deployment.yaml',
      'operator-leader-election.yaml',
      'operator-pod-policy.yaml',
      'operator-rbac.yaml',
      'operator-serviceaccount.yaml',
      'raycluster.yaml',
    ]);
    assert.deepEqual(
      docs(readFileSync(join(out, 'ray', 'templates', 'operator-rbac.yaml'), 'utf8')).map((o) => o.kind),
      ['ClusterRole', 'ClusterRoleBinding'],
    );
    assert.equal(
      docs(readFileSync(join(out, 'ray', 'crds', 'rayclusters.cluster.ray.io.yaml'), 'utf8'))[0]!.kind,
      'CustomResourceDefinition',
    );
  });

  it('--chart renders another chart directory of the same layout', async () => {
    const chartDir = join(scratch, 'chart');
    cpSync(new URL('../../templates', import.meta.url), join(chartDir, 'templates'), { recursive: true });
    cpSync(new URL('../../values', import.meta.url), join(chartDir, 'values'), { recursive: true });
    writeFileSync(
      join(chartDir, 'templates', 'extra.yaml.hbs'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{json (suffix Release.Name "-extra")}}\n',
    );
    const { code, stdout, stderr } = await runRayctl(['template', 'x', '--chart', chartDir, '--cluster-only']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      docs(stdout).map((o) => `${o.kind}/${o.metadata.name}`),
      ['ConfigMap/x-extra', 'RayCluster/x'],
    );
  });

  for (const [what, args, exitCode, message] of [
    ['an invalid release name', ['template', 'Bad_Name'], 2, /invalid release name "Bad_Name"/],
    ['an invalid namespace', ['template', 'x', '-n', 'Not OK'], 2, /invalid --namespace "Not OK"/],
    ['a malformed --set', ['template', 'x', '--set', 'a[b]=1'], 2, /--set "a\[b\]=1" has list index "b"/],
    [
      'a malformed --min-workers',
      ['template', 'x', '--min-workers', 'rayWorkerType'],
      2,
      /--min-workers "rayWorkerType" must be TYPE=N/,
    ],
    [
      'invalid values',
      ['template', 'x', '--set', 'podTypes.rayWorkerType.minWorkers=7'],
      1,
      /podTypes\.rayWorkerType\.minWorkers must be ≤ maxWorkers \(3\), got 7/,
    ],
    [
      'a missing values file',
      ['template', 'x', '-f', '/nonexistent.yaml'],
      1,
      /cannot read \/nonexistent\.yaml: no such file/,
    ],
    [
      'both --operator-only and --cluster-only',
      ['template', 'x', '--operator-only', '--cluster-only'],
      2,
      /cannot be used with/,
    ],
    ['an unknown flag', ['template', 'x', '--nope'], 2, /unknown option '--nope'/],
    ['a chart directory that is not a chart', ['template', 'x', '--chart', '/tmp'], 1, /\/tmp is not a chart/],
  ] as const) {
    it(`exits ${exitCode} with a clear message on ${what}, printing nothing on stdout`, async () => {
      const result = await runRayctl(args);
      assert.equal(result.code, exitCode, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace without --debug');
    });
  }
});

describe('rayctl show, --version, help', () => {
  it('show values prints the commented defaults', async () => {
    const { stdout } = await runRayctl(['show', 'values']);
    assert.equal(stdout, readFileSync(new URL('../../values/values.yaml', import.meta.url), 'utf8'));
  });

  it('show chart, crds and schema print the chart metadata, the CRD and the JSON Schema', async () => {
    assert.match((await runRayctl(['show', 'chart'])).stdout, /^apiVersion: v2\nname: ray\n/m);
    assert.equal(docs((await runRayctl(['show', 'crds'])).stdout)[0]!.metadata.name, 'rayclusters.cluster.ray.io');
    assert.equal((JSON.parse((await runRayctl(['show', 'schema'])).stdout) as { type: string }).type, 'object');
    const bad = await runRayctl(['show', 'everything']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are values, chart, crds, schema/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await runRayctl(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), `rayctl ${pkg.version}`);
    // Alone, --version is answered before the program is built; with a root flag, by commander: the same line.
    const withFlag = await runRayctl(['-n', 'ray', '--version']);
    assert.equal(withFlag.code, 0);
    assert.equal(withFlag.stdout, stdout);
  });

  it('help template shows the examples from the user document', async () => {
    const { code, stdout } = await runRayctl(['help', 'template']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: rayctl template \[options\] \[release\]/);
    assert.match(stdout, /rayctl template example-cluster -n ray --cluster-only/);
  });
});

describe('rayctl in a pipe', () => {
  it('stops quietly with its exit code when the reader closes early (`rayctl ... | head -1`)', async () => {
    // A shell pipe into `head -1`: head exits after the first line and the rest of the help hits a closed pipe.
    const child = spawn('bash', ['-c', `"${process.execPath}" "${RAYCTL_BIN}" template x --include-crds | head -1`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stdout, '---\n');
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
