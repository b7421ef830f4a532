import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { debugRequested, globalFlags } from '../../../src/cli/global-flags.ts';

/** Parses argv with rayctl's global flags and returns them as a command would see them, in environment `env`. */
function parse(argv: string[], env: NodeJS.ProcessEnv) {
  let seen: ReturnType<typeof globalFlags> | undefined;
  const program = new Command('rayctl')
    .option('-n, --namespace <ns>')
    .option('--kube-context <name>')
    .option('--debug')
    .exitOverride();
  program.addCommand(
    new Command('list').action((_flags: unknown, cmd: Command) => {
      seen = globalFlags(cmd, env);
    }),
  );
  program.parse(['node', 'rayctl', ...argv]);
  return seen!;
}

describe("global flags and helm's environment variables", () => {
  it('falls back to RAYCTL_*, then HELM_*, and a flag always wins', () => {
    const helm = { HELM_NAMESPACE: 'from-helm', HELM_KUBECONTEXT: 'helm-ctx', HELM_DEBUG: 'true' };
    assert.deepEqual(parse(['list'], helm), { namespace: 'from-helm', kubeContext: 'helm-ctx', debug: true });
    assert.equal(parse(['list'], { ...helm, RAYCTL_NAMESPACE: 'from-rayctl' }).namespace, 'from-rayctl');
    assert.equal(parse(['-n', 'from-flag', 'list'], { ...helm, RAYCTL_NAMESPACE: 'x' }).namespace, 'from-flag');
    assert.deepEqual(parse(['list'], {}), {});
    assert.equal(parse(['list'], { HELM_DEBUG: '0' }).debug, undefined);
  });

  it('--debug for error output: by flag or environment', () => {
    assert.equal(debugRequested(['list', '--debug'], {}), true);
    assert.equal(debugRequested(['list'], { RAYCTL_DEBUG: '1' }), true);
    assert.equal(debugRequested(['list'], { HELM_DEBUG: 'false' }), false);
  });
});
