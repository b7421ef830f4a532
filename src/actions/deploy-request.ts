import type { CompiledChart } from '../chart/compile.ts';
import type { ReleaseRef } from '../chart/objects.ts';
import type { Values } from '../chart/tree.ts';

export type DryRun = 'none' | 'client' | 'server';

/** What install and upgrade are both asked: a chart and values for a release, and how to carry the change out. */
export interface DeployRequest {
  release: ReleaseRef;
  chart: CompiledChart;
  userValues: Values;
  wait: boolean;
  timeoutMs: number;
  /** On failure, undo: uninstall a new release, roll back an upgrade. */
  atomic: boolean;
  dryRun: DryRun;
  description?: string;
  skipCrds: boolean;
  historyMax: number;
  forceConflicts: boolean;
  /** Adopt existing objects that belong to another release or none (helm's --take-ownership); forces the apply. */
  takeOwnership?: boolean;
  /** Custom labels for the release's records (`--labels`); null removes one an earlier revision had. */
  labels?: Record<string, string | null>;
}
