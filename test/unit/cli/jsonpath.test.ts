// kubectl's JSONPath templates, as `-o jsonpath=` applies them; the expected strings follow kubectl's documented
// examples (https://kubernetes.io/docs/reference/kubectl/jsonpath/) on a list shaped like `get clusters -o json`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileJsonPath } from '../../../src/cli/jsonpath.ts';
import { UsageError } from '../../../src/errors.ts';

const list = {
  kind: 'List',
  items: [
    { name: 'a', namespace: 'ray', phase: 'Running', restarts: 0, workers: [{ podType: 'cpu', ready: 2 }] },
    { name: 'b', namespace: 'ray', phase: 'Pending', restarts: 3, workers: [] },
    { name: 'c.d', namespace: 'other', phase: 'Running', restarts: 1, workers: [{ podType: 'gpu', ready: 1 }] },
  ],
};
const run = (template: string) => compileJsonPath(template)(list);

test('fields, wildcards and indexes; several results are joined by a space', () => {
  assert.equal(run('{.items[*].name}'), 'a b c.d');
  assert.equal(run('{.items[0].name}'), 'a');
  assert.equal(run('{.items[-1].name}'), 'c.d');
  assert.equal(run('{.items[0:2].phase}'), 'Running Pending');
  assert.equal(run('{.kind}'), 'List');
  assert.equal(run("{.items[2]['name']}"), 'c.d');
});

test('text around actions, string literals with escapes, range … end', () => {
  assert.equal(run('n={.items[1].name}!'), 'n=b!');
  assert.equal(run('{range .items[*]}{.name}{"\\t"}{.phase}{"\\n"}{end}'), 'a\tRunning\nb\tPending\nc.d\tRunning\n');
  assert.equal(run('{range .items}{.name},{end}'), 'a,b,c.d,', 'a range over an array without [*]');
  assert.equal(run('{range .items[*]}{$.kind}{end}'), 'ListListList', '$ is the root inside a range');
});

test('filters compare with strings and numbers; recursive descent finds nested fields', () => {
  assert.equal(run('{.items[?(@.phase=="Running")].name}'), 'a c.d');
  assert.equal(run('{.items[?(@.restarts > 0)].name}'), 'b c.d');
  assert.equal(run('{.items[?(@.phase != "Running")].name}'), 'b');
  assert.equal(run('{..podType}'), 'cpu gpu');
});

test('a missing key prints nothing; objects print as JSON', () => {
  assert.equal(run('{.items[0].nope}'), '');
  assert.equal(run('{.items[5].name}'), '');
  assert.equal(run('{.items[0].workers[0]}'), '{"podType":"cpu","ready":2}');
});

test('a malformed template is a usage error that names the problem', () => {
  for (const [template, why] of [
    ['{.items[*].name', /unclosed \{/],
    ['{range .items[*]}{.name}', /\{range\} without \{end\}/],
    ['{end}', /\{end\} without \{range\}/],
    ['{.items[?(@.x == bare)]}', /cannot compare with bare/],
  ] as const) {
    assert.throws(
      () => compileJsonPath(template),
      (err: Error) => err instanceof UsageError && why.test(err.message),
    );
  }
});
