import type { CompiledChart } from '../chart/compile.ts';
import type { ReleaseRef, RenderedObject } from '../chart/objects.ts';
import { chartCrds, renderChart, renderNotes } from '../chart/render.ts';
import type { Values } from '../chart/tree.ts';
import { validateValues } from '../chart/validate.ts';
import { coalesceValues } from '../chart/values.ts';

export interface RenderedRelease {
  /** Chart defaults coalesced with the user's values: what the templates saw. */
  values: Values;
  /** The rendered objects in install order. */
  objects: RenderedObject[];
  /** The chart's CRDs, kept apart because they are installed once and never upgraded by a release. */
  crds: RenderedObject[];
  /** NOTES.txt rendered for this release. */
  notes: string;
}

/** The one path from user values to objects, shared by template, install and upgrade. */
export function renderRelease(compiled: CompiledChart, release: ReleaseRef, userValues: Values): RenderedRelease {
  const values = coalesceValues(userValues, compiled.chart.defaults);
  validateValues(compiled, values);
  const input = { release, values };
  return {
    values,
    objects: renderChart(compiled, input),
    crds: chartCrds(compiled.chart),
    notes: renderNotes(compiled, input),
  };
}
