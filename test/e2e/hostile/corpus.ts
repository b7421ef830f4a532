// The hostile-input corpus: what a careless or malicious user (or a file they were sent) can hand rayctl. Each
// case must end in one clear line naming the input, a non-zero exit, bounded memory and no change to the cluster.
// Small inputs are files in test/fixtures/hostile/; large ones are generated here, into a scratch directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hostile/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

export interface HostileCase {
  category: string;
  what: string;
  /** rayctl's arguments; `-n <namespace>` and the test cluster's kubeconfig are added unless `kubeconfig` is set. */
  args: string[];
  /** The first line of stderr must match: it names the input (the flag, file, field or name). */
  names: RegExp;
  /** A kubeconfig of the corpus instead of the test cluster's. */
  kubeconfig?: string;
  /** Text that must never be printed (a secret in the input). */
  never?: RegExp;
}

/** The generated inputs, written into `dir`; returns the cases. */
export function hostileCases(dir: string, namespace: string): HostileCase[] {
  const generated = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const deepYaml = generated('deep-nesting.yaml', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  const hugeYaml = generated('huge.yaml', `image: "${'x'.repeat(40 * 1024 * 1024)}"\n`);
  const binary = generated('binary.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  const deepKey = Array.from({ length: 20_000 }, (_, i) => `k${i}`).join('.');
  const deepJson = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
  const longName = 'r'.repeat(53);
  const install = (...rest: string[]) => ['install', 'victim', '--cluster-only', ...rest];

  return [
    // Values files (-f).
    {
      category: 'values file',
      what: 'a YAML alias bomb',
      args: install('-f', fixture('alias-bomb.yaml')),
      names: /alias-bomb\.yaml.*expands to more than/,
    },
    {
      category: 'values file',
      what: '100,000 levels of nesting',
      args: install('-f', deepYaml),
      names: /deep-nesting\.yaml is not valid YAML at line 1/,
    },
    {
      category: 'values file',
      what: 'a 40 MiB file',
      args: install('-f', hugeYaml),
      names: /huge\.yaml is larger than 8 MiB/,
    },
    {
      category: 'values file',
      what: '__proto__ as a key',
      args: install('-f', fixture('proto-key.yaml')),
      names: /proto-key\.yaml is refused: key "__proto__"/,
    },
    {
      category: 'values file',
      what: 'constructor.prototype as keys',
      args: install('-f', fixture('constructor-key.yaml')),
      names: /constructor-key\.yaml is refused: key "podTypes\.rayWorkerType\.constructor"/,
    },
    {
      category: 'values file',
      what: 'a list instead of a map',
      args: install('-f', fixture('top-level-list.yaml')),
      names: /top-level-list\.yaml must contain a map/,
    },
    {
      category: 'values file',
      what: 'Latin-1 bytes',
      args: install('-f', fixture('latin1.yaml')),
      names: /latin1\.yaml is not UTF-8/,
    },
    {
      category: 'values file',
      what: 'binary garbage',
      args: install('-f', binary),
      names: /binary\.yaml is not UTF-8/,
    },
    {
      category: 'values file',
      what: 'broken YAML',
      args: install('-f', fixture('not-yaml.yaml')),
      names: /not-yaml\.yaml is not valid YAML at line/,
    },
    {
      category: 'values file',
      what: 'a file that does not exist',
      args: install('-f', join(dir, 'nope.yaml')),
      names: /cannot read .*nope\.yaml: no such file/,
    },
    {
      category: 'values file',
      what: 'a directory',
      args: install('-f', dir),
      names: /cannot read .*: it is a directory/,
    },

    // --set, --set-json, --set-file.
    {
      category: '--set',
      what: 'a 20,000-deep key',
      args: install('--set', `${deepKey}=1`),
      names: /--set "k0\.k1.*nest/,
    },
    {
      category: '--set',
      what: '__proto__.x=1',
      args: install('--set', '__proto__.polluted=1'),
      names: /--set "__proto__\.polluted=1" has key "__proto__"/,
    },
    {
      category: '--set',
      what: 'constructor.prototype.x=1',
      args: install('--set', 'constructor.prototype.x=1'),
      names: /--set "constructor\.prototype\.x=1" has key "constructor"/,
    },
    {
      category: '--set',
      what: 'a list index of 99,999,999',
      args: install('--set', 'a[99999999]=1'),
      names: /--set "a\[99999999\]=1" has list index 99999999/,
    },
    {
      category: '--set-json',
      what: '20,000 nested lists',
      args: install('--set-json', `image=${deepJson}`),
      names: /--set-json.*(nest|deep)/,
    },
    {
      category: '--set-json',
      what: '__proto__ inside the JSON',
      args: install('--set-json', 'image={"__proto__":{"x":1}}'),
      names: /--set-json.*"__proto__"/,
    },
    {
      category: '--set-file',
      what: 'a file that does not exist',
      args: install('--set-file', `image=${join(dir, 'nope')}`),
      names: /cannot read .*nope: no such file/,
    },

    // Numbers, quantities, label syntax.
    {
      category: 'values',
      what: 'maxWorkers 1e300',
      args: install('--set-json', 'podTypes.rayWorkerType.maxWorkers=1e300'),
      names: /podTypes\.rayWorkerType\.maxWorkers must be ≤ 10000/,
    },
    {
      category: 'values',
      what: 'negative minWorkers',
      args: install('--set', 'podTypes.rayWorkerType.minWorkers=-1'),
      names: /podTypes\.rayWorkerType\.minWorkers must be ≥ 0/,
    },
    {
      category: 'values',
      what: 'a CPU limit of "lots"',
      args: install('--set', 'operatorResources.limits.cpu=lots'),
      names: /operatorResources\.limits\.cpu must be a Kubernetes quantity/,
    },
    {
      category: 'values',
      what: 'memory "1 GB"',
      args: install('--set', 'podTypes.rayWorkerType.memory=1 GB'),
      names: /podTypes\.rayWorkerType\.memory must be a Kubernetes quantity/,
    },
    {
      category: 'values',
      what: 'a nodeSelector key with two slashes',
      args: install('--set', 'operatorNodeSelector.a/b/c=x'),
      names: /operatorNodeSelector key "a\/b\/c" is not a label key/,
    },
    {
      category: 'values',
      what: 'a 64-character nodeSelector value',
      args: install('--set', `operatorNodeSelector.zone=${'z'.repeat(64)}`),
      names: /operatorNodeSelector\.zone must be a label value/,
    },
    {
      category: 'values',
      what: 'an unknown podSecurity level',
      args: install('--set', 'podSecurity=lax'),
      names: /podSecurity must be one of/,
    },
    {
      category: 'values',
      what: 'a ServiceAccount name with a slash',
      args: install('--set', 'allowedServiceAccounts[0]=kube-system/admin'),
      names: /allowedServiceAccounts\.0 must match/,
    },

    // Names that pass a first look but break what is derived from them.
    {
      category: 'names',
      what: 'an upper-case release name',
      args: ['install', 'Bad_Name', '--cluster-only'],
      names: /invalid release name "Bad_Name"/,
    },
    {
      category: 'names',
      what: 'a 53-character release name with a RayCluster',
      args: ['install', longName, '--cluster-only'],
      names: new RegExp(`release name "${longName}" is 53 characters`),
    },
    {
      category: 'names',
      what: 'a namespace that is no DNS label',
      args: ['install', 'victim', '--cluster-only', '-n', 'Bad_NS'],
      names: /namespace "Bad_NS"/,
    },
    {
      category: 'names',
      what: 'a pod type that is no DNS label',
      args: install('--set', 'podTypes.bad!type.CPU=1', '--set', 'podTypes.bad!type.memory=1Gi'),
      names: /podTypes\.bad!type: the pod type name is the pods' ray-user-node-type label/,
    },

    // Flags.
    {
      category: 'names',
      what: 'a pod type name with a space',
      args: install('--set', 'podTypes.gpu workers.CPU=1', '--set', 'podTypes.gpu workers.memory=1Gi'),
      names: /podTypes\.gpu workers: the pod type name is the pods' ray-user-node-type label/,
    },
    {
      category: 'flags',
      what: '--history-max abc',
      args: install('--history-max', 'abc'),
      names: /--history-max "abc" must be a whole number/,
    },
    {
      category: 'flags',
      what: '--history-max 1e9',
      args: install('--history-max', '1e9'),
      names: /--history-max "1e9" must be a whole number/,
    },
    {
      category: 'flags',
      what: '--timeout forever',
      args: install('--timeout', 'forever'),
      names: /--timeout "forever" is not a duration/,
    },
    {
      category: 'flags',
      what: '--dry-run=maybe',
      args: install('--dry-run=maybe'),
      names: /--dry-run "maybe" is not a mode/,
    },
    {
      category: 'flags',
      what: 'scale --workers -1',
      args: ['scale', 'victim', '--pod-type', 'rayWorkerType', '--workers', '-1'],
      names: /--workers "-1" must be a whole number/,
    },
    {
      category: 'flags',
      what: 'rollback to revision abc',
      args: ['rollback', 'victim', 'abc'],
      names: /revision "abc" must be a whole number/,
    },
    {
      category: 'flags',
      what: 'operator --concurrency abc',
      args: ['operator', '--concurrency', 'abc'],
      names: /--concurrency must be a whole number ≥ 1, got "abc"/,
    },
    {
      category: 'flags',
      what: 'operator --allowed-service-accounts with a slash',
      args: ['operator', '--allowed-service-accounts', 'a/b'],
      names: /--allowed-service-accounts: "a\/b" is not a ServiceAccount name/,
    },
    {
      category: 'flags',
      what: '--labels with a reserved key',
      args: install('--labels', 'owner=me'),
      names: /--labels: "owner" is a label helm's release records keep for themselves/,
    },
    {
      category: 'flags',
      what: '--labels with a key that is no label key',
      args: install('--labels', 'bad!key=x'),
      names: /--labels: "bad!key" is not a label key/,
    },
    {
      category: 'flags',
      what: 'list --max -1',
      args: ['list', '--max', '-1'],
      names: /--max "-1" must be a whole number/,
    },
    {
      category: 'flags',
      what: 'uninstall --cascade=sideways',
      args: ['uninstall', 'victim', '--cascade=sideways'],
      names: /--cascade "sideways" is not a deletion policy/,
    },
    {
      category: 'flags',
      what: '--qps -5',
      args: ['list', '--qps', '-5'],
      names: /--qps must be a number ≥ 0/,
    },
    {
      category: 'flags',
      what: '--kube-apiserver with an ftp URL',
      args: ['list', '--kube-apiserver', 'ftp://x'],
      names: /--kube-apiserver "ftp:\/\/x": the scheme must be https or http/,
    },
    {
      category: 'flags',
      what: 'diff --context abc',
      args: ['diff', 'upgrade', 'victim', '--context', 'abc'],
      names: /--context "abc" must be a whole number of lines/,
    },
    {
      category: 'flags',
      what: 'lint --kube-version 1.20',
      args: ['lint', '--kube-version', '1.20'],
      names: /--kube-version 1\.20: rayctl ships the Kubernetes schemas of/,
    },
    {
      category: 'flags',
      what: 'scale with nothing to set',
      args: ['scale', 'victim', '--pod-type', 'rayWorkerType'],
      names: /scale needs --workers, --min-workers or --max-workers/,
    },

    // Output.
    {
      category: 'output',
      what: '-o jsonpath with an unclosed action',
      args: ['get', 'clusters', '-o', 'jsonpath={.items[*]'],
      names: /-o jsonpath: unclosed \{/,
    },
    {
      category: 'output',
      what: '-o jsonpath= without a template',
      args: ['status', 'victim', '-o', 'jsonpath='],
      names: /-o jsonpath= needs a template/,
    },

    // Kubeconfigs.
    {
      category: 'kubeconfig',
      what: 'broken YAML next to a token',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-broken.yaml'),
      names: /kubeconfig-broken\.yaml is not valid YAML at line/,
      never: /s3cr3t|hunter2/,
    },
    {
      category: 'kubeconfig',
      what: 'contexts: 5',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-contexts-5.yaml'),
      names: /contexts must be a list/,
    },
    {
      category: 'kubeconfig',
      what: 'a CA with insecure-skip-tls-verify',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-ca-and-insecure.yaml'),
      names: /both a certificate authority and insecure-skip-tls-verify/,
    },
    {
      category: 'kubeconfig',
      what: 'a CA file that does not exist',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-missing-ca.yaml'),
      names: /certificate-authority: \/nonexistent\/ca\.crt cannot be read/,
    },
    {
      category: 'kubeconfig',
      what: 'invalid base64',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-bad-base64.yaml'),
      names: /certificate-authority-data is not valid base64/,
    },
    {
      category: 'kubeconfig',
      what: 'a client certificate without its key',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-cert-without-key.yaml'),
      names: /client certificate without its key/,
    },
    {
      category: 'kubeconfig',
      what: 'proxy-url',
      args: ['list'],
      kubeconfig: fixture('kubeconfig-proxy-url.yaml'),
      names: /sets proxy-url/,
    },

    // Where files are written.
    {
      category: 'output',
      what: 'template --output-dir under /proc',
      args: ['template', 'x', '--output-dir', '/proc/self/rayctl'],
      names: /--output-dir \/proc\/self\/rayctl is on a kernel file system/,
    },
    {
      category: 'output',
      what: 'template --output-dir that is a file',
      args: ['template', 'x', '--output-dir', hugeYaml],
      names: /huge\.yaml exists and is not a directory/,
    },
  ].map((c) => ({
    ...c,
    args: c.kubeconfig || c.args[0] === 'template' || c.args.includes('-n') ? c.args : ['-n', namespace, ...c.args],
  }));
}
