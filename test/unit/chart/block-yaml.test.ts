import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { renderRelease } from '../../../src/actions/render.ts';
import { dumpBlockYaml, loadBlockYaml } from '../../../src/chart/block-yaml.ts';
import { MANIFEST_DUMP_OPTIONS, renderTemplateTexts, toManifest } from '../../../src/chart/render.ts';
import { parseValuesFile } from '../../../src/chart/values.ts';
import type { Values } from '../../../src/chart/tree.ts';
import { chart } from './render-support.ts';

/** js-yaml's reading, with the empty documents left out as the fast reader does. */
const jsYamlDocuments = (text: string): unknown[] =>
  yaml.loadAll(text).filter((document) => document !== null && document !== undefined);

const examples = new URL('../../../values/examples/', import.meta.url);
const valueSets: [string, Values][] = [
  ['defaults', {}],
  ['namespacedOperator', { namespacedOperator: true }],
  ...readdirSync(examples).map((name): [string, Values] => [
    name,
    parseValuesFile(readFileSync(new URL(name, examples), 'utf8'), name),
  ]),
];

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Strings made of the characters that decide YAML's quoting: digits, signs, dots, colons, indicators, keywords. */
function trickyString(next: () => number): string {
  const pieces = ['0', '1', '9', '.', '-', '+', ':', '_', ',', ' ', '#', 'e', 'x', 'G', 'i', 'T', 'Z', 'y', 'n'];
  const more = ['"', "'", '\\', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '=', '~', '<', '?'];
  const words = ['true', 'null', 'False', 'on', 'NO', '.inf', '<<', '1e3', '0x1F', '2026-12-04', '1:30', '1_000'];
  const length = Math.floor(next() * 6);
  let text = next() < 0.3 ? words[Math.floor(next() * words.length)]! : '';
  for (let i = 0; i < length; i++) {
    const from = next() < 0.8 ? pieces : more;
    text += from[Math.floor(next() * from.length)]!;
  }
  return text;
}

describe('loadBlockYaml', () => {
  it("reads every template of the built-in chart, with each example's values, as js-yaml does", () => {
    for (const [name, userValues] of valueSets) {
      const { values } = renderRelease(chart, { name: 'example-cluster', namespace: 'ray' }, userValues);
      for (const { source, text } of renderTemplateTexts(chart, { release: { name: 'x', namespace: 'ray' }, values })) {
        const fast = loadBlockYaml(text);
        assert.ok(fast, `${name}: ${source} left the fast path`);
        assert.deepEqual(fast, jsYamlDocuments(text), `${name}: ${source}`);
      }
    }
  });

  it("reads every manifest rayctl stores, with each example's values, as js-yaml does", () => {
    for (const [name, userValues] of valueSets) {
      const manifest = toManifest(
        renderRelease(chart, { name: 'example-cluster', namespace: 'ray' }, userValues).objects,
      );
      const fast = loadBlockYaml(manifest);
      assert.ok(fast, `${name}: the manifest left the fast path`);
      assert.ok(fast.length > 0);
      assert.deepEqual(fast, jsYamlDocuments(manifest), name);
    }
  });

  it('reads block maps, lists, JSON values, plain words and block scalars as js-yaml does', () => {
    const streams = [
      'a: 1\nb: "two"\nc: [1, "x", {"y": null}]\nd: {}\ne: []\nf: true\ng: null\nh: -2.5e3',
      '# leading comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n\n  labels:\n    app.io/x: y\n',
      'list:\n  - a\n  - name: n\n    image: rayproject/ray:2.6.0\n    args: ["--x"]\n  -\n    k: v\n',
      'compact:\n- a\n- b\nafter: 1',
      'flags:\n  - --leader-elect\n  - --metrics-addr=:8080\n  - -e\n  - /bin/sh\n  - http://x/y',
      'actions: [Deny]\nempty: [ ]\nwords: [spec, status]',
      'folded: >-\n  one line\n  and another\nliteral: |\n  first\n    deeper\n  # not a comment\nkeep: >\n  x\n  y\n',
      'a: 1\n---\n---\nb: 2\n---\n# only a comment\n',
      '"quoted key": 1\n"k\\u00e9": 2\nempty:\nnext: 3',
      'x: {"long": "' + 'A'.repeat(2000) + '"}',
      'a: two words\nb:\n  - ulimit -n 65536; ray start --address=$RAY_HEAD_IP:6379\n  - x [y] {z}, w\n  - a:b c#d',
      '{\n  "apiVersion": "v1",\n  "clusters": [{"name": "k", "cluster": {"server": "https://10.0.0.1:6443"}}],\n  "n": -2.5e3\n}\n',
      '# a comment\n{"a": {"b": [1, "two", null, true]},\n# inside\n"c": 2}\n# after\n---\nafter: 1',
    ];
    for (const text of streams) {
      const fast = loadBlockYaml(text);
      assert.ok(fast, `left the fast path: ${JSON.stringify(text)}`);
      assert.deepEqual(fast, jsYamlDocuments(text), JSON.stringify(text));
    }
  });

  it('leaves to js-yaml what it does not read exactly as js-yaml', () => {
    const streams = [
      'a: &x 1\nb: *x', // anchors
      'a: !!str 1', // tags
      'a: value # trailing comment',
      'a: 1\na: 2', // a duplicate key, which js-yaml refuses
      'a: {"k": 1, "k": 2}', // the same inside JSON, which JSON.parse would take
      'a: -0', // js-yaml reads 0
      'a: [-0]',
      'a: True', // a boolean to js-yaml
      'a: 0x10',
      'a: 2026-12-04', // a timestamp
      'a: ~',
      'a: two words # and a comment',
      'a: words: and a colon',
      'a: 2026-12-04 10:00:00', // a timestamp, with a space
      '{"k": 1, "k": 2}', // a JSON document with a duplicate key
      '{"a": 1}\nb: 2',
      'a:\tb',
      'a: 1\r\nb: 2',
      '? complex\n: key',
      'a:\n  - - nested',
      '--- a: 1',
      'a: >-\n  one\n\n  two', // a blank line folds to a line break
      'a: |\n  one\n\n  two',
      'a: >\n  one\n    deeper',
      'a: [x: y]',
      'a: "\\x41"', // YAML's escape, not JSON's
      '  indented: 1',
      '- top level list',
      'plain scalar',
      'a:\n  b: 1\n   c: 2',
      'True: 1',
      '1: one',
      '__proto__: x',
    ];
    for (const text of streams) assert.equal(loadBlockYaml(text), undefined, JSON.stringify(text));
  });

  it('reads any JSON string written as a value, key or list item as js-yaml does', () => {
    const next = random(7);
    for (let i = 0; i < 3000; i++) {
      const value = trickyString(next) + (next() < 0.1 ? 'ü\u2028\n\t"' : '');
      const text = `key: ${JSON.stringify(value)}\n${JSON.stringify(value)}: 1\nlist:\n  - ${JSON.stringify(value)}\n`;
      const fast = loadBlockYaml(text);
      let expected: unknown;
      try {
        expected = jsYamlDocuments(text);
      } catch {
        assert.equal(fast, undefined, `js-yaml refuses ${JSON.stringify(text)}, the fast path must too`);
        continue;
      }
      if (fast) assert.deepEqual(fast, expected, JSON.stringify(text));
    }
  });

  it('reads any plain word it accepts as js-yaml does', () => {
    const next = random(11);
    for (let i = 0; i < 3000; i++) {
      const word = trickyString(next);
      const text = `key: ${word}\nlist:\n  - ${word}\n`;
      const fast = loadBlockYaml(text);
      if (!fast) continue;
      assert.deepEqual(fast, jsYamlDocuments(text), JSON.stringify(text));
    }
  });
});

