// What the benchmarks give helm to install: a chart that renders exactly rayctl's --cluster-only RayCluster.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A helm chart directory (in a fresh temporary directory) rendering rayctl's RayCluster, minWorkers as a value. */
export function equivalentHelmChart(rayctlBin: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rayctl-bench-chart-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: ray-static\nversion: 0.1.0\n');
  writeFileSync(join(dir, 'values.yaml'), 'minWorkers: 2\n');
  const manifest = spawnSync(
    process.execPath,
    [rayctlBin, 'template', 'RELEASE', '-n', 'NAMESPACE', '--cluster-only'],
    {
      encoding: 'utf8',
    },
  ).stdout;
  const templated = manifest
    .replaceAll('RELEASE', '{{ .Release.Name }}')
    .replaceAll('NAMESPACE', '{{ .Release.Namespace }}')
    .replace('minWorkers: 2', 'minWorkers: {{ .Values.minWorkers }}');
  writeFileSync(join(dir, 'templates', 'raycluster.yaml'), templated);
  return dir;
}
