// Each command's own bundle (dist/commands/NAME.mjs, which the launcher starts for a line naming NAME) against the
// chunked build of every command (dist/rayctl.mjs): the same command, the same output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { COMMAND_NAMES } from '../../src/cli/command-line.ts';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

function run(bundle: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [`${dist}${bundle}.mjs`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("a command's own bundle", () => {
  it('gives the help of its command, as the build of every command does', () => {
    const commands = COMMAND_NAMES.filter((c) => !c.needsAllCommands);
    assert.ok(commands.length > 15);
    for (const { name } of commands) {
      const own = run(`commands/${name}`, [name, '--help']);
      assert.equal(own.code, 0, `${name}: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^Usage: rayctl ${name}[ |]`));
      assert.equal(own.stdout, run('rayctl', [name, '--help']).stdout, name);
    }
  });

  it('renders the same manifests, with the built-in chart and with --chart (whose compiler it loads from a chunk)', () => {
    const chartDir = fileURLToPath(new URL('../../', import.meta.url));
    for (const args of [
      ['template', 'x', '-n', 'ray', '--set', 'podTypes.rayWorkerType.minWorkers=2'],
      ['template', 'x', '--chart', chartDir, '--cluster-only'],
    ]) {
      const own = run('commands/template', args);
      assert.equal(own.code, 0, own.stderr);
      assert.match(own.stdout, /kind: RayCluster/);
      assert.equal(own.stdout, run('rayctl', args).stdout, args.join(' '));
    }
  });

  it('says so, as a bug, when asked for another command, which it does not carry', () => {
    const other = run('commands/list', ['status', 'x']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /the bundle of "list" has no \.\/commands\/status\.ts/);
    assert.match(other.stderr, /looks like a bug in rayctl/);
  });
});
