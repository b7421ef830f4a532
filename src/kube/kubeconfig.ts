import { existsSync, readFileSync, statSync } from 'node:fs';
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
  'proxy-url'?: string;
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
  'as-user-extra'?: Record<string, string[]>;
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
  const where = { cluster: `kubeconfig cluster "${context.cluster}"`, user: `kubeconfig user "${context.user}"` };
  checkTls(cluster, user, where);
  const server = cluster.server.replace(/\/+$/, '');
  checkProxy(cluster, server, where.cluster);
  const tls: TlsOptions = {
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...optional('ca', bytes(cluster, 'certificate-authority', cluster.__dir, where.cluster)),
    ...optional('cert', bytes(user, 'client-certificate', user.__dir, where.user)),
    ...optional('key', bytes(user, 'client-key', user.__dir, where.user)),
    ...optional('servername', cluster['tls-server-name']),
  };
  const resolved: ResolvedKubeconfig = {
    contextName,
    server,
    namespace: context.namespace ?? 'default',
    tls,
    authHeaders: () => authHeaders(user, where.user),
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

/** Larger than any real kubeconfig by far; a bigger file is a mistake (or an attack), not a config. */
const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

function readKubeconfig(path: string): KubeconfigFile {
  let text: string;
  try {
    if (statSync(path).size > MAX_KUBECONFIG_BYTES)
      throw new UserError(`kubeconfig ${path} is larger than ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`kubeconfig ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch (err) {
    // Only the position and the reason: js-yaml's message quotes the lines around the error, which may hold
    // tokens and passwords.
    const { reason, mark } = err as { reason?: string; mark?: { line: number; column: number } };
    const at = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    throw new UserError(`kubeconfig ${path} is not valid YAML${at}: ${reason ?? 'parse error'}`);
  }
  if (parsed === null || parsed === undefined) return { path };
  if (!isRecord(parsed)) throw new UserError(`kubeconfig ${path} is not a kubeconfig (not a mapping)`);
  checkShape(parsed, path);
  return { ...(parsed as object), path };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The structure the rest relies on, checked once, with the path of the first field that is wrong. */
function checkShape(config: Record<string, unknown>, path: string): void {
  const wrong = (field: string, expected: string): never => {
    throw new UserError(`kubeconfig ${path}: ${field} must be ${expected}`);
  };
  if (config['current-context'] !== undefined && typeof config['current-context'] !== 'string')
    wrong('current-context', 'a string');
  const fields: Record<string, Record<string, 'string' | 'boolean' | 'string list' | 'map of string lists'>> = {
    cluster: {
      server: 'string',
      'certificate-authority': 'string',
      'certificate-authority-data': 'string',
      'insecure-skip-tls-verify': 'boolean',
      'tls-server-name': 'string',
      'proxy-url': 'string',
    },
    user: {
      'client-certificate': 'string',
      'client-certificate-data': 'string',
      'client-key': 'string',
      'client-key-data': 'string',
      token: 'string',
      tokenFile: 'string',
      username: 'string',
      password: 'string',
      as: 'string',
      'as-groups': 'string list',
      'as-uid': 'string',
      'as-user-extra': 'map of string lists',
    },
    context: { cluster: 'string', user: 'string', namespace: 'string' },
  };
  for (const [kind, types] of Object.entries(fields)) {
    const list = config[`${kind}s`];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) wrong(`${kind}s`, 'a list');
    for (const [index, entry] of (list as unknown[]).entries()) {
      const at = `${kind}s[${index}]`;
      if (!isRecord(entry) || typeof entry.name !== 'string') wrong(`${at}.name`, 'a string');
      const body = (entry as Record<string, unknown>)[kind];
      if (body === undefined || body === null) continue;
      if (!isRecord(body)) wrong(`${at}.${kind}`, 'a mapping');
      for (const [field, type] of Object.entries(types)) {
        const value = (body as Record<string, unknown>)[field];
        if (value === undefined) continue;
        const ok =
          type === 'string list'
            ? Array.isArray(value) && value.every((v) => typeof v === 'string')
            : type === 'map of string lists'
              ? isRecord(value) &&
                Object.values(value).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))
              : typeof value === type;
        if (!ok) wrong(`${at}.${kind}.${field}`, `a ${type}`);
      }
    }
  }
}

/** kubectl's refusals: a CA with verification off, a client certificate without its key (or the reverse). */
function checkTls(cluster: ClusterEntry, user: UserEntry, where: { cluster: string; user: string }): void {
  const hasCa = cluster['certificate-authority'] !== undefined || cluster['certificate-authority-data'] !== undefined;
  if (hasCa && cluster['insecure-skip-tls-verify'] === true) {
    throw new UserError(
      `${where.cluster} has both a certificate authority and insecure-skip-tls-verify: true; kubectl refuses this too`,
      'remove one of them: keep the CA to verify the server',
    );
  }
  const hasCert = user['client-certificate'] !== undefined || user['client-certificate-data'] !== undefined;
  const hasKey = user['client-key'] !== undefined || user['client-key-data'] !== undefined;
  if (hasCert !== hasKey) {
    throw new UserError(
      `${where.user} has a client ${hasCert ? 'certificate without its key' : 'key without its certificate'}`,
      'set both client-certificate(-data) and client-key(-data)',
    );
  }
}

const isLoopback = (host: string) => host === 'localhost' || /^127\./.test(host) || host === '[::1]' || host === '::1';

/** Whether NO_PROXY (comma-separated hosts, domain suffixes, `*`) exempts `host`, as Go's http.ProxyFromEnvironment reads it. */
function noProxyMatches(host: string, noProxy: string): boolean {
  return noProxy
    .split(',')
    .map((e) => e.trim().replace(/:\d+$/, ''))
    .filter(Boolean)
    .some(
      (entry) =>
        entry === '*' ||
        host === entry.replace(/^\./, '') ||
        host.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
    );
}

/**
 * rayctl does not tunnel through proxies yet. kubectl would (proxy-url, HTTPS_PROXY), so going direct would
 * silently do something else: refuse instead, saying how to go direct on purpose.
 */
function checkProxy(cluster: ClusterEntry, server: string, where: string): void {
  if (cluster['proxy-url'] !== undefined) {
    throw new UserError(
      `${where} sets proxy-url (${cluster['proxy-url']}), and rayctl cannot connect through a proxy yet`,
      'use a kubeconfig context without proxy-url, e.g. from a machine that reaches the API server directly',
    );
  }
  const proxy = process.env.HTTPS_PROXY ?? process.env.https_proxy;
  if (!proxy) return;
  const host = new URL(server).hostname;
  const noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? '';
  if (isLoopback(host) || noProxyMatches(host, noProxy)) return;
  throw new UserError(
    `HTTPS_PROXY is set and does not exempt the API server ${host}, and rayctl cannot connect through a proxy yet`,
    `add ${host} to NO_PROXY to connect directly, or unset HTTPS_PROXY`,
  );
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

function authHeaders(user: UserEntry & { __dir: string }, where: string): Record<string, string | string[]> {
  // kubectl's --as / --as-group / --as-uid / --as-user-extra, saved in the kubeconfig.
  const impersonation = {
    ...optional('Impersonate-User', user.as),
    ...(user['as-groups']?.length ? { 'Impersonate-Group': user['as-groups'] } : {}),
    ...optional('Impersonate-Uid', user['as-uid']),
    ...Object.fromEntries(
      Object.entries(user['as-user-extra'] ?? {}).map(([key, values]) => [
        // Header names are case-insensitive and limited in characters: keys are percent-encoded, as client-go does.
        `Impersonate-Extra-${encodeURIComponent(key)}`,
        values,
      ]),
    ),
  };
  if (user.token) return { ...impersonation, Authorization: `Bearer ${user.token}` };
  if (user.tokenFile) {
    const token = readFile(resolvePath(user.tokenFile, user.__dir), `${where} tokenFile`).toString('utf8').trim();
    return { ...impersonation, Authorization: `Bearer ${token}` };
  }
  if (user.username !== undefined && user.password !== undefined) {
    return {
      ...impersonation,
      Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    };
  }
  return impersonation;
}

/** A `<field>-data` value (base64) or the file `<field>` names, checked: never silently half-decoded or missing. */
function bytes<F extends 'certificate-authority' | 'client-certificate' | 'client-key'>(
  entry: { [K in F | `${F}-data`]?: string },
  field: F,
  dir: string,
  where: string,
): Buffer | undefined {
  const data = entry[`${field}-data`];
  if (data !== undefined) {
    const compact = data.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0)
      throw new UserError(`${where}: ${field}-data is not valid base64`);
    return Buffer.from(compact, 'base64');
  }
  const file = entry[field];
  return file === undefined ? undefined : readFile(resolvePath(file, dir), `${where} ${field}`);
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${what}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function resolvePath(path: string, dir: string): string {
  return isAbsolute(path) || !dir ? path : join(dir, path);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
