// Each command's own bundle (dist/commands/NAME.cjs, which the launcher runs with its V8 code cache for a line
// naming NAME) against the chunked build of every command (dist/rayctl.mjs): the same command, the same output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { COMMAND_NAMES } from '../../src/cli/command-line.ts';
import { codeCacheFile, compileBundle } from '../../src/cli/run-bundle.ts';
import { RAYCTL_BIN } from './support/run-rayctl.ts';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const runBundle = fileURLToPath(new URL('support/run-bundle.ts', import.meta.url));
const reportBytecode = fileURLToPath(new URL('support/report-bytecode.mjs', import.meta.url));
const ownCommands = COMMAND_NAMES.filter((c) => !c.needsAllCommands);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: readonly string[]): Run {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** As users run it: bin/rayctl.cjs, whose launcher picks the command's own bundle. */
const rayctl = (args: readonly string[]): Run => node([RAYCTL_BIN, ...args]);
/** The chunked build of every command. */
const everyCommand = (args: readonly string[]): Run => node([`${dist}rayctl.mjs`, ...args]);
/** One bundle file, run as the launcher runs a command's bundle, whatever the arguments name. */
const bundle = (file: string, args: readonly string[]): Run => node(['--import', 'tsx', runBundle, file, ...args]);

const scratch = mkdtempSync(join(tmpdir(), 'rayctl-own-bundles-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("a command's own bundle", () => {
  it('gives the help of its command, as the build of every command does', () => {
    assert.ok(ownCommands.length > 15);
    for (const { name } of ownCommands) {
      const own = rayctl([name, '--help']);
      assert.equal(own.code, 0, `${name}: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^Usage: rayctl ${name}[ |]`));
      assert.equal(own.stdout, everyCommand([name, '--help']).stdout, name);
    }
  });

  it('renders the same manifests, with the built-in chart and with --chart (whose compiler it loads from a chunk)', () => {
    for (const args of [
      ['template', 'x', '-n', 'ray', '--set', 'podTypes.rayWorkerType.minWorkers=2'],
      ['template', 'x', '--chart', packageRoot, '--cluster-only'],
    ]) {
      const own = rayctl(args);
      assert.equal(own.code, 0, own.stderr);
      assert.match(own.stdout, /kind: RayCluster/);
      assert.equal(own.stdout, everyCommand(args).stdout, args.join(' '));
    }
  });

  it('says so, as a bug, when asked for another command, which it does not carry', () => {
    const other = bundle(`${dist}commands/list.cjs`, ['status', 'x']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /the bundle of "list" has no \.\/commands\/status\.ts/);
    assert.match(other.stderr, /looks like a bug in rayctl/);
  });

  it('has a V8 code cache that this node accepts, but the operator, which runs for days', () => {
    for (const { name } of ownCommands) {
      const file = `${dist}commands/${name}.cjs`;
      if (name === 'operator') {
        assert.throws(() => readFileSync(codeCacheFile(file)), { code: 'ENOENT' });
        continue;
      }
      // undefined, not false, when the cache is missing.
      assert.equal(compileBundle(file).cachedDataRejected, false, name);
    }
  });

  it('is run from its code cache: the bytecode of functions that never ran is there', () => {
    const bytecode = (bin: string): number => {
      const run = node(['--import', reportBytecode, bin, 'version', '--client']);
      assert.equal(run.code, 0, run.stderr);
      return Number(/^bytecode: (\d+)$/m.exec(run.stderr)![1]);
    };
    const copy = join(scratch, 'package');
    // What the npm package holds (package.json "files").
    for (const part of ['package.json', 'bin', 'dist', 'openapi', 'templates', 'values'])
      cpSync(join(packageRoot, part), join(copy, part), { recursive: true });
    rmSync(codeCacheFile(join(copy, 'dist', 'commands', 'version.cjs')));
    const cached = bytecode(RAYCTL_BIN);
    const compiled = bytecode(join(copy, 'bin', 'rayctl.cjs'));
    assert.ok(cached > compiled * 1.5, `${cached} bytes of bytecode from the cache, ${compiled} compiled at start-up`);
  });

  it('runs the same with a code cache that V8 refuses, or none', () => {
    const file = join(scratch, 'template.cjs');
    copyFileSync(`${dist}commands/template.cjs`, file);
    const args = ['template', 'x', '--set', 'podTypes.rayWorkerType.minWorkers=2'];
    const expected = rayctl(args);
    assert.equal(expected.code, 0, expected.stderr);
    // Garbage fails V8's own check of the cache (a magic number, V8's version, the source's length, a checksum).
    writeFileSync(codeCacheFile(file), Buffer.alloc(4096, 7));
    assert.equal(compileBundle(file).cachedDataRejected, true);
    assert.deepEqual(bundle(file, args), expected);
    rmSync(codeCacheFile(file));
    assert.deepEqual(bundle(file, args), expected);
  });

  it('names the TypeScript sources in stack traces with --debug', () => {
    const failed = rayctl(['--debug', 'template', 'x', '--set', 'podTypes.rayWorkerType.minWorkers=-1']);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /compiled without its code cache \(--debug, for source maps\)/);
    assert.match(failed.stderr, /\n {4}at .*src\/[\w/-]+\.ts:\d+:\d+/);
  });
});
