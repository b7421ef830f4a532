// The pure half of `rayctl diff`: what is compared (server bookkeeping and status left out, Secrets masked), the
// line diff and its unified rendering, colours only when a style asks for them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/chart/objects.ts';
import {
  diffHeader,
  diffLines,
  diffObject,
  formatDiffs,
  MASK,
  PLAIN_STYLE,
  unifiedDiff,
  type DiffStyle,
} from '../../../src/chart/object-diff.ts';

const id = { apiVersion: 'cluster.ray.io/v1', kind: 'RayCluster', name: 'example-cluster', namespace: 'default' };

function rayCluster(maxWorkers = 3): KubeObject {
  return {
    apiVersion: 'cluster.ray.io/v1',
    kind: 'RayCluster',
    metadata: {
      name: 'example-cluster',
      namespace: 'default',
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'example-cluster', 'meta.helm.sh/release-namespace': 'default' },
      resourceVersion: '100',
      generation: 1,
      uid: 'b4d1c2a0-0000-4000-8000-000000000001',
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'rayctl', operation: 'Apply', time: '2026-01-01T00:00:00Z' }],
    },
    spec: {
      maxWorkers,
      upscalingSpeed: 1,
      idleTimeoutMinutes: 5,
      enableAutoscaling: true,
      headPodType: 'rayHeadType',
      podTypes: [{ name: 'rayWorkerType', minWorkers: 2, maxWorkers: 3 }],
    },
    status: { phase: 'Running' },
  };
}

/** The `-`/`+` lines of a diff, without hunk lines and context. */
const changedLines = (diff: string) => diff.split('\n').filter((l) => /^[-+]/.test(l));

describe('diffObject', () => {
  test('a changed field is exactly one -/+ pair, with three lines of context each side', () => {
    const result = diffObject(id, rayCluster(3), rayCluster(5));
    assert.ok(result);
    assert.equal(result.change, 'changed');
    assert.deepEqual(changedLines(result.diff), ['-  maxWorkers: 3', '+  maxWorkers: 5']);
    const lines = result.diff.trimEnd().split('\n');
    assert.match(lines[0]!, /^@@ -\d+,7 \+\d+,7 @@$/);
    assert.deepEqual(lines.slice(1), [
      '     meta.helm.sh/release-name: example-cluster',
      '     meta.helm.sh/release-namespace: default',
      ' spec:',
      '-  maxWorkers: 3',
      '+  maxWorkers: 5',
      '   upscalingSpeed: 1',
      '   idleTimeoutMinutes: 5',
      '   enableAutoscaling: true',
    ]);
  });

  test('an unchanged object gives no diff', () => {
    assert.equal(diffObject(id, rayCluster(), rayCluster()), undefined);
  });

  test('managedFields, resourceVersion, generation, uid, creationTimestamp and status are left out', () => {
    const after = rayCluster();
    after.metadata = {
      ...after.metadata,
      resourceVersion: '101',
      generation: 2,
      uid: 'another',
      creationTimestamp: '2026-02-02T00:00:00Z',
      managedFields: [{ manager: 'rayctl', operation: 'Apply', time: '2026-02-02T00:00:00Z' }],
    };
    after.status = { phase: 'Updating' };
    assert.equal(diffObject(id, rayCluster(), after), undefined);
    const added = diffObject(id, undefined, rayCluster());
    assert.ok(added);
    assert.doesNotMatch(added.diff, /managedFields|resourceVersion|generation|uid|creationTimestamp|status|Running/);
  });

  test('a new object is all additions, a deleted one all removals', () => {
    const added = diffObject(id, undefined, rayCluster());
    const removed = diffObject(id, rayCluster(), undefined);
    assert.equal(added?.change, 'added');
    assert.equal(removed?.change, 'removed');
    assert.ok(added && removed);
    const body = (d: string) => d.trimEnd().split('\n').slice(1);
    assert.ok(body(added.diff).every((l) => l.startsWith('+')));
    assert.ok(body(removed.diff).every((l) => l.startsWith('-')));
    assert.match(added.diff, /^@@ -0,0 \+1,\d+ @@\n\+apiVersion: cluster.ray.io\/v1\n/);
    assert.equal(diffObject(id, undefined, undefined), undefined);
  });

  test('context: 0 shows only the change, a negative context the whole object', () => {
    const none = diffObject(id, rayCluster(3), rayCluster(5), { context: 0 });
    assert.deepEqual(none?.diff.trimEnd().split('\n').slice(1), ['-  maxWorkers: 3', '+  maxWorkers: 5']);
    const whole = diffObject(id, rayCluster(3), rayCluster(5), { context: -1 });
    assert.match(whole!.diff, /^@@ -1,\d+ \+1,\d+ @@\n apiVersion: cluster.ray.io\/v1\n/);
    assert.match(whole!.diff, /name: rayWorkerType/);
  });
});

