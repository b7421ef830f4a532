// Bundles the CLI with esbuild into dist/: one minified file starts several times faster than hundreds of modules
// from node_modules, and the built-in chart is precompiled into it (Handlebars specs, ajv standalone validator) so
// no compiler loads at start-up (ADR 0001, docs/architecture.md "The bundles"). Libraries only some commands need stay behind
// dynamic imports, which esbuild splits into chunks loaded on demand.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type BuildOptions, type Metafile, type OnLoadResult, type Plugin } from 'esbuild';
import Handlebars from 'handlebars';
import { OPERATOR_BUNDLE, OPERATOR_BUNDLE_GZ } from '../chart/chart.ts';
import { writeCodeCaches } from './code-cache.ts';
import { AJV_OPTIONS, compileOptions } from '../chart/compile.ts';
import { builtinFiles, loadChart } from '../chart/load.ts';
import { chartCrds } from '../chart/documents.ts';
import { COMMAND_NAMES } from '../cli/command-line.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function builtinChartPlugin(): Plugin {
  // Made once for all the CLI's builds that use this plugin: precompiling and the standalone validator take a while.
  const made = new Map<string, OnLoadResult>();
  const once = (key: string, make: () => OnLoadResult): OnLoadResult =>
    made.get(key) ?? made.set(key, make()).get(key)!;
  return {
    name: 'rayctl-builtin-chart',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^rayctl:(builtin-chart|values-validator)$/ }, (args) => ({
        path: args.path,
        namespace: 'rayctl-virtual',
      }));
      pluginBuild.onLoad({ filter: /^rayctl:builtin-chart$/, namespace: 'rayctl-virtual' }, () =>
        once('chart', () => {
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
        }),
      );
      pluginBuild.onLoad({ filter: /^rayctl:values-validator$/, namespace: 'rayctl-virtual' }, () =>
        once('validator', () => {
          const { schema } = loadChart(root);
          const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
          const validate = ajv.compile(schema ?? {});
          return { contents: standalone.default(ajv, validate), loader: 'js', resolveDir: root };
        }),
      );
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

/**
 * Node's own modules through require() instead of ESM imports, in a bundle of one file: there, esbuild hoists every
 * module's imports to the top, so the modules of a rarely taken path (chalk's node:tty for an error) would load at
 * every start; a require() runs only when the module that needs it does. It also skips the ESM facade Node builds
 * over each built-in module's exports.
 */
function builtinsByRequire(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'rayctl-builtins-by-require',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[\w:/]+$/ }, (args) => {
        if (!builtins.has(args.path.replace(/^node:/, ''))) return undefined;
        // The stand-in's own require() is Node's.
        if (args.namespace === 'rayctl-builtin') return { path: args.path, external: true };
        return { path: args.path, namespace: 'rayctl-builtin' };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'rayctl-builtin' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/** In a command's own bundle, the command table's other commands: a module that says so, should one ever be loaded. */
function onlyCommand(name: string): Plugin {
  return {
    name: 'rayctl-only-command',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\/commands\/[\w-]+\.ts$/ }, (args) =>
        args.importer.endsWith(join('src', 'cli', 'command-table.ts')) && args.path !== `./commands/${name}.ts`
          ? { path: args.path, namespace: 'rayctl-other-command' }
          : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'rayctl-other-command' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`rayctl: the bundle of "${name}" has no ${args.path}`)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Libraries that a few rare paths load on demand: Handlebars' compiler and ajv (`--chart DIR`), client-node (kubeconfigs
 * with exec plugins), ~3.6 MB together. A command's own bundle imports them from the chunked build's chunks instead
 * of carrying a copy each. Those chunks must hold no rayctl code: a second copy of a rayctl class would fail
 * `instanceof` against the first.
 */
const LIBRARIES_FROM_CHUNKS = /^(ajv|handlebars|@kubernetes\/client-node)$/;

function librariesFromChunks(chunked: Metafile, outdir: string): Plugin {
  return {
    name: 'rayctl-libraries-from-chunks',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: LIBRARIES_FROM_CHUNKS }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData === 'resolving') return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        const entryPoint = relative(root, resolved.path);
        const chunk = Object.keys(chunked.outputs).find((output) => chunked.outputs[output]!.entryPoint === entryPoint);
        if (!chunk) throw new Error(`the chunked build has no chunk for ${args.path} (${entryPoint})`);
        const rayctlCode = staticClosure(chunked, chunk).filter((input) => input.startsWith('src/'));
        if (rayctlCode.length > 0)
          throw new Error(`the chunk of ${args.path} holds rayctl code: ${rayctlCode.join(', ')}`);
        return { path: `./${relative(outdir, chunk)}`, external: true };
      });
    },
  };
}

/** The inputs of an output and of every output it imports statically. */
function staticClosure(metafile: Metafile, output: string, seen = new Set<string>()): string[] {
  if (seen.has(output)) return [];
  seen.add(output);
  const { inputs, imports } = metafile.outputs[output]!;
  return [
    ...Object.keys(inputs),
    ...imports
      .filter((imported) => imported.kind === 'import-statement' && !imported.external)
      .flatMap((imported) => staticClosure(metafile, imported.path, seen)),
  ];
}

