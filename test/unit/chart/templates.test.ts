import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Handlebars from 'handlebars';
import yaml from 'js-yaml';
import { TEMPLATE_HELPERS, WRITING_HELPERS, kebabCase } from '../../../src/chart/helpers.ts';
import { chart, render } from './render-support.ts';

type Node = { type: string; [key: string]: unknown };

/** Every `{{...}}` that writes text (not blocks, not subexpressions) in a template's syntax tree. */
function outputMustaches(node: unknown, found: Node[] = []): Node[] {
  if (Array.isArray(node)) for (const child of node) outputMustaches(child, found);
  else if (node && typeof node === 'object') {
    const n = node as Node;
    if (n.type === 'MustacheStatement') found.push(n);
    for (const [key, child] of Object.entries(n)) if (key !== 'loc') outputMustaches(child, found);
  }
  return found;
}

describe('templates', () => {
  for (const file of [...chart.chart.templates, ...chart.chart.partials]) {
    it(`${file.name} writes values only through a serialising helper`, () => {
      const mustaches = outputMustaches(Handlebars.parse(file.text));
      for (const mustache of mustaches) {
        const path = mustache.path as { original: string };
        const params = mustache.params as unknown[];
        assert.ok(
          WRITING_HELPERS.has(path.original) && params.length > 0,
          `{{${path.original}}} at line ${(mustache.loc as { start: { line: number } }).start.line} writes raw text; use {{json ...}}`,
        );
      }
    });
  }

  it('every helper a template uses exists', () => {
    const used = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const n = node as Node;
        if ((n.type === 'SubExpression' || n.type === 'MustacheStatement') && (n.params as unknown[]).length > 0) {
          used.add((n.path as { original: string }).original);
        }
        Object.entries(n).forEach(([k, v]) => k !== 'loc' && walk(v));
      }
    };
    for (const file of chart.chart.templates) walk(Handlebars.parse(file.text));
    for (const helper of used) assert.ok(helper in TEMPLATE_HELPERS, `unknown helper ${helper}`);
  });

  it('kebabCase matches the pod name prefixes of the original chart', () => {
    assert.equal(kebabCase('rayHeadType'), 'ray-head-type');
    assert.equal(kebabCase('rayWorkerType'), 'ray-worker-type');
    assert.equal(kebabCase('GPUWorker'), 'gpu-worker');
    assert.equal(kebabCase('worker_2'), 'worker-2');
  });
});

describe('values.yaml', () => {
  const text = readFileSync(new URL('../../../values/values.yaml', import.meta.url), 'utf8');

  it('pins the Ray image to a release, not latest', () => {
    assert.match(String(chart.chart.defaults.image), /^rayproject\/ray:\d+\.\d+\.\d+$/);
  });

  it('ships the operator bundle by default, on an exactly pinned public Node.js image', () => {
    assert.equal(chart.chart.defaults.operatorImage, '');
    assert.match(String(chart.chart.defaults.operatorNodeImage), /^node:\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
  });

  it('renders only public, version-pinned images by default', () => {
    const images = render()
      .flatMap((o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? [])
      .map((m) => m.slice('"image":"'.length, -1));
    assert.deepEqual([...new Set(images)].sort(), [
      String(chart.chart.defaults.operatorNodeImage),
      String(chart.chart.defaults.image),
    ]);
    for (const image of images) {
      // Docker Hub's official or rayproject images (public), with an exact version tag.
      assert.match(image, /^(node|rayproject\/ray):\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/);
    }
  });

  it('has the documented defaults', () => {
    const d = chart.chart.defaults as Record<string, unknown>;
    assert.deepEqual(
      [d.headPodType, d.operatorOnly, d.clusterOnly, d.namespacedOperator, d.operatorNamespace],
      ['rayHeadType', false, false, false, 'default'],
    );
    assert.deepEqual(yaml.load(text), d);
  });

  it('has a comment above every key', () => {
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (!/^\s*[A-Za-z]\w*:/.test(line)) return;
      const previous = lines
        .slice(0, index)
        .reverse()
        .find((l) => l.trim() !== '');
      assert.ok(previous?.trim().startsWith('#'), `line ${index + 1} "${line.trim()}" has no comment`);
    });
  });
});
