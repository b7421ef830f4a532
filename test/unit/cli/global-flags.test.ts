import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { connectOptions } from '../../../src/cli/cluster-flags.ts';
import { debugRequested, globalFlags } from '../../../src/cli/global-flags.ts';
import { UsageError } from '../../../src/errors.ts';

/** Parses argv with rayctl's global flags and returns them as a command would see them, in environment `env`. */
function parse(argv: string[], env: NodeJS.ProcessEnv) {
  let seen: ReturnType<typeof globalFlags> | undefined;
  const program = new Command('rayctl')
    .option('-n, --namespace <ns>')
    .option('--kube-context <name>')
    .option('--kube-as-user <user>')
    .option('--kube-as-group <group>', '', (group: string, groups: string[] = []) => [...groups, group])
    .option('--kube-token <token>')
    .option('--kube-apiserver <url>')
    .option('--kube-ca-file <path>')
    .option('--kube-insecure-skip-tls-verify')
    .option('--kube-tls-server-name <name>')
    .option('--burst-limit <n>')
    .option('--qps <n>')
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

  it("helm's --kube-* variables: RAYCTL_* over HELM_*, a flag over both", () => {
    const helm = {
      HELM_KUBEASUSER: 'helm-user',
      HELM_KUBEASGROUPS: 'devs, ops,,',
      HELM_KUBETOKEN: 'helm-token',
      HELM_KUBEAPISERVER: 'https://helm:6443',
      HELM_KUBECAFILE: '/helm/ca.crt',
      HELM_KUBEINSECURE_SKIP_TLS_VERIFY: 'true',
      HELM_KUBETLS_SERVER_NAME: 'helm.example',
      HELM_BURST_LIMIT: '20',
      HELM_QPS: '2.5',
    };
    assert.deepEqual(parse(['list'], helm), {
      kubeAsUser: 'helm-user',
      kubeAsGroup: ['devs', 'ops'],
      kubeToken: 'helm-token',
      kubeApiserver: 'https://helm:6443',
      kubeCaFile: '/helm/ca.crt',
      kubeInsecureSkipTlsVerify: true,
      kubeTlsServerName: 'helm.example',
      burstLimit: 20,
      qps: 2.5,
    });
    const rayctl = {
      ...helm,
      RAYCTL_KUBEASUSER: 'rayctl-user',
      RAYCTL_KUBEASGROUPS: 'admins',
      RAYCTL_KUBETOKEN: 'rayctl-token',
      RAYCTL_KUBEAPISERVER: 'https://rayctl:6443',
      RAYCTL_KUBECAFILE: '/rayctl/ca.crt',
      RAYCTL_KUBETLS_SERVER_NAME: 'rayctl.example',
      RAYCTL_BURST_LIMIT: '30',
      RAYCTL_QPS: '7',
    };
    assert.deepEqual(parse(['list'], rayctl), {
      kubeAsUser: 'rayctl-user',
      kubeAsGroup: ['admins'],
      kubeToken: 'rayctl-token',
      kubeApiserver: 'https://rayctl:6443',
      kubeCaFile: '/rayctl/ca.crt',
      kubeInsecureSkipTlsVerify: true,
      kubeTlsServerName: 'rayctl.example',
      burstLimit: 30,
      qps: 7,
    });
    const flags = parse(
      [
        'list',
        '--kube-as-user',
        'flag-user',
        '--kube-as-group',
        'a,b',
        '--kube-as-group',
        'c',
        '--kube-token',
        'flag-token',
        '--kube-apiserver',
        'https://flag:6443',
        '--kube-ca-file',
        '/flag/ca.crt',
        '--kube-tls-server-name',
        'flag.example',
        '--burst-limit',
        '40',
        '--qps',
        '9',
      ],
      rayctl,
    );
    assert.deepEqual(flags, {
      kubeAsUser: 'flag-user',
      kubeAsGroup: ['a,b', 'c'], // a repeated flag, each value whole, as helm's --kube-as-group
      kubeToken: 'flag-token',
      kubeApiserver: 'https://flag:6443',
      kubeCaFile: '/flag/ca.crt',
      kubeInsecureSkipTlsVerify: true,
      kubeTlsServerName: 'flag.example',
      burstLimit: 40,
      qps: 9,
    });
    assert.equal(parse(['list', '--kube-insecure-skip-tls-verify'], {}).kubeInsecureSkipTlsVerify, true);
    assert.equal(parse(['list'], { HELM_KUBEINSECURE_SKIP_TLS_VERIFY: 'false' }).kubeInsecureSkipTlsVerify, undefined);
    assert.equal(parse(['list'], { RAYCTL_QPS: '', HELM_QPS: '3' }).qps, 3, 'an empty RAYCTL_* falls through');
  });

  it('--qps and --burst-limit are checked, naming the flag or the variable they came from', () => {
    const refused = (argv: string[], env: NodeJS.ProcessEnv, message: RegExp) =>
      assert.throws(
        () => parse(argv, env),
        (err: Error) => err instanceof UsageError && message.test(err.message),
      );
    refused(['list', '--qps', 'fast'], {}, /^--qps must be a number ≥ 0 .*got "fast"/);
    refused(['list', '--qps=-1'], {}, /^--qps must be a number ≥ 0/);
    refused(['list', '--burst-limit', '2.5'], {}, /^--burst-limit must be a whole number ≥ 0/);
    refused(['list'], { HELM_QPS: 'x' }, /^HELM_QPS must be a number/);
    refused(['list'], { HELM_QPS: '1', RAYCTL_QPS: '-2' }, /^RAYCTL_QPS must be a number/);
    refused(['list'], { HELM_BURST_LIMIT: 'many' }, /^HELM_BURST_LIMIT must be a whole number/);
    assert.equal(parse(['list', '--qps', '4'], { HELM_QPS: 'x' }).qps, 4, 'a flag wins, the variable is not read');
  });

  it('the flags reach the connection: kubeconfig overrides, rate limit (0 and absent: the defaults)', () => {
    assert.deepEqual(connectOptions(parse(['list'], {})), { debug: false });
    assert.deepEqual(
      connectOptions(
        parse(['list', '--kube-as-user', 'u', '--kube-as-group', 'g', '--kube-apiserver', 'h:1', '--qps', '0'], {
          HELM_KUBETOKEN: 't',
          HELM_KUBEINSECURE_SKIP_TLS_VERIFY: '1',
          HELM_BURST_LIMIT: '7',
        }),
      ),
      {
        debug: false,
        overrides: { asUser: 'u', asGroups: ['g'], token: 't', server: 'h:1', insecureSkipTlsVerify: true },
        burst: 7,
      },
    );
  });

  it('--debug for error output: by flag or environment', () => {
    assert.equal(debugRequested(['list', '--debug'], {}), true);
    assert.equal(debugRequested(['list'], { RAYCTL_DEBUG: '1' }), true);
    assert.equal(debugRequested(['list'], { HELM_DEBUG: 'false' }), false);
  });
});
