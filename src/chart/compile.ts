import type { ErrorObject } from 'ajv';
import type { HelperDelegate, TemplateDelegate } from 'handlebars';
import { NOTES_TEMPLATE, type Chart } from './chart.ts';
import { TEMPLATE_HELPERS, WRITING_HELPERS } from './helpers.ts';
import type { RenderedObject } from './objects.ts';
import { chartCrds } from './documents.ts';

/** Validates values against the chart's schema; returns the problems (empty when valid). */
export type ValuesValidator = (values: unknown) => ErrorObject[];

/** Compiled at build time for the chart that ships in the bundle, so start-up loads no compiler. */
export interface Precompiled {
  /** Handlebars.precompile() output by file name (templates and partials). */
  templateSpecs: Record<string, object>;
  /** ajv standalone code for the values schema. */
  validate: ((values: unknown) => boolean) & { errors?: ErrorObject[] | null };
  /** The chart's CRDs already parsed: reading their YAML costs every install and template ~10 ms. */
  crds: RenderedObject[];
}

/** A chart whose templates and schema are ready to run; rendering and validation are then pure and synchronous. */
export interface CompiledChart {
  chart: Chart;
  templates: { name: string; render: (context: object) => string }[];
  /** Renders NOTES.txt (plain text, so without HTML escaping); absent if the chart has none. */
  notes?: (context: object) => string;
  validate: ValuesValidator;
  /** The chart's CRDs as objects (they are not templated). */
  crds: RenderedObject[];
}

interface HandlebarsEnv {
  registerHelper(helpers: Record<string, HelperDelegate>): void;
  registerPartial(name: string, partial: TemplateDelegate | string): void;
  template(spec: object): TemplateDelegate;
  compile?(text: string, options?: object): TemplateDelegate;
  SafeString: new (text: string) => object;
}

/**
 * Turns a loaded chart into runnable templates and a values validator. Uses the precompiled forms when the chart
 * has them; otherwise loads Handlebars' compiler and ajv, only now, because they cost start-up time.
 */
export async function compileChart(chart: Chart, precompiled?: Precompiled): Promise<CompiledChart> {
  // handlebars/runtime is the same API without the compiler (its typings re-export the full module's).
  const handlebars = precompiled ? await import('handlebars/runtime.js') : await import('handlebars');
  const env = (handlebars.default as unknown as { create(): HandlebarsEnv }).create();
  const compileFile = (name: string, text: string): TemplateDelegate => {
    const spec = precompiled?.templateSpecs[name];
    if (spec) return env.template(spec);
    if (!env.compile) throw new Error(`template ${name} was not precompiled`);
    return env.compile(text, compileOptions(name));
  };
  env.registerHelper(helpersFor(env));
  for (const partial of chart.partials) {
    env.registerPartial(partial.name.replace(/\.hbs$/, ''), compileFile(partial.name, partial.text));
  }
  return {
    chart,
    templates: chart.templates.map((file) => ({ name: file.name, render: compileFile(file.name, file.text) })),
    ...(chart.notes ? { notes: compileFile(chart.notes.name, chart.notes.text) } : {}),
    validate: precompiled ? wrapValidator(precompiled.validate) : await compileValidator(chart.schema),
    crds: precompiled?.crds ?? chartCrds(chart),
  };
}

async function compileValidator(schema: object | undefined): Promise<ValuesValidator> {
  if (!schema) return () => [];
  const ajv = await import('ajv');
  // CommonJS interop: Node gives the named export; the bundle gives only the default (module.exports, the class).
  const Ajv = (ajv.Ajv as typeof ajv.Ajv | undefined) ?? (ajv.default as unknown as typeof ajv.Ajv);
  return wrapValidator(new Ajv(AJV_OPTIONS).compile(schema));
}

/** Options for Handlebars' compiler, the same in the build's precompile: NOTES is text, so it is not escaped. */
export function compileOptions(name: string): { strict: false; noEscape: boolean } {
  return { strict: false, noEscape: name === NOTES_TEMPLATE };
}

/** The same options at run time and in the build's standalone code: error messages read `data`/`parentSchema`. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;

function wrapValidator(validate: Precompiled['validate']): ValuesValidator {
  return (values) => (validate(values) ? [] : [...(validate.errors ?? [])]);
}

/**
 * Handlebars passes an options object last; our helpers take only their own arguments. What a writing helper
 * returns is already serialised, so it is marked safe from Handlebars' HTML escaping.
 */
function helpersFor(env: HandlebarsEnv): Record<string, HelperDelegate> {
  return Object.fromEntries(
    Object.entries(TEMPLATE_HELPERS).map(([name, helper]) => {
      const call: (...args: unknown[]) => unknown = helper;
      const delegate = WRITING_HELPERS.has(name)
        ? (...args: unknown[]) => new env.SafeString(String(call(...args.slice(0, -1))))
        : (...args: unknown[]) => call(...args.slice(0, -1));
      return [name, delegate];
    }),
  );
}
