// The V8 code caches of the command bundles (src/cli/run-bundle.ts loads them). Each holds the bytecode of every
// function in its bundle, so a command compiles nothing at start-up: V8 compiles a function only when it is first
// called, and a cache made right after compiling would hold the top level alone (it saved ~25 ms of upgrade's 235,
// against ~35 ms for one with every function; one made after a real run saved ~45, but the build has no cluster).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { codeCacheFile } from '../cli/run-bundle.ts';

export function writeCodeCaches(bundleFiles: readonly string[]): void {
  for (const file of bundleFiles) {
    // Compiling with --no-lazy makes every function's bytecode. V8 refuses a cache made under other flags, so they
    // are back to the default before the cache is serialised; the check below proves a plain node accepts it.
    setFlagsFromString('--no-lazy');
    let script: Script;
    try {
      script = new Script(readFileSync(file, 'utf8'), { filename: file });
    } finally {
      setFlagsFromString('--lazy');
    }
    writeFileSync(codeCacheFile(file), script.createCachedData());
  }
  const refused = refusedByFreshNode(bundleFiles);
  if (refused.length > 0) {
    for (const file of bundleFiles) rmSync(codeCacheFile(file), { force: true });
    process.stderr.write(
      `warning: a fresh node refuses the code caches of ${refused.join(', ')}; the commands will run without any ` +
        '(each compiles at start-up, 30-45 ms slower)\n',
    );
  }
}

/** The bundles whose caches a node started as `rayctl` starts it (no flags) would not use. */
function refusedByFreshNode(bundleFiles: readonly string[]): string[] {
  const check = `
    const { readFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const refused = JSON.parse(process.argv[1]).filter(([file, cache]) =>
      new Script(readFileSync(file, 'utf8'), { filename: file, cachedData: readFileSync(cache) }).cachedDataRejected);
    process.stdout.write(JSON.stringify(refused.map(([file]) => file)));`;
  const pairs = bundleFiles.map((file) => [file, codeCacheFile(file)]);
  const result = spawnSync(process.execPath, ['-e', check, JSON.stringify(pairs)], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (result.status !== 0) throw new Error(`checking the code caches failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}