describe('dumpBlockYaml', () => {
  it("writes every object of the built-in chart, with each example's values, as js-yaml does", () => {
    for (const [name, userValues] of valueSets) {
      const rendered = renderRelease(chart, { name: 'example-cluster', namespace: 'ray' }, userValues);
      for (const { source, object } of [...rendered.crds, ...rendered.objects]) {
        const fast = dumpBlockYaml(object);
        assert.ok(fast, `${name}: ${source} left the fast path`);
        assert.equal(fast, yaml.dump(object, MANIFEST_DUMP_OPTIONS), `${name}: ${source}`);
      }
    }
  });

  it('writes nesting, empty collections, numbers, booleans and null as js-yaml does', () => {
    const objects: unknown[] = [
      { a: { b: { c: 1 } }, l: [1, [2, [3, {}]], { x: [] }, { y: {}, z: null }], t: true, f: false, n: null },
      [{ name: 'a', ports: [{ containerPort: 80 }] }, [], {}, 'x'],
      { skipped: undefined, kept: [undefined, 1] },
      { '': '', ' ': ' ', 'a: b': 'c #d', '-x': '--y', 'key:': 'on', '0.1.0': '1.2.3.4', '1.5': '10' },
      { long: 'L'.repeat(2000) },
      { sha256: '72292b900145499ef1e35d38421bc010ba808c42b3f79681d9bb38b6e574b51c', short: '1f', octalLike: '07a' },
      {},
      [],
    ];
    for (const object of objects) {
      const fast = dumpBlockYaml(object);
      assert.ok(fast, `left the fast path: ${JSON.stringify(object)}`);
      assert.equal(fast, yaml.dump(object, MANIFEST_DUMP_OPTIONS), JSON.stringify(object));
    }
  });

  it('leaves to js-yaml what it does not write exactly as js-yaml', () => {
    const objects: unknown[] = [
      { float: 1.5 },
      { big: 2 ** 60 },
      { negativeZero: -0 },
      { multiLine: 'a\nb' },
      { unicode: 'ü' },
      { date: '2026-12-04' },
      { hex: '0x1F' },
      { binaryLike: '0b1a' },
      { exponent: '12e4' },
      { yaml11: '1_000' },
      { [`k${'k'.repeat(1100)}`]: 1 },
      { date: new Date(0) },
    ];
    for (const object of objects) assert.equal(dumpBlockYaml(object), undefined, JSON.stringify(object));
  });

  it('writes any string it accepts, as a key or a value, as js-yaml does', () => {
    const next = random(3);
    for (let i = 0; i < 5000; i++) {
      const text = trickyString(next);
      const object = { [text]: text, list: [text, { [text]: [text] }] };
      const fast = dumpBlockYaml(object);
      if (fast === undefined) continue;
      assert.equal(fast, yaml.dump(object, MANIFEST_DUMP_OPTIONS), JSON.stringify(text));
    }
  });
});
