import type { ChartMetadata } from '../chart/chart.ts';
import type { Values } from '../chart/tree.ts';

/** Helm's release statuses (pkg/release/status.go). */
export const RELEASE_STATUSES = [
  'unknown',
  'deployed',
  'uninstalled',
  'superseded',
  'failed',
  'uninstalling',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export function isPending(status: ReleaseStatus): boolean {
  return status.startsWith('pending-');
}

/** Helm's Info, with its JSON field names. Times are RFC 3339; Helm 3 writes "" for "never". */
export interface ReleaseInfo {
  first_deployed: string;
  last_deployed: string;
  deleted: string;
  description: string;
  status: ReleaseStatus;
  notes?: string;
}

/** A chart file as Helm stores it: name relative to the chart, content base64 (Go []byte). */
export interface StoredFile {
  name: string;
  data: string;
}

/** Helm's chart.Chart as serialised into a release. */
export interface StoredChart {
  metadata: ChartMetadata;
  lock: null;
  templates: StoredFile[];
  values: Values;
  /** The values schema, base64 (Go []byte), or absent. */
  schema?: string;
  files: StoredFile[];
}

/** Helm's release.Release, the JSON inside each revision's Secret. */
export interface Release {
  name: string;
  namespace: string;
  version: number;
  info: ReleaseInfo;
  chart: StoredChart;
  /** Only the values the user supplied, not merged with the chart's defaults. */
  config: Values;
  manifest: string;
  hooks: unknown[];
  /** Helm 4 records how objects were applied; rayctl always uses server-side apply. */
  apply_method?: 'ssa' | 'csa';
  /** Custom labels (`--labels`): on the Secret, never in the JSON (helm's `json:"-"`). */
  labels?: Record<string, string>;
}
