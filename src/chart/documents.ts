import yaml from 'js-yaml';
import { UserError } from '../errors.ts';
import { loadBlockYaml } from './block-yaml.ts';
import type { Chart } from './chart.ts';
import type { KubeObject, RenderedObject } from './objects.ts';
import { isPlainObject } from './tree.ts';

/** The chart's CRDs as objects (not templated, no release ownership: a CRD outlives every release). */
export function chartCrds(chart: Chart): RenderedObject[] {
  return chart.crds.flatMap((file) => {
    // Helm shows CRDs under <chart>/crds/, outside templates/.
    const source = `${chart.metadata.name}/${file.name}`;
    return parseDocuments(file.text, source).map((object) => ({ source, object }));
  });
}

/** The Kubernetes objects of a YAML stream (a rendered template or a CRD file); empty documents are skipped. */
export function parseDocuments(text: string, source: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = loadBlockYaml(text) ?? yaml.loadAll(text, null, { filename: source });
  } catch (err) {
    throw new UserError(`${source} did not render valid YAML: ${(err as Error).message}`);
  }
  return documents
    .filter((document) => document !== null && document !== undefined)
    .map((document, index) => {
      if (!isKubeObject(document)) {
        throw new UserError(
          `${source} document ${index + 1} is not a Kubernetes object: it needs apiVersion, kind and metadata.name`,
        );
      }
      return document;
    });
}

function isKubeObject(value: unknown): value is KubeObject {
  return (
    isPlainObject(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isPlainObject(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}