describe('Secrets', () => {
  const secret = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'default' },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    ...extra,
  });
  const secretId = { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'default' };
  const leaks = (text: string, ...values: string[]) =>
    values.some((v) => text.includes(v) || text.includes(Buffer.from(v).toString('base64')));

  test('a changed value is shown as changed, masked; equal values stay equal and out of the diff', () => {
    const result = diffObject(
      secretId,
      secret({ password: 'hunter2-old', user: 'ray-admin' }),
      secret({ password: 'hunter2-new', user: 'ray-admin' }),
    );
    assert.ok(result);
    assert.deepEqual(changedLines(result.diff), [`-  password: '${MASK.before}'`, `+  password: '${MASK.after}'`]);
    assert.match(result.diff, /^ {3}user: '\*\*\*'$/m);
    const printed = formatDiffs([result]);
    assert.ok(!leaks(printed, 'hunter2-old', 'hunter2-new', 'ray-admin'), printed);
  });

  test('equal values give no diff, whether given as data or stringData', () => {
    assert.equal(diffObject(secretId, secret({ a: 'same' }), secret({ a: 'same' })), undefined);
    const { data: _data, ...withoutData } = secret({});
    const asStringData: KubeObject = { ...withoutData, stringData: { a: 'same' } };
    assert.equal(diffObject(secretId, secret({ a: 'same' }), asStringData), undefined);
  });

  test('added, removed and new Secrets never show a value', () => {
    const changed = diffObject(secretId, secret({ old: 's3cret-1' }), secret({ new: 's3cret-2' }));
    assert.deepEqual(changedLines(changed!.diff), [`-  old: '${MASK.before}'`, `+  new: '${MASK.after}'`]);
    const added = diffObject(secretId, undefined, { ...secret({}), stringData: { token: 's3cret-3' } });
    const removed = diffObject(secretId, secret({ token: 's3cret-4' }), undefined);
    for (const d of [changed!, added!, removed!]) {
      assert.ok(!leaks(formatDiffs([d]), 's3cret-1', 's3cret-2', 's3cret-3', 's3cret-4'), d.diff);
    }
    assert.match(added!.diff, /\+ {2}token: '\*\*\* \(new value\)'/);
  });

  test("kubectl's last-applied annotation (which holds the values) is masked too", () => {
    const annotated = (value: string) =>
      secret(
        { key: value },
        {
          metadata: {
            name: 'creds',
            namespace: 'default',
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { key: value } }),
            },
          },
        },
      );
    assert.equal(diffObject(secretId, annotated('v-one'), annotated('v-one')), undefined);
    const result = diffObject(secretId, annotated('v-one'), annotated('v-two'));
    assert.ok(!leaks(formatDiffs([result!]), 'v-one', 'v-two'), result!.diff);
    assert.equal(changedLines(result!.diff).length, 4);
  });

  test('other kinds are not masked', () => {
    const configMap = (v: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { key: v },
    });
    assert.deepEqual(
      changedLines(diffObject({ ...secretId, kind: 'ConfigMap' }, configMap('a'), configMap('b'))!.diff),
      ['-  key: a', '+  key: b'],
    );
  });
});

