import type { Values } from './tree.ts';

/** Chart.yaml, as Helm's release record stores it (`chart.metadata`). */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  type?: string;
  keywords?: string[];
}

/** One file of the chart, by its path relative to the chart's templates/ directory (e.g. `crds/x.yaml`). */
export interface ChartFile {
  name: string;
  text: string;
}

/** A chart as loaded from disk: everything rendering and releases need, no file handles. */
export interface Chart {
  metadata: ChartMetadata;
  /** Templates that render objects (`raycluster.yaml.hbs`). */
  templates: ChartFile[];
  /** NOTES.txt.hbs: text shown after install and by `get notes` (plain text, not YAML). */
  notes?: ChartFile;
  /** Partials (`_name.hbs`), used as `{{> _name}}`. */
  partials: ChartFile[];
  /** CRDs, installed before anything else and never templated. */
  crds: ChartFile[];
  /** Other files templates may embed (`chartFile Files "name"`), e.g. the operator bundle; not templated. */
  files: ChartFile[];
  /** The default values, parsed, and the file's text with its comments (for `show values`). */
  defaults: Values;
  valuesText: string;
  /** The JSON Schema of the values, if the chart has one. */
  schema?: object;
  schemaText?: string;
}

export const NOTES_TEMPLATE = 'NOTES.txt.hbs';

/** `raycluster.yaml.hbs` → `raycluster.yaml`: the name Helm shows in `# Source:` lines. */
export function renderedName(templateName: string): string {
  return templateName.replace(/\.hbs$/, '');
}

/** The operator bundle's name in dist/. */
export const OPERATOR_BUNDLE = 'operator.mjs';
/**
 * The bundle gzipped, as the built-in chart carries it (base64, as chart files are text): a ConfigMap that
 * `kubectl apply` (client-side) stores again in an annotation must stay under 256 KiB, and the bundle with gRPC does
 * not; gzipped it is about a third.
 */
export const OPERATOR_BUNDLE_GZ = 'operator.mjs.gz';
