import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS, commandsToLoad } from '../../../src/cli/command-table.ts';
import { buildProgram } from '../../../src/cli/main.ts';

const names = (argv: string[]): string[] => commandsToLoad(argv).map((entry) => entry.name);
const everything = COMMANDS.map((entry) => entry.name);

describe('the commands a command line loads', () => {
  it('is the command it names, past root options and their values in every spelling', () => {
    assert.deepEqual(names(['install', 'x']), ['install']);
    assert.deepEqual(names(['-n', 'install', 'upgrade', 'x']), ['upgrade'], '"install" is the namespace here');
    assert.deepEqual(names(['--namespace', 'status', 'list']), ['list']);
    assert.deepEqual(names(['--namespace=status', 'list']), ['list']);
    assert.deepEqual(names(['-nstatus', 'list']), ['list']);
    assert.deepEqual(names(['--debug', '--kube-as-group', 'g', 'history', 'r']), ['history']);
    assert.deepEqual(names(['--', 'template', 'r']), ['template']);
  });

  it('finds a command by its alias', () => {
    assert.deepEqual(names(['ls', '-A']), ['list']);
    assert.deepEqual(names(['-n', 'ns', 'delete', 'r']), ['uninstall']);
  });

  it('loads nothing for the bare --version, and everything for help, a typo or completion', () => {
    assert.deepEqual(names(['--version']), []);
    assert.deepEqual(names(['--help']), everything);
    assert.deepEqual(names(['help', 'install']), everything);
    assert.deepEqual(names(['instal', 'x']), everything);
    assert.deepEqual(names(['__complete', 'install', '']), everything);
  });

  it("loads what the table names: each entry's command has the entry's name", async () => {
    for (const entry of COMMANDS) assert.equal((await entry.load()).name(), entry.name);
  });

  it('gives a program whose only command is the one the line runs', async () => {
    const program = await buildProgram(['-n', 'ray', 'delete', 'r']);
    assert.deepEqual(
      program.commands.map((c) => [c.name(), c.aliases()]),
      [['uninstall', ['delete']]],
    );
    const whole = await buildProgram();
    assert.deepEqual(
      whole.commands.map((c) => c.name()),
      everything,
    );
  });
});
