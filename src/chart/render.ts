import yaml from 'js-yaml';
import { UserError } from '../errors.ts';
import { renderedName } from './chart.ts';
import { dumpBlockYaml } from './block-yaml.ts';
import { parseDocuments } from './documents.ts';
import type { CompiledChart } from './compile.ts';
import { withOwnership, type ReleaseRef, type RenderedObject } from './objects.ts';
import { sortForInstall } from './sort.ts';
import { isPlainObject, type Values } from './tree.ts';

export interface RenderInput {
  release: ReleaseRef;
  /** Chart defaults coalesced with the user's values, already validated. */
  values: Values;
}

/** What templates see, named as in Helm so chart authors feel at home. */
interface TemplateContext {
  Values: Values;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: { Name: string; Version: string; AppVersion: string };
  /** The chart's other files by name, for `chartFile`. */
  Files: Record<string, string>;
}

/**
 * Renders the chart's templates into objects in install order, each with Helm's ownership metadata.
 * Pure: the same chart and input give the same objects, with no I/O.
 */
export function renderChart(compiled: CompiledChart, input: RenderInput): RenderedObject[] {
  const rendered = renderTemplateTexts(compiled, input).flatMap(({ source, text }) =>
    parseDocuments(text, source).map((object) => ({ source, object: withOwnership(object, input.release) })),
  );
  return sortForInstall(rendered);
}

/** Each template's YAML text as it rendered, named as in Helm's `# Source:` lines. */
export function renderTemplateTexts(compiled: CompiledChart, input: RenderInput): { source: string; text: string }[] {
  const context = templateContext(compiled, input);
  return compiled.templates.map((template) => ({
    source: `${compiled.chart.metadata.name}/templates/${renderedName(template.name)}`,
    text: renderTemplate(template, context),
  }));
}

/** The chart's NOTES.txt for this release, or "" if it has none. */
export function renderNotes(compiled: CompiledChart, input: RenderInput): string {
  if (!compiled.notes) return '';
  try {
    return compiled.notes(templateContext(compiled, input));
  } catch (err) {
    throw new UserError(`template NOTES.txt.hbs failed to render: ${(err as Error).message}`);
  }
}

function templateContext(compiled: CompiledChart, input: RenderInput): TemplateContext {
  const { metadata } = compiled.chart;
  return {
    Values: input.values,
    Release: { Name: input.release.name, Namespace: input.release.namespace, Service: 'rayctl' },
    Chart: { Name: metadata.name, Version: metadata.version, AppVersion: metadata.appVersion ?? '' },
    Files: Object.fromEntries(compiled.chart.files.map((file) => [file.name, file.text])),
  };
}

/** Helm's manifest format: each object as `---`, a `# Source:` line, then its YAML. */
export function toManifest(objects: readonly RenderedObject[]): string {
  return objects.map(({ source, object }) => `---\n# Source: ${source}\n${objectToYaml(object)}`).join('');
}

/**
 * Strings that YAML 1.1 readers (PyYAML, Go's yaml.v2, old kubectl) take for numbers although js-yaml's YAML 1.2
 * does not: digits with underscores (`1_000`, `0x_1F`, `1_0.5`) and numbers with thousands commas. Declaring them
 * an implicit type makes js-yaml quote such strings when it writes them, so every reader gets a string back.
 */
const YAML11_NUMBER = new yaml.Type('tag:rayctl.io,2026:yaml11-number', {
  kind: 'scalar',
  resolve: (data: string | null) =>
    data !== null &&
    /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_,]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9_]+)$/.test(data) &&
    /[_,]/.test(data),
  construct: (data: string) => data,
});
/** How manifests are written; dumpBlockYaml writes the same text without js-yaml where it can. */
export const MANIFEST_DUMP_OPTIONS: yaml.DumpOptions = {
  lineWidth: -1,
  noRefs: true,
  quotingType: '"',
  schema: yaml.DEFAULT_SCHEMA.extend({ implicit: [YAML11_NUMBER] }),
};

export function objectToYaml(object: unknown): string {
  const long: string[] = [];
  const marker = `rayctl-long-string-${Math.random().toString(36).slice(2)}-`;
  const shortened = setAsideLongStrings(object, long, marker);
  const text = dumpBlockYaml(shortened) ?? yaml.dump(shortened, MANIFEST_DUMP_OPTIONS);
  if (long.length === 0) return text;
  return text.replace(new RegExp(`${marker}(\\d+)`, 'g'), (_, index: string) => JSON.stringify(long[Number(index)]));
}

/**
 * js-yaml (where dumpBlockYaml does not answer) looks at every character of a scalar, twice, to choose its style:
 * ~25 ms for the operator bundle's 170 KB of base64. Long one-line printable-ASCII strings are written double-quoted
 * instead: JSON's escapes of those characters (only \" and \\) are YAML's too. They are set aside behind a marker
 * that js-yaml writes plain, and put back after.
 */
const LONG_STRING = 1024;

function setAsideLongStrings(value: unknown, long: string[], marker: string): unknown {
  if (typeof value === 'string')
    return value.length >= LONG_STRING && /^[\x20-\x7e]*$/.test(value) ? `${marker}${long.push(value) - 1}` : value;
  if (Array.isArray(value)) return value.map((item) => setAsideLongStrings(item, long, marker));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, setAsideLongStrings(item, long, marker)]));
}

function renderTemplate(template: CompiledChart['templates'][number], context: TemplateContext): string {
  try {
    return template.render(context);
  } catch (err) {
    throw new UserError(`template ${template.name} failed to render: ${(err as Error).message}`);
  }
}
