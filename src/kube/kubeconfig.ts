import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { UserError } from '../errors.ts';

/** TLS settings for the connection to one API server. */
export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** The kubeconfig resolved to one context: where to connect, as whom. */
export interface ResolvedKubeconfig {
  contextName: string;
  server: string;
  namespace: string;
  tls: TlsOptions;
  /** Headers that authenticate each request (Authorization, Impersonate-*), re-read per request so rotated tokens work. */
  authHeaders(): Record<string, string | string[]>;
  /** Auth that only @kubernetes/client-node implements (exec plugins, auth-provider): the files to hand it. */
  delegate?: { files: string[]; context: string };
}

interface NamedEntry<T> {
  name: string;
  [key: string]: T | string;
}
interface KubeconfigFile {
  path: string;
  'current-context'?: string;
  clusters?: NamedEntry<ClusterEntry>[];
  users?: NamedEntry<UserEntry>[];
  contexts?: NamedEntry<ContextEntry>[];
}
interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  as?: string;
  'as-groups'?: string[];
  'as-uid'?: string;
}
interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads the kubeconfig as kubectl does: --kubeconfig, else every file of $KUBECONFIG (first one wins per entry),
 * else ~/.kube/config, else the in-cluster service account. Says what is missing instead of falling back to
 * localhost:8080 as @kubernetes/client-node would.
 */
export function loadKubeconfig(options: { kubeconfig?: string; context?: string } = {}): ResolvedKubeconfig {
  const files = kubeconfigFiles(options.kubeconfig);
  if (files === 'in-cluster') return inCluster();
  const loaded = files.map(readKubeconfig);
  const find = <T>(key: 'clusters' | 'users' | 'contexts', name: string): T | undefined => {
    for (const file of loaded) {
      const entry = file[key]?.find((e) => e.name === name);
      if (entry) return { ...(entry[key.slice(0, -1)] as object), __dir: dirname(file.path) } as T;
    }
    return undefined;
  };
  const contextName = options.context ?? loaded.find((f) => f['current-context'])?.['current-context'] ?? '';
  const allContexts = [...new Set(loaded.flatMap((f) => (f.contexts ?? []).map((c) => c.name)))];
  const context = contextName ? find<ContextEntry>('contexts', contextName) : undefined;
  if (!context) {
    throw new UserError(
      contextName ? `kubeconfig has no context "${contextName}"` : 'kubeconfig has no current context',
      allContexts.length > 0
        ? `contexts: ${allContexts.join(', ')}; choose one with --kube-context`
        : 'the kubeconfig defines no contexts',
    );
  }
  const cluster = context.cluster ? find<ClusterEntry & { __dir: string }>('clusters', context.cluster) : undefined;
  if (!cluster?.server) throw new UserError(`kubeconfig context "${contextName}" names no cluster with a server`);
  const user = (context.user ? find<UserEntry & { __dir: string }>('users', context.user) : undefined) ?? { __dir: '' };
  const tls: TlsOptions = {
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...optional('ca', bytes(cluster['certificate-authority-data'], cluster['certificate-authority'], cluster.__dir)),
    ...optional('cert', bytes(user['client-certificate-data'], user['client-certificate'], user.__dir)),
    ...optional('key', bytes(user['client-key-data'], user['client-key'], user.__dir)),
    ...optional('servername', cluster['tls-server-name']),
  };
  const resolved: ResolvedKubeconfig = {
    contextName,
    server: cluster.server.replace(/\/+$/, ''),
    namespace: context.namespace ?? 'default',
    tls,
    authHeaders: () => authHeaders(user),
  };
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    resolved.delegate = { files: loaded.map((f) => f.path), context: contextName };
  }
  return resolved;
}

function kubeconfigFiles(explicit: string | undefined): string[] | 'in-cluster' {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new UserError(`kubeconfig ${explicit} (from --kubeconfig) does not exist`);
    return [explicit];
  }
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (fromEnv.length > 0) {
    const existing = fromEnv.filter((p) => existsSync(p));
    if (existing.length === 0) {
      throw new UserError(
        `KUBECONFIG names no existing file (${fromEnv.join(delimiter)})`,
        'fix KUBECONFIG or pass --kubeconfig',
      );
    }
    return existing;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return [home];
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(join(IN_CLUSTER_DIR, 'token'))) return 'in-cluster';
  throw new UserError(
    'no kubeconfig found: KUBECONFIG is unset and ~/.kube/config does not exist',
    'point rayctl at a cluster with --kubeconfig FILE or KUBECONFIG, or create ~/.kube/config',
  );
}

function readKubeconfig(path: string): KubeconfigFile {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`kubeconfig ${path} cannot be read: ${(err as Error).message}`);
  }
  if (parsed !== null && parsed !== undefined && typeof parsed !== 'object')
    throw new UserError(`kubeconfig ${path} is not a kubeconfig`);
  return { ...(parsed as object), path };
}

/** The pod's own service account: what an operator Deployment uses. */
function inCluster(): ResolvedKubeconfig {
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const namespaceFile = join(IN_CLUSTER_DIR, 'namespace');
  return {
    contextName: 'in-cluster',
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : 'default',
    tls: { rejectUnauthorized: true, ca: readFileSync(join(IN_CLUSTER_DIR, 'ca.crt')) },
    // Projected tokens rotate: read the file for every request.
    authHeaders: () => ({ Authorization: `Bearer ${readFileSync(join(IN_CLUSTER_DIR, 'token'), 'utf8').trim()}` }),
  };
}

function authHeaders(user: UserEntry & { __dir: string }): Record<string, string | string[]> {
  // kubectl's --as / --as-group / --as-uid, saved in the kubeconfig.
  const impersonation = {
    ...optional('Impersonate-User', user.as),
    ...(user['as-groups']?.length ? { 'Impersonate-Group': user['as-groups'] } : {}),
    ...optional('Impersonate-Uid', user['as-uid']),
  };
  if (user.token) return { ...impersonation, Authorization: `Bearer ${user.token}` };
  if (user.tokenFile) {
    return {
      ...impersonation,
      Authorization: `Bearer ${readFileSync(resolvePath(user.tokenFile, user.__dir), 'utf8').trim()}`,
    };
  }
  if (user.username !== undefined && user.password !== undefined) {
    return {
      ...impersonation,
      Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    };
  }
  return impersonation;
}

function bytes(data: string | undefined, file: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(resolvePath(file, dir));
  return undefined;
}

function resolvePath(path: string, dir: string): string {
  return isAbsolute(path) || !dir ? path : join(dir, path);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
