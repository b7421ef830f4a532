// Certificates and keys for one throw-away cluster. Node's crypto cannot issue X.509
// certificates, so this uses the openssl CLI (OpenSSL >= 3.0 for `req -x509 -CA`).
// P-256 keys: generating them takes milliseconds, RSA would add seconds to every start.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  dir: string;
  ca: CertPair;
  apiServerServing: CertPair;
  apiServerKubeletClient: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  kwok: CertPair;
  /** The process nodes' agent: its client identity, and the kubelet API it serves on the pod bridge. */
  processNode?: { client: CertPair; serving: CertPair };
  /** Service account token signing key pair (PEM files). */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

// A config with no default extensions: every extension is given explicitly below.
const minimalOpenSslConfig = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('the openssl CLI is missing: apt-get install openssl');
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || String(error)}`);
  }
}

/** bridgeIp: where pods reach the API server and the process nodes' kubelet API; both certificates name it. */
export async function createPki(dir: string, options: { bridgeIp?: string } = {}): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, minimalOpenSslConfig);
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const pair = (name: string): CertPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });

  const ca = pair('ca');
  await openssl([
    'req',
    '-x509',
    '-config',
    config,
    ...keyArgs,
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
    '-days',
    '3650',
    '-subj',
    '/CN=rayctl-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);

  const issue = async (
    name: string,
    subject: string,
    usage: 'serverAuth' | 'clientAuth',
    sans?: string,
  ): Promise<CertPair> => {
    const leaf = pair(name);
    await openssl([
      'req',
      '-x509',
      '-config',
      config,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      ...keyArgs,
      '-keyout',
      leaf.key,
      '-out',
      leaf.cert,
      '-days',
      '3650',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext',
      `extendedKeyUsage=${usage}`,
      ...(sans ? ['-addext', `subjectAltName=${sans}`] : []),
    ]);
    return leaf;
  };

  // Client identities: the CN is the user name, O the groups (system:masters bypasses RBAC).
  const [apiServerServing, apiServerKubeletClient, admin, controllerManager, scheduler, kwok] = await Promise.all([
    issue(
      'apiserver',
      '/CN=kube-apiserver',
      'serverAuth',
      'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc' +
        (options.bridgeIp ? `,IP:${options.bridgeIp}` : ''),
    ),
    issue('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'clientAuth'),
    issue('admin', '/O=system:masters/CN=rayctl-test-admin', 'clientAuth'),
    issue('controller-manager', '/CN=system:kube-controller-manager', 'clientAuth'),
    issue('scheduler', '/CN=system:kube-scheduler', 'clientAuth'),
    // kwok writes node and pod status for fake nodes; it is test machinery, so it gets full rights.
    issue('kwok', '/O=system:masters/CN=kwok-controller', 'clientAuth'),
  ]);

  const processNode = options.bridgeIp
    ? {
        // Test machinery that writes node and pod status and reads ConfigMaps, Secrets and tokens: full rights.
        client: await issue('process-node', '/O=system:masters/CN=process-node-agent', 'clientAuth'),
        serving: await issue('process-node-serving', '/CN=process-node', 'serverAuth', `IP:${options.bridgeIp}`),
      }
    : undefined;

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPublicKey = join(dir, 'sa.pub');
  await writeFile(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));

  return {
    dir,
    ca,
    apiServerServing,
    apiServerKubeletClient,
    admin,
    controllerManager,
    scheduler,
    kwok,
    ...(processNode ? { processNode } : {}),
    serviceAccountKey,
    serviceAccountPublicKey,
  };
}

export interface KubeconfigOptions {
  server: string;
  caFile: string;
  client: CertPair;
  /** Impersonation, as `kubectl --as/--as-group` would do. */
  asUser?: string;
  asGroups?: string[];
}

/** Writes a kubeconfig. JSON is valid YAML, so every client (kubectl, helm, client-node) reads it. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<string> {
  const user: Record<string, unknown> = {
    'client-certificate': options.client.cert,
    'client-key': options.client.key,
  };
  if (options.asUser) user.as = options.asUser;
  if (options.asGroups && options.asGroups.length > 0) user['as-groups'] = options.asGroups;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'rayctl-test', cluster: { server: options.server, 'certificate-authority': options.caFile } }],
    users: [{ name: 'rayctl-test', user }],
    contexts: [{ name: 'rayctl-test', context: { cluster: 'rayctl-test', user: 'rayctl-test', namespace: 'default' } }],
    'current-context': 'rayctl-test',
    preferences: {},
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return path;
}
