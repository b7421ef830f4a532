import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandWord, launchFor, ROOT_OPTIONS } from '../../../src/cli/command-line.ts';
import { buildProgram } from '../../../src/cli/main.ts';

describe('the command word of a command line', () => {
  it('skips the value of every root option that takes one, in each spelling, and nothing after a flag without one', () => {
    assert.equal(commandWord(['--kubeconfig', 'list', 'status']), 'status');
    assert.equal(commandWord(['--kube-context', 'list', 'status']), 'status');
    assert.equal(commandWord(['--qps', '5', '--burst-limit', '3', 'list']), 'list');
    assert.equal(commandWord(['--kube-insecure-skip-tls-verify', 'list']), 'list');
    assert.equal(commandWord(['--debug', 'list']), 'list');
    assert.equal(commandWord(['-n', 'install', 'upgrade']), 'upgrade');
    assert.equal(commandWord(['-nfoo', 'upgrade']), 'upgrade');
    assert.equal(commandWord(['--namespace=foo', 'upgrade']), 'upgrade');
    assert.equal(commandWord(['--', 'template']), 'template');
    assert.equal(commandWord(['--debug']), undefined);
  });

  it("knows which root options take a value from the program's own options", async () => {
    // The table feeds both the launcher and commander; this holds them to each other.
    const program = await buildProgram(['--version']);
    const valued = program.options.filter((o) => o.required || o.optional).map((o) => o.long);
    const fromTable = ROOT_OPTIONS.filter((o) => o.flags.includes('<')).map((o) => /--[\w-]+/.exec(o.flags)![0]);
    assert.deepEqual(valued.sort(), fromTable.sort());
  });
});

describe('how a command line is launched', () => {
  it("is the named command's own bundle, found past root options and by alias", () => {
    assert.deepEqual(launchFor(['template', 'x']), { kind: 'command', name: 'template' });
    assert.deepEqual(launchFor(['-n', 'ray', 'install', 'x', '--cluster-only']), { kind: 'command', name: 'install' });
    assert.deepEqual(launchFor(['ls', '-A']), { kind: 'command', name: 'list' });
    assert.deepEqual(launchFor(['--kubeconfig', 'k', 'delete', 'r']), { kind: 'command', name: 'uninstall' });
    assert.deepEqual(launchFor(['operator']), { kind: 'command', name: 'operator' });
    assert.deepEqual(launchFor(['install', '--help']), { kind: 'command', name: 'install' });
  });

  it('prints the version itself for a bare --version only', () => {
    assert.deepEqual(launchFor(['--version']), { kind: 'version' });
    assert.deepEqual(launchFor(['--debug', '--version']), { kind: 'every-command' });
    assert.deepEqual(launchFor(['version']), { kind: 'command', name: 'version' });
  });

  it('is the build of every command for help, a typo, completion and no command at all', () => {
    assert.deepEqual(launchFor([]), { kind: 'every-command' });
    assert.deepEqual(launchFor(['--help']), { kind: 'every-command' });
    assert.deepEqual(launchFor(['help', 'install']), { kind: 'every-command' });
    assert.deepEqual(launchFor(['instal', 'x']), { kind: 'every-command' });
    assert.deepEqual(launchFor(['__complete', 'install', '']), { kind: 'every-command' });
    assert.deepEqual(launchFor(['-n', 'template']), { kind: 'every-command' }, '"template" is the namespace here');
  });
});
