import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleFor, commandWord, ROOT_OPTIONS } from '../../../src/cli/command-line.ts';
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

describe('the bundle a command line runs', () => {
  it("is the named command's own bundle, found past root options and by alias", () => {
    assert.equal(bundleFor(['template', 'x']), 'commands/template.cjs');
    assert.equal(bundleFor(['-n', 'ray', 'install', 'x', '--cluster-only']), 'commands/install.cjs');
    assert.equal(bundleFor(['ls', '-A']), 'commands/list.cjs');
    assert.equal(bundleFor(['--kubeconfig', 'k', 'delete', 'r']), 'commands/uninstall.cjs');
    assert.equal(bundleFor(['operator']), 'commands/operator.cjs');
    assert.equal(bundleFor(['install', '--help']), 'commands/install.cjs');
  });

  it('is the small version entry for a bare --version only', () => {
    assert.equal(bundleFor(['--version']), 'version.mjs');
    assert.equal(bundleFor(['--debug', '--version']), 'rayctl.mjs');
    assert.equal(bundleFor(['version']), 'commands/version.cjs');
  });

  it('is the build of every command for help, a typo, completion and no command at all', () => {
    assert.equal(bundleFor([]), 'rayctl.mjs');
    assert.equal(bundleFor(['--help']), 'rayctl.mjs');
    assert.equal(bundleFor(['help', 'install']), 'rayctl.mjs');
    assert.equal(bundleFor(['instal', 'x']), 'rayctl.mjs');
    assert.equal(bundleFor(['__complete', 'install', '']), 'rayctl.mjs');
    assert.equal(bundleFor(['-n', 'template']), 'rayctl.mjs', '"template" is the namespace here');
  });
});
