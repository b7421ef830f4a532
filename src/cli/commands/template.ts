import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { renderRelease } from '../../actions/render.ts';
import { loadBuiltinChart, loadChartDir } from '../../chart/load.ts';
import type { RenderedObject } from '../../chart/objects.ts';
import { toManifest } from '../../chart/render.ts';
import { userSuppliedValues } from '../../chart/values.ts';
import { UserError } from '../../errors.ts';
import { checkNamespaceName, checkReleaseName } from '../../release/names.ts';
import { globalFlags } from '../global-flags.ts';
import { addValuesOptions, readValuesInput, valuesInputFromFlags, type ValuesFlags } from '../values-flags.ts';

interface TemplateFlags extends ValuesFlags {
  includeCrds?: boolean;
  showOnly: string[];
  outputDir?: string;
  chart?: string;
}

/** Helm's default release name for `helm template` without one. */
const DEFAULT_RELEASE = 'release-name';

export function templateCommand(): Command {
  const command = new Command('template')
    .summary('render the chart to Kubernetes manifests, for kubectl apply')
    .description(
      'Render the Ray chart locally and print the manifests (Helm manifest format), or write one file per template\n' +
        'with --output-dir. Nothing is sent to a cluster: this is "Deploying without Helm".',
    )
    .argument('[release]', 'release name; the RayCluster is named after it', DEFAULT_RELEASE)
    .option('--include-crds', 'also print the RayCluster CRD (install it once per Kubernetes cluster)')
    .option(
      '-s, --show-only <file>',
      'only the objects from this template, e.g. templates/raycluster.yaml (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--output-dir <dir>', 'write each template to DIR/<chart>/templates/<file> instead of stdout')
    .option('--chart <dir>', 'render another chart directory of the same layout (templates/, values/)');
  addValuesOptions(command);
  return command
    .addHelpText(
      'after',
      `
Examples:
  # The cluster-scoped operator, for "kubectl apply -f" (install the CRD first):
  rayctl template --include-crds --show-only crds/rayclusters.cluster.ray.io.yaml | kubectl apply -f -
  rayctl template ray-operator --operator-only | kubectl apply -f -

  # A Ray cluster in namespace ray, with no minimum workers:
  rayctl template example-cluster -n ray --cluster-only --min-workers rayWorkerType=0

  # A namespaced operator and a cluster in namespace ray:
  rayctl template example-cluster -n ray --namespaced-operator`,
    )
    .action(async (release: string, flags: TemplateFlags, cmd: Command) => {
      const { namespace } = globalFlags(cmd);
      const ns = namespace ?? 'default';
      checkReleaseName(release);
      checkNamespaceName(ns);
      const compiled = flags.chart ? await loadChartDir(resolve(flags.chart)) : await loadBuiltinChart();
      const userValues = userSuppliedValues(valuesInputFromFlags(flags), readValuesInput);
      const rendered = renderRelease(compiled, { name: release, namespace: ns }, userValues);
      const all = flags.includeCrds ? [...rendered.crds, ...rendered.objects] : rendered.objects;
      const selected =
        flags.showOnly.length > 0 ? selectSources(all, flags.showOnly, compiled.chart.metadata.name) : all;
      if (flags.outputDir) writeOutputDir(flags.outputDir, selected);
      else process.stdout.write(toManifest(selected));
    });
}

/** `--show-only templates/raycluster.yaml`, `raycluster.yaml` or `ray/templates/raycluster.yaml` all match. */
function selectSources(objects: RenderedObject[], wanted: string[], chartName: string): RenderedObject[] {
  const sources = [...new Set(objects.map((o) => o.source))];
  const selected = new Set<string>();
  for (const name of wanted) {
    const match = sources.filter((s) => s === name || s === `${chartName}/${name}` || s.endsWith(`/${name}`));
    if (match.length === 0) {
      throw new UserError(
        `--show-only ${name}: no object was rendered from that template`,
        `templates that rendered objects with these values: ${sources.map((s) => s.slice(chartName.length + 1)).join(', ')}`,
      );
    }
    for (const source of match) selected.add(source);
  }
  return objects.filter((o) => selected.has(o.source));
}

function writeOutputDir(dir: string, objects: RenderedObject[]): void {
  const byFile = new Map<string, RenderedObject[]>();
  for (const object of objects) byFile.set(object.source, [...(byFile.get(object.source) ?? []), object]);
  for (const [source, fileObjects] of byFile) {
    const path = join(dir, source);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, toManifest(fileObjects));
    process.stdout.write(`wrote ${path}\n`);
  }
}
