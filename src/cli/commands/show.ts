import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import { loadBuiltinChart, loadChart } from '../../chart/load.ts';
import { objectToYaml } from '../../chart/render.ts';
import { UserError } from '../../errors.ts';

const WHAT = ['values', 'chart', 'crds', 'schema'] as const;
type What = (typeof WHAT)[number];

export function showCommand(): Command {
  return new Command('show')
    .summary("print the chart's default values, metadata, CRDs or values schema")
    .addArgument(new Argument('<what>', 'what to show').choices(WHAT))
    .option('--chart <dir>', 'show another chart directory of the same layout')
    .addHelpText(
      'after',
      `
Examples:
  rayctl show values > my-values.yaml     # start your own values file from the commented defaults
  rayctl show crds | kubectl apply -f -   # install the RayCluster CRD by hand`,
    )
    .action(async (what: What, flags: { chart?: string }) => {
      const chart = flags.chart ? loadChart(resolve(flags.chart)) : (await loadBuiltinChart()).chart;
      switch (what) {
        case 'values':
          process.stdout.write(chart.valuesText);
          return;
        case 'chart':
          process.stdout.write(objectToYaml(chart.metadata));
          return;
        case 'crds':
          process.stdout.write(
            chart.crds.map((crd) => `---\n# Source: ${chart.metadata.name}/${crd.name}\n${crd.text}`).join(''),
          );
          return;
        case 'schema':
          if (chart.schemaText === undefined)
            throw new UserError(`chart ${chart.metadata.name} has no values/values.schema.json`);
          process.stdout.write(chart.schemaText);
          return;
      }
    });
}
