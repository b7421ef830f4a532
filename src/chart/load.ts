import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { UserError } from '../errors.ts';
import { packageRoot } from '../paths.ts';
import { NOTES_TEMPLATE, OPERATOR_BUNDLE_GZ, type Chart, type ChartFile, type ChartMetadata } from './chart.ts';
import { compileChart, type CompiledChart } from './compile.ts';
import { isPlainObject } from './tree.ts';
import { parseValuesFile } from './values.ts';

/** Set by the bundler (src/build/bundle.ts): the bundle carries the Ray chart precompiled. */
declare const __RAYCTL_BUNDLED__: boolean | undefined;

/** The Ray chart that ships with rayctl, ready to render. */
export async function loadBuiltinChart(): Promise<CompiledChart> {
  if (typeof __RAYCTL_BUNDLED__ !== 'undefined' && __RAYCTL_BUNDLED__) {
    const builtin = await import('rayctl:builtin-chart');
    return compileChart(builtin.chart, builtin.precompiled);
  }
  const chart = loadChart(packageRoot());
  return compileChart({ ...chart, files: [...chart.files, ...builtinFiles(packageRoot())] });
}

/**
 * Files the built-in chart carries besides its templates: the gzipped operator bundle that `npm run build` writes
 * (dist/operator.mjs.gz), base64-encoded, which the chart ships in a ConfigMap. Missing before the first build.
 */
export function builtinFiles(root: string): ChartFile[] {
  const bundle = join(root, 'dist', OPERATOR_BUNDLE_GZ);
  return existsSync(bundle) ? [{ name: OPERATOR_BUNDLE_GZ, text: readFileSync(bundle).toString('base64') }] : [];
}

/** A chart directory given with --chart, ready to render. */
export async function loadChartDir(dir: string): Promise<CompiledChart> {
  return compileChart(loadChart(dir));
}

/**
 * Loads a chart laid out like rayctl's repository: `templates/` (Chart.yaml, *.hbs, _partials.hbs, crds/*.yaml)
 * and `values/` (values.yaml, optional values.schema.json).
 */
export function loadChart(dir: string): Chart {
  const templatesDir = join(dir, 'templates');
  const valuesDir = join(dir, 'values');
  const chartYaml = join(templatesDir, 'Chart.yaml');
  if (!existsSync(chartYaml)) {
    throw new UserError(
      `${dir} is not a chart: ${chartYaml} does not exist`,
      'a chart directory holds templates/Chart.yaml, templates/*.yaml.hbs and values/values.yaml',
    );
  }
  const metadata = parseChartMetadata(readFileSync(chartYaml, 'utf8'), chartYaml);
  const hbsFiles = readdirSync(templatesDir)
    .filter((name) => name.endsWith('.hbs'))
    .sort();
  const read = (name: string): ChartFile => ({ name, text: readFileSync(join(templatesDir, name), 'utf8') });
  const crdsDir = join(templatesDir, 'crds');
  const crds = existsSync(crdsDir)
    ? readdirSync(crdsDir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => read(`crds/${name}`))
    : [];
  const filesDir = join(dir, 'files');
  const files = existsSync(filesDir)
    ? readdirSync(filesDir)
        .sort()
        .map((name) => ({ name, text: readFileSync(join(filesDir, name), 'utf8') }))
    : [];
  const valuesFile = join(valuesDir, 'values.yaml');
  const valuesText = existsSync(valuesFile) ? readFileSync(valuesFile, 'utf8') : '';
  const schemaFile = join(valuesDir, 'values.schema.json');
  const schemaText = existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : undefined;
  return {
    metadata,
    templates: hbsFiles.filter((name) => !name.startsWith('_') && name !== NOTES_TEMPLATE).map(read),
    ...(hbsFiles.includes(NOTES_TEMPLATE) ? { notes: read(NOTES_TEMPLATE) } : {}),
    partials: hbsFiles.filter((name) => name.startsWith('_')).map(read),
    crds,
    files,
    defaults: parseValuesFile(valuesText, valuesFile),
    valuesText,
    ...(schemaText === undefined ? {} : { schema: parseSchema(schemaText, schemaFile), schemaText }),
  };
}

function parseChartMetadata(text: string, source: string): ChartMetadata {
  const parsed = yaml.load(text, { filename: source });
  if (!isPlainObject(parsed)) throw new UserError(`${source} must be a map with name and version`);
  const { name, version } = parsed;
  if (typeof name !== 'string' || name === '') throw new UserError(`${source}: name is required`);
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new UserError(`${source}: version must be a semantic version like 1.2.3, got ${JSON.stringify(version)}`);
  }
  return { apiVersion: 'v2', ...(parsed as Partial<ChartMetadata>), name, version };
}

function parseSchema(text: string, source: string): object {
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new UserError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}
