import type { Chart } from '../chart/chart.ts';
import type { StoredChart } from './model.ts';

const base64 = (text: string) => Buffer.from(text).toString('base64');

/**
 * The chart as Helm records it in each revision: templates under templates/, CRDs as files under crds/, the
 * default values parsed, the schema as bytes. Lets `helm get`/`helm rollback` work on rayctl's releases.
 */
export function storedChart(chart: Chart): StoredChart {
  return {
    metadata: chart.metadata,
    lock: null,
    templates: [...chart.templates, ...chart.partials, ...(chart.notes ? [chart.notes] : [])].map((file) => ({
      name: `templates/${file.name}`,
      data: base64(file.text),
    })),
    values: chart.defaults,
    ...(chart.schemaText === undefined ? {} : { schema: base64(chart.schemaText) }),
    files: chart.crds.map((file) => ({ name: file.name, data: base64(file.text) })),
  };
}
