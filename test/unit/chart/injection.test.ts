import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { renderRelease } from '../../../src/actions/render.ts';
import { toManifest } from '../../../src/chart/render.ts';
import { isPlainObject, type Values } from '../../../src/chart/tree.ts';
import { chart } from './render-support.ts';

/** Strings that break naive string templating of YAML. */
const HOSTILE = [
  'a\nkind: Secret',
  'x: y',
  '---\napiVersion: v1\nkind: ConfigMap',
  '# comment',
  '{{json Values}}',
  '"quoted',
  "it's",
  '- item',
  '[1, 2]',
  '{a: b}',
  '&anchor *ref',
  '!!binary AA==',
  'null',
  'true',
  '0x1F',
  '  leading spaces',
  'tab\there',
  'ünïcødé ✓ 日本語 \u2028 \u0085',
  '\\',
  '%YAML 1.2',
  '@at',
  '|\n  block',
];

/** Every string leaf of the values, with a setter, so each can be replaced in turn. */
function stringLeaves(values: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof values === 'string') return [path];
  if (Array.isArray(values)) return values.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (isPlainObject(values)) return Object.entries(values).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function withValueAt(values: Values, path: (string | number)[], value: unknown): Values {
  const copy = structuredClone(values);
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** Kind, name and the set of key paths of every object: the structure an injection would change. */
function shape(manifest: string): string[] {
  return yaml.loadAll(manifest).map((doc) => {
    const object = doc as { kind: string; metadata: { name: string } };
    return `${object.kind}/${object.metadata.name}: ${keyPaths(doc).join(',')}`;
  });
}

function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, `${prefix}[${i}]`));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
  return [];
}

describe('rendering is injection-proof', () => {
  // Values with a string in every place a string can go, so every template string path is exercised.
  const base: Values = {
    ...structuredClone(chart.chart.defaults),
    podTypes: {
      rayHeadType: { CPU: 1, memory: '1Gi', image: 'img', nodeSelector: { zone: 'a' }, rayResources: { r: 1 } },
      rayWorkerType: {
        CPU: 1,
        memory: '1Gi',
        minWorkers: 1,
        maxWorkers: 2,
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }],
      },
    },
  };
  const release = { name: 'rel', namespace: 'ns' };
  const baseShape = shape(toManifest(renderRelease(chart, release, base).objects));
  // Schema-checked strings (images, quantities, enums, names, label keys and values) are refused before rendering;
  // the free-text ones (toleration keys and values, Ray resource names) reach the templates as they are.
  const freeText = (path: (string | number)[]) =>
    path.includes('tolerations') && !path.includes('effect') && !path.includes('operator');

  for (const path of stringLeaves(base).filter(freeText)) {
    it(`keeps every object's kind, name and keys when ${path.join('.')} is hostile`, () => {
      for (const hostile of HOSTILE) {
        const manifest = toManifest(renderRelease(chart, release, withValueAt(base, path, hostile)).objects);
        assert.deepEqual(shape(manifest), baseShape, `value ${JSON.stringify(hostile)}`);
        assert.ok(manifest.includes(JSON.stringify(hostile).slice(1, -1)) || yaml.loadAll(manifest).length > 0);
        const reparsed = JSON.stringify(yaml.loadAll(manifest));
        assert.ok(
          reparsed.includes(JSON.stringify(hostile).slice(1, -1)),
          `value ${JSON.stringify(hostile)} survives as data`,
        );
      }
    });
  }

  it('keeps the structure when the hostile strings are map keys and release-derived names', () => {
    for (const hostile of HOSTILE) {
      const values = withValueAt(base, ['podTypes', 'rayHeadType', 'rayResources'], { [hostile]: 1 });
      const manifest = toManifest(renderRelease(chart, release, values).objects);
      assert.deepEqual(shape(manifest).length, baseShape.length);
      const head = (yaml.loadAll(manifest).at(-1) as { spec: { podTypes: { rayResources: object }[] } }).spec
        .podTypes[0]!.rayResources;
      assert.deepEqual(head, { [hostile]: 1 });
    }
  });

  it('refuses hostile text where the schema allows no free text', () => {
    for (const hostile of HOSTILE.filter((h) => /\s/.test(h))) {
      assert.throws(() => renderRelease(chart, release, { ...base, image: hostile }), /image must match/);
      const selector = withValueAt(base, ['podTypes', 'rayHeadType', 'nodeSelector'], { zone: hostile });
      assert.throws(() => renderRelease(chart, release, selector), /nodeSelector\.zone must be a label value/);
    }
  });
});
