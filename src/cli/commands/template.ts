import { closeSync, constants, lstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/**
 * Writes each template's objects to DIR/<chart>/templates/<file>, as helm does, but safely: the path stays inside DIR
 * (the chart name must be a DNS label, no `..`), no symlink is followed (an attacker's link to ~/.bashrc stays a
 * link), and kernel file systems and files posing as the directory are refused with a clear error.
 */
function writeOutputDir(dir: string, objects: RenderedObject[]): void {
  const root = resolve(dir);
  if (/^\/(proc|sys|dev)(\/|$)/.test(root))
    throw new UserError(
      `--output-dir ${dir} is on a kernel file system (${root.split('/')[1]}); choose a directory of your own`,
    );
  const byFile = new Map<string, RenderedObject[]>();
  for (const object of objects) byFile.set(object.source, [...(byFile.get(object.source) ?? []), object]);
  for (const [source, fileObjects] of byFile) {
    const segments = source.split('/');
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(segments[0] ?? '') || segments.some((s) => s === '..' || s === ''))
      throw new UserError(
        `--output-dir: the chart's file ${JSON.stringify(source)} would not stay inside ${dir} (chart names must be DNS labels)`,
      );
    const path = resolve(root, ...segments);
    if (!path.startsWith(`${root}/`)) throw new UserError(`--output-dir: ${source} would be written outside ${dir}`);
    ensureDirectory(root, dir);
    let current = root;
    for (const segment of segments.slice(0, -1)) {
      current = join(current, segment);
      ensureDirectory(current, dir);
    }
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(
        `--output-dir: cannot write ${path} (${code === 'ELOOP' ? 'it is a symbolic link, which rayctl does not follow' : (code ?? 'error')})`,
      );
    }
    try {
      writeSync(fd, toManifest(fileObjects));
    } finally {
      closeSync(fd);
    }
    process.stdout.write(`wrote ${path}\n`);
  }
}

/** A directory that exists (created if missing) and is a real directory, not a file or a symbolic link. */
function ensureDirectory(path: string, asGiven: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UserError(`--output-dir ${asGiven}: cannot use ${path} (${(err as NodeJS.ErrnoException).code})`);
    try {
      // The directory given may be new, parents included; below it, one level at a time.
      mkdirSync(path, { recursive: path === resolve(asGiven) });
    } catch (mkdirErr) {
      throw new UserError(
        `--output-dir ${asGiven}: cannot create ${path} (${(mkdirErr as NodeJS.ErrnoException).code})`,
      );
    }
    return;
  }
  if (stat.isSymbolicLink() && path !== resolve(asGiven))
    throw new UserError(`--output-dir ${asGiven}: ${path} is a symbolic link, which rayctl does not follow`);
  if (!statSync(path).isDirectory())
    throw new UserError(`--output-dir ${asGiven}: ${path} exists and is not a directory`);
}
