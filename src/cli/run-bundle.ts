import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * What a command's bundle (dist/commands/NAME.cjs, made by src/build/bundle.ts) is: the whole command as one
 * function, given the require() its Node modules come from, the bundle's own URL (for `import.meta.url`) and an
 * import() for the chunks of the rare libraries (a script run by node:vm may not call import() in Node 20).
 */
type CommandBundle = (
  require: NodeJS.Require,
  bundleUrl: string,
  importChunk: (specifier: string) => Promise<unknown>,
) => void;

/** Where the V8 code cache of a command's bundle is: next to it (src/build/code-cache.ts writes it). */
export const codeCacheFile = (bundleFile: string): string => `${bundleFile}.v8`;

/**
 * Runs a command's bundle with the V8 code cache the build made for it: Node 20 has no code cache for ES modules, and
 * compiling a command (~540 KB) and then each function it calls took 25–40 ms of every run. V8 refuses a cache from
 * another V8 or with other V8 flags (NODE_OPTIONS), and the bundle then compiles as if there were none. It checks
 * the source by its length only: the build writes both files together.
 * With --debug the bundle is loaded by require() instead, which gives its stack traces the source map (node:vm
 * does not), without a cache.
 */
export function runCommandBundle(bundleUrl: URL, debug: boolean): void {
  const filename = fileURLToPath(bundleUrl);
  const require = createRequire(bundleUrl);
  const importChunk = (specifier: string): Promise<unknown> => import(new URL(specifier, bundleUrl).href);
  if (debug) {
    process.stderr.write(`start: ${filename}, compiled without its code cache (--debug, for source maps)\n`);
    (require(filename) as CommandBundle)(require, bundleUrl.href, importChunk);
    return;
  }
  (compileBundle(filename).runInThisContext() as CommandBundle)(require, bundleUrl.href, importChunk);
}

/** A command's bundle compiled with its code cache, if it has one (`cachedDataRejected` says whether V8 took it). */
export function compileBundle(filename: string): Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheFile(filename));
  } catch {
    // A build whose caches a fresh node refused has none (src/build/code-cache.ts): the same, only slower.
  }
  return new Script(readFileSync(filename, 'utf8'), { filename, cachedData });
}
