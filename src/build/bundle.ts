// Bundles the CLI with esbuild into dist/: one minified file starts several times faster than hundreds of modules
// from node_modules, and the built-in chart is precompiled into it (Handlebars specs, ajv standalone validator) so
// no compiler loads at start-up (ADR 0001, docs/architecture.md "Two bundles"). Libraries only some commands need stay behind
// dynamic imports, which esbuild splits into chunks loaded on demand.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import Handlebars from 'handlebars';
import { OPERATOR_BUNDLE, OPERATOR_BUNDLE_GZ } from '../chart/chart.ts';
import { AJV_OPTIONS, compileOptions } from '../chart/compile.ts';
import { builtinFiles, loadChart } from '../chart/load.ts';
import { chartCrds } from '../chart/documents.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function builtinChartPlugin(): Plugin {
  return {
    name: 'rayctl-builtin-chart',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^rayctl:(builtin-chart|values-validator)$/ }, (args) => ({
        path: args.path,
        namespace: 'rayctl-virtual',
      }));
      pluginBuild.onLoad({ filter: /^rayctl:builtin-chart$/, namespace: 'rayctl-virtual' }, () => {
        // The operator bundle is built first (below), so the chart can carry it.
        const loaded = loadChart(root);
        const chart = { ...loaded, files: [...loaded.files, ...builtinFiles(root)] };
        const specs = [...chart.templates, ...chart.partials, ...(chart.notes ? [chart.notes] : [])]
          // precompile() returns JavaScript source text (its typings say TemplateSpecification).
          .map(
            (file) =>
              `${JSON.stringify(file.name)}: ${Handlebars.precompile(file.text, compileOptions(file.name)) as unknown as string}`,
          )
          .join(',\n');
        return {
          contents: [
            `import validate from 'rayctl:values-validator';`,
            `export const chart = ${JSON.stringify(chart)};`,
            `export const precompiled = { templateSpecs: {${specs}}, validate, crds: ${JSON.stringify(chartCrds(chart))} };`,
          ].join('\n'),
          loader: 'js',
          resolveDir: root,
        };
      });
      pluginBuild.onLoad({ filter: /^rayctl:values-validator$/, namespace: 'rayctl-virtual' }, () => {
        const { schema } = loadChart(root);
        const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
        const validate = ajv.compile(schema ?? {});
        return { contents: standalone.default(ajv, validate), loader: 'js', resolveDir: root };
      });
    },
  };
}

/**
 * commander requires node:child_process when it loads, for subcommands that are executables of their own (rayctl has
 * none); that module brings net, dgram and more: ~5 ms of every command's start. It gets a stand-in that loads the
 * module on first use.
 */
function lazyChildProcessForCommander(): Plugin {
  return {
    name: 'rayctl-lazy-child-process',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
        /node_modules\/commander\//.test(args.importer)
          ? { path: 'lazy-child-process', namespace: 'rayctl-virtual' }
          : undefined,
      );
      pluginBuild.onLoad({ filter: /^lazy-child-process$/, namespace: 'rayctl-virtual' }, () => ({
        contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
        loader: 'js',
      }));
    },
  };
}

// Bundled CommonJS dependencies (gRPC in the operator, several in the CLI) call require(); give ESM output one.
const REQUIRE_BANNER = {
  js: "import{createRequire as __rayctlRequire}from'node:module';const require=__rayctlRequire(import.meta.url);",
};

rmSync(join(root, 'dist'), { recursive: true, force: true });

// The operator alone, one self-contained file the chart ships in a ConfigMap (ADR 0006). client-node stays out:
// in a pod the operator authenticates with its ServiceAccount token, which our own loader reads.
const operator = await build({
  absWorkingDir: root,
  entryPoints: { operator: 'src/operator/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // @grpc/proto-loader (and protobufjs under it, ~110 KB) serves only gRPC's server-side channelz and ORCA, which
  // grpc-js requires lazily, inside the functions that build them; the operator is a client and never calls them.
  external: ['@kubernetes/client-node', '@grpc/proto-loader'],
  banner: REQUIRE_BANNER,
  metafile: true,
  logLevel: 'warning',
});
const cliOnly = Object.keys(operator.metafile.inputs).filter((input) =>
  /node_modules\/(commander|chalk|handlebars|ajv|@kubernetes)\/|src\/cli\//.test(input),
);
if (cliOnly.length > 0) throw new Error(`the operator bundle pulled in CLI-only code: ${cliOnly.join(', ')}`);
// What the chart ships (OPERATOR_BUNDLE_GZ): gzip output is the same for the same input, so is the chart.
writeFileSync(
  join(root, 'dist', OPERATOR_BUNDLE_GZ),
  gzipSync(readFileSync(join(root, 'dist', OPERATOR_BUNDLE)), { level: 9 }),
);

await build({
  absWorkingDir: root,
  entryPoints: { rayctl: 'src/cli/entry.ts', version: 'src/cli/version-entry.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  define: {
    __RAYCTL_BUNDLED__: 'true',
    __RAYCTL_VERSION__: JSON.stringify(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    ),
  },
  plugins: [builtinChartPlugin(), lazyChildProcessForCommander()],
  banner: REQUIRE_BANNER,
  logLevel: 'warning',
});
