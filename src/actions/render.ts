import { mergeReleaseLabels } from '../release/custom-labels.ts';
import type { CompiledChart } from '../chart/compile.ts';
import { toManifest } from '../chart/render.ts';
import { storedChart } from '../release/chart-record.ts';
import type { Release } from '../release/model.ts';
import type { ReleaseRef, RenderedObject } from '../chart/objects.ts';
import { renderChart, renderNotes } from '../chart/render.ts';
import type { Values } from '../chart/tree.ts';
import { derivedNameProblems, validateValues } from '../chart/validate.ts';
import { ValidationError } from '../errors.ts';
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
  const objects = renderChart(compiled, input);
  for (const cluster of objects.filter((o) => o.object.kind === 'RayCluster')) {
    const problems = derivedNameProblems(cluster.object.metadata.name);
    if (problems.length > 0) throw new ValidationError('release name', problems);
  }
  return {
    values,
    objects,
    crds: compiled.crds,
    notes: renderNotes(compiled, input),
  };
}

/** A release record as Helm writes it, for a new revision. */
export function newRevision(
  request: { release: ReleaseRef; chart: CompiledChart; userValues: Values; labels?: Record<string, string | null> },
  rendered: RenderedRelease,
  fields: {
    version: number;
    status: Release['info']['status'];
    description: string;
    firstDeployed?: string;
    now: Date;
  },
): Release {
  const now = fields.now.toISOString();
  return {
    name: request.release.name,
    namespace: request.release.namespace,
    version: fields.version,
    info: {
      first_deployed: fields.firstDeployed ?? now,
      last_deployed: now,
      deleted: '',
      description: fields.description,
      status: fields.status,
      notes: rendered.notes,
    },
    chart: storedChart(request.chart.chart),
    config: request.userValues,
    manifest: toManifest(rendered.objects),
    hooks: [],
    apply_method: 'ssa',
    ...withLabels(mergeReleaseLabels(undefined, request.labels)),
  };
}

const withLabels = (labels: Record<string, string> | undefined) => (labels ? { labels } : {});
