import { renderRelease } from '../../../src/actions/render.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';
import type { KubeObject } from '../../../src/chart/objects.ts';
import type { Values } from '../../../src/chart/tree.ts';

export const chart = await loadBuiltinChart();

export function render(userValues: Values = {}, release = { name: 'example-cluster', namespace: 'ray' }): KubeObject[] {
  return renderRelease(chart, release, userValues).objects.map((o) => o.object);
}

export function kindsAndNames(objects: KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

export function find(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
}

/** A typed path into a rendered object, failing loudly when a step is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') throw new Error(`no ${path.join('.')} (stopped at ${step})`);
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
