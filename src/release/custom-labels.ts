import { isLabelKey, isLabelValue } from '../chart/validate.ts';
import { UsageError } from '../errors.ts';

// helm 3.13+'s `--labels`: custom labels on the release's Secrets (never in the JSON), so `list -l` selects by them.
// The labels helm's driver writes itself are reserved.

export const SYSTEM_LABELS: ReadonlySet<string> = new Set([
  'name',
  'owner',
  'status',
  'version',
  'createdAt',
  'modifiedAt',
]);

/** `k=v,k2=v2` as helm parses it; a value `null` removes the label on upgrade. */
export function parseReleaseLabels(text: string): Record<string, string | null> {
  const labels: Record<string, string | null> = {};
  for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError(`--labels "${pair}" is not KEY=VALUE`, 'e.g. --labels team=ml,env=prod');
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (SYSTEM_LABELS.has(key))
      throw new UsageError(
        `--labels: "${key}" is a label helm's release records keep for themselves`,
        `reserved: ${[...SYSTEM_LABELS].join(', ')}`,
      );
    if (!isLabelKey(key))
      throw new UsageError(`--labels: "${key}" is not a label key ([prefix/]name, name at most 63 characters)`);
    if (value !== 'null' && !isLabelValue(value))
      throw new UsageError(
        `--labels: the value of "${key}" must be a label value (at most 63 letters, digits, "-", "_", "."), got "${value}"`,
      );
    labels[key] = value === 'null' ? null : value;
  }
  return labels;
}

/** The labels of a new revision: the previous ones, then the asked ones (null removes). */
export function mergeReleaseLabels(
  previous: Readonly<Record<string, string>> | undefined,
  asked: Readonly<Record<string, string | null>> | undefined,
): Record<string, string> | undefined {
  const merged: Record<string, string> = { ...previous };
  for (const [key, value] of Object.entries(asked ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** A Secret's custom labels: all but the system ones. */
export function customLabels(
  secretLabels: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  const custom = Object.entries(secretLabels ?? {}).filter(([key]) => !SYSTEM_LABELS.has(key));
  return custom.length > 0 ? Object.fromEntries(custom) : undefined;
}
