import { Command, Option } from 'commander';
import yaml from 'js-yaml';
import { renderRelease } from '../../actions/render.ts';
import { clusterVersions } from '../../actions/version.ts';
import { loadBuiltinChart } from '../../chart/load.ts';
import { RAYCTL_VERSION } from '../../version.ts';
import { connectFromFlags } from '../cluster-flags.ts';
import { formatTable, OUTPUT_FORMATS, type OutputFormat } from '../output.ts';

const CRD_ADVICE: Record<string, string> = {
  same: "same as this rayctl's",
  older: "older than this rayctl's: `rayctl upgrade` of the release that installs the operator updates it",
  newer: "newer than this rayctl's: upgrade rayctl",
  different: "differs from this rayctl's",
  missing: 'not installed: `rayctl install` installs it',
};

export function versionCommand(): Command {
  return new Command('version')
    .summary("rayctl's version and, given a cluster, its operators' versions and whether its CRD is older")
    .description(
      "Prints rayctl's version. Unless --client: the API server's version, every Ray operator in the cluster with the\n" +
        "rayctl version that installed it, and whether the installed RayCluster CRD is older than this rayctl's.",
    )
    .option('--client', "only rayctl's own version; do not contact a cluster")
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExamples:\n  rayctl version\n  rayctl version --client -o json')
    .action(async (flags: { client?: boolean; output: OutputFormat }, cmd: Command) => {
      const client = { version: RAYCTL_VERSION };
      if (flags.client) {
        process.stdout.write(
          flags.output === 'table' ? `rayctl ${client.version}\n` : serialize({ client }, flags.output),
        );
        return;
      }
      const chart = await loadBuiltinChart();
      const [crd] = renderRelease(chart, { name: 'version', namespace: 'default' }, { clusterOnly: true }).crds;
      // Like kubectl: the client's version is known even when the cluster cannot be reached.
      if (flags.output === 'table') process.stdout.write(`rayctl ${client.version}\n`);
      const { ctx } = await connectFromFlags(cmd);
      try {
        const cluster = await clusterVersions(ctx, crd!);
        if (flags.output !== 'table') {
          process.stdout.write(serialize({ client, cluster }, flags.output));
          return;
        }
        const rows = cluster.operators.map((o) => [
          o.namespace,
          o.deployment,
          o.scope,
          o.release ? `${o.release.namespace}/${o.release.name}` : '(none)',
          o.version ?? 'unknown',
          o.ready ?? '',
        ]);
        process.stdout.write(
          `Kubernetes ${cluster.server}\n` +
            `CRD ${cluster.crd.name}: ${CRD_ADVICE[cluster.crd.state]}` +
            (cluster.crd.detail.length ? ` (${cluster.crd.detail.join(', ')})` : '') +
            '\n' +
            (rows.length
              ? `\n${formatTable(['NAMESPACE', 'OPERATOR', 'SCOPE', 'RELEASE', 'VERSION', 'READY'], rows)}`
              : 'no Ray operator is installed\n'),
        );
      } finally {
        ctx.client.close();
      }
    });
}

function serialize(value: unknown, format: Exclude<OutputFormat, 'table'>): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : yaml.dump(value);
}