// Bundled CommonJS dependencies (gRPC in the operator, several in the CLI) call require(); give ESM output one.
const REQUIRE_BANNER = {
  js: "import{createRequire as __rayctlRequire}from'node:module';const require=__rayctlRequire(import.meta.url);",
};

/**
 * The parameters of the function a command's bundle is (src/cli/run-bundle.ts calls it): the bundle's URL stands in
 * for `import.meta.url`, and the rare libraries' chunks load through the launcher's import(), since a script run by
 * node:vm may not call import() itself in Node 20 (not without --experimental-vm-modules).
 */
const BUNDLE_URL = '__rayctlBundleUrl';
/** The launcher's `import.meta.url`, which CommonJS lacks. */
const LAUNCHER_URL = '__rayctlLauncherUrl';
/** As long as `import`, so replacing one with the other keeps the source map's columns. */
const CHUNK_IMPORT = '$chunk';

/** A command bundle's `import("./../chunks/…")` calls, made through CHUNK_IMPORT; each one esbuild left, exactly. */
function importChunksThroughLauncher(text: string, metafile: Metafile): string {
  const dynamicImports = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((imported) => imported.kind === 'dynamic-import' && imported.external),
  );
  let replaced = text;
  for (const path of new Set(dynamicImports.map((imported) => imported.path))) {
    if (!path.startsWith('./../chunks/')) throw new Error(`a command bundle imports ${path} dynamically`);
    const call = `import(${JSON.stringify(path)})`;
    if (!replaced.includes(call)) throw new Error(`a command bundle lacks the call ${call}`);
    replaced = replaced.replaceAll(call, `${CHUNK_IMPORT}(${JSON.stringify(path)})`);
  }
  return replaced;
}

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

// What every CLI bundle shares.
const CLI_OPTIONS = {
  absWorkingDir: root,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  define: {
    __RAYCTL_BUNDLED__: 'true',
    __RAYCTL_VERSION__: JSON.stringify(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    ),
  },
  banner: REQUIRE_BANNER,
  logLevel: 'warning',
} satisfies BuildOptions;
const builtinChart = builtinChartPlugin();

// Every command, split into chunks: help, typos and completion run from here, and the commands' own bundles
// (below) load the rare libraries' chunks from it.
const chunked = await build({
  ...CLI_OPTIONS,
  entryPoints: { rayctl: 'src/cli/entry.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  sourcemap: 'linked',
  plugins: [builtinChart, lazyChildProcessForCommander()],
  metafile: true,
});

// The launcher, which bin/rayctl.cjs starts: command-line.ts, run-bundle.ts and the version alone, so picking and
// starting a bundle loads nothing else. CommonJS, like the command bundles: starting through ES modules costs Node's
// ESM loader ~10 ms.
const launcher = await build({
  ...CLI_OPTIONS,
  entryPoints: { launch: 'src/cli/launch.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { ...CLI_OPTIONS.define, 'import.meta.url': LAUNCHER_URL },
  banner: { js: `"use strict";const ${LAUNCHER_URL}=require("node:url").pathToFileURL(__filename).href;` },
  metafile: true,
});
const launcherInputs = Object.keys(launcher.metafile.inputs);
if (launcherInputs.some((input) => !/^src\/(cli\/(launch|command-line|run-bundle)|version)\.ts$/.test(input)))
  throw new Error(`the launcher pulled in more than it should: ${launcherInputs.join(', ')}`);

// A bundle of its own for each command but those that need them all (completion's __complete): one file, the same
// code as the chunked build with the other commands left out. It is not an ES module but one function, which
// src/cli/run-bundle.ts runs through node:vm with a V8 code cache (Node 20 caches no ES module).
const cachedBundles: string[] = [];
for (const command of COMMAND_NAMES.filter((c) => !c.needsAllCommands)) {
  const { metafile } = await build({
    ...CLI_OPTIONS,
    entryPoints: { [command.name]: 'src/cli/entry.ts' },
    outdir: 'dist/commands',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    define: { ...CLI_OPTIONS.define, 'import.meta.url': BUNDLE_URL },
    // Evaluated by node:vm, the script's value is the function; required (--debug, for source maps), its export.
    banner: {
      js: `(typeof module=="object"?f=>module.exports=f:f=>f)(function(require,${BUNDLE_URL},${CHUNK_IMPORT}){`,
    },
    footer: { js: '})' },
    sourcemap: 'linked',
    // The maps name src/ for --debug's stack traces; the sources themselves are in the chunked build's maps.
    sourcesContent: false,
    plugins: [
      builtinChart,
      lazyChildProcessForCommander(),
      onlyCommand(command.name),
      builtinsByRequire(),
      librariesFromChunks(chunked.metafile, 'dist/commands'),
    ],
    metafile: true,
  });
  if (!(`src/cli/commands/${command.name}.ts` in metafile.inputs))
    throw new Error(`the bundle of "${command.name}" lacks src/cli/commands/${command.name}.ts`);
  const file = join(root, 'dist', 'commands', `${command.name}.cjs`);
  writeFileSync(file, importChunksThroughLauncher(readFileSync(file, 'utf8'), metafile));
  // `rayctl operator` runs for days, so its start-up hardly counts, and its cache would be the largest (1.9 MB).
  if (command.name !== 'operator') cachedBundles.push(file);
}
writeCodeCaches(cachedBundles);
