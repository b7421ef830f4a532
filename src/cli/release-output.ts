import yaml from 'js-yaml';
import type { Release } from '../release/model.ts';
import { formatTime, type OutputFormat } from './output.ts';
import { printable } from './terminal.ts';

/** What `install`, `upgrade`, `rollback` and `status` print about a release, in Helm's layout. */
export function printRelease(
  release: Release,
  format: OutputFormat,
  options: { showNotes?: boolean; manifest?: boolean; description?: boolean } = {},
): void {
  process.stdout.write(format === 'table' ? formatRelease(release, options) : structured(release, format));
}

/** The release's header in Helm's layout; DESCRIPTION unless `description: false` (helm's status without --show-desc). */
export function formatRelease(
  release: Release,
  options: { showNotes?: boolean; manifest?: boolean; description?: boolean } = {},
): string {
  const lines = [
    `NAME: ${release.name}`,
    `LAST DEPLOYED: ${formatTime(release.info.last_deployed)}`,
    `NAMESPACE: ${release.namespace}`,
    `STATUS: ${release.info.status}`,
    `REVISION: ${release.version}`,
    `CHART: ${release.chart.metadata.name}-${release.chart.metadata.version}`,
  ];
  if (options.description !== false) lines.push(`DESCRIPTION: ${release.info.description}`);
  if (options.manifest) lines.push('MANIFEST:', release.manifest.trimEnd());
  if (options.showNotes !== false && release.info.notes) lines.push('NOTES:', release.info.notes.trimEnd());
  // A release record may come from anyone who could write Secrets: nothing in it drives the terminal.
  return `${printable(lines.join('\n'))}\n`;
}

/** The release for scripts: Helm's JSON field names, without the chart's files. */
export function structured(value: unknown, format: 'json' | 'yaml'): string {
  const plain = value && typeof value === 'object' && 'chart' in value ? withoutChartFiles(value as Release) : value;
  return format === 'json' ? `${JSON.stringify(plain, null, 2)}\n` : yaml.dump(plain, { lineWidth: -1, noRefs: true });
}

function withoutChartFiles(release: Release): unknown {
  return { ...release, chart: { metadata: release.chart.metadata } };
}