describe('unifiedDiff', () => {
  const text = (...lines: string[]) => `${lines.join('\n')}\n`;
  const letters = 'abcdefghijklmnopqrst'.split('');

  test('changes far apart get their own hunks, with line numbers', () => {
    const after = [...letters];
    after[1] = 'B';
    after[18] = 'S';
    assert.equal(
      unifiedDiff(text(...letters), text(...after)),
      text(
        '@@ -1,5 +1,5 @@',
        ' a',
        '-b',
        '+B',
        ' c',
        ' d',
        ' e',
        '@@ -16,5 +16,5 @@',
        ' p',
        ' q',
        ' r',
        '-s',
        '+S',
        ' t',
      ),
    );
  });

  test('changes up to twice the context apart share a hunk; equal texts give nothing', () => {
    const after = [...letters];
    after[3] = 'D';
    after[10] = 'K';
    assert.equal(unifiedDiff(text(...letters), text(...after)).match(/^@@/gm)?.length, 1);
    after[10] = 'k';
    after[11] = 'L';
    assert.equal(unifiedDiff(text(...letters), text(...after)).match(/^@@/gm)?.length, 2);
    assert.equal(unifiedDiff(text(...letters), text(...letters)), '');
    assert.equal(unifiedDiff('', ''), '');
  });

  test('an inserted line is one addition', () => {
    assert.equal(
      unifiedDiff(text('a', 'b', 'c'), text('a', 'b', 'x', 'c'), 1),
      text('@@ -2,2 +2,3 @@', ' b', '+x', ' c'),
    );
  });
});

describe('diffLines', () => {
  /** Deterministic pseudo-random numbers, so a failure can be rerun. */
  function random(seed: number): () => number {
    let s = seed;
    return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  }
  function lcs(a: readonly string[], b: readonly string[]): number {
    const row = new Array<number>(b.length + 1).fill(0);
    for (const x of a) {
      let diagonal = 0;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j]!;
        row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
        diagonal = above;
      }
    }
    return row[b.length]!;
  }

  test('the edit script turns a into b and is a shortest one (random inputs against an LCS table)', () => {
    const next = random(42);
    for (let round = 0; round < 500; round++) {
      const make = () => Array.from({ length: Math.floor(next() * 25) }, () => 'abcde'[Math.floor(next() * 5)]!);
      const a = make();
      const b = make();
      const edits = diffLines(a, b);
      assert.deepEqual(
        edits.filter((e) => e.op !== '+').map((e) => e.line),
        a,
      );
      assert.deepEqual(
        edits.filter((e) => e.op !== '-').map((e) => e.line),
        b,
      );
      assert.equal(
        edits.filter((e) => e.op !== ' ').length,
        a.length + b.length - 2 * lcs(a, b),
        `${a.join('')} → ${b.join('')}`,
      );
    }
  });

  test('a replaced block is shown as its removals, then its additions', () => {
    assert.deepEqual(
      diffLines(['x', 'a1', 'a2', 'y'], ['x', 'b1', 'b2', 'y']).map((e) => `${e.op}${e.line}`),
      [' x', '-a1', '-a2', '+b1', '+b2', ' y'],
    );
  });

  test('very different large inputs still give a correct script', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
    const edits = diffLines(a, b);
    assert.equal(edits.filter((e) => e.op === '-').length, 3000);
    assert.equal(edits.filter((e) => e.op === '+').length, 3000);
  });
});

describe('formatting', () => {
  test("helm-diff's header: namespace, name, kind (group)", () => {
    assert.equal(
      diffHeader({ ...id, change: 'changed' }),
      'default, example-cluster, RayCluster (cluster.ray.io) has changed:',
    );
    assert.equal(
      diffHeader({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b', namespace: 'ray', change: 'added' }),
      'ray, b, ConfigMap (v1) has been added:',
    );
    assert.equal(
      diffHeader({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'r', change: 'removed' }),
      'r, ClusterRole (rbac.authorization.k8s.io) has been removed:',
    );
  });

  test('no colour codes unless a style adds them; then + green and - red only', () => {
    const diff = diffObject(id, rayCluster(3), rayCluster(5))!;
    const plain = formatDiffs([diff]);
    assert.ok(!plain.includes('\u001b'));
    assert.equal(formatDiffs([diff], PLAIN_STYLE), plain);
    assert.match(plain, /^default, example-cluster, RayCluster \(cluster.ray.io\) has changed:\n@@ /);
    const ansi = (code: number) => (line: string) => `\u001b[${code}m${line}\u001b[39m`;
    const style: DiffStyle = { ...PLAIN_STYLE, added: ansi(32), removed: ansi(31) };
    const coloured = formatDiffs([diff], style).split('\n');
    assert.ok(coloured.includes('\u001b[31m-  maxWorkers: 3\u001b[39m'));
    assert.ok(coloured.includes('\u001b[32m+  maxWorkers: 5\u001b[39m'));
    assert.equal(coloured.filter((l) => l.includes('\u001b')).length, 2);
  });
});
