import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { loadBlockYaml } from '../chart/block-yaml.ts';
import { UsageError, UserError } from '../errors.ts';

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
  delegate?: {
    files: string[];
    context: string;
    /** What the global flags put over client-node's request options. */
    over?: { tls: Partial<TlsOptions>; headers: Record<string, string | string[]> };
  };
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
 * What the global flags (helm's `--kube-*`) put over the kubeconfig's context, as client-go's ConfigOverrides do
 * for kubectl: a token replaces the user's credentials, a server the cluster's, a CA file or insecure the cluster's
 * TLS verification; as-user/as-group replace the user's impersonation.
 */
export interface KubeconfigOverrides {
  /** --kube-as-user: Impersonate-User. */
  asUser?: string;
  /** --kube-as-group (repeatable): Impersonate-Group. */
  asGroups?: readonly string[];
  /** --kube-token: a bearer token, instead of the user's certificate, token, password or exec plugin. */
  token?: string;
  /** --kube-apiserver: the API server's URL (host:port means https://host:port). */
  server?: string;
  /** --kube-ca-file: the CA that signs the server's certificate, instead of the cluster's. */
  caFile?: string;
  /** --kube-insecure-skip-tls-verify: do not verify the server's certificate. */
  insecureSkipTlsVerify?: boolean;
  /** --kube-tls-server-name: the name the server's certificate must carry. */
  tlsServerName?: string;
}

/**
 * Loads the kubeconfig as kubectl does: --kubeconfig, else every file of $KUBECONFIG (first one wins per entry),
 * else ~/.kube/config, else the in-cluster service account. Says what is missing instead of falling back to
 * localhost:8080 as @kubernetes/client-node would.
 */
export function loadKubeconfig(
  options: { kubeconfig?: string; context?: string; overrides?: KubeconfigOverrides } = {},
): ResolvedKubeconfig {
  const overrides = checkOverrides(options.overrides ?? {});
  const files = kubeconfigFiles(options.kubeconfig);
  if (files === 'in-cluster') return applyOverrides(inCluster(), overrides);
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
  const found = context.cluster ? find<ClusterEntry & { __dir: string }>('clusters', context.cluster) : undefined;
  if (!found?.server && !overrides.server)
    throw new UserError(`kubeconfig context "${contextName}" names no cluster with a server`);
  const foundUser = context.user ? find<UserEntry & { __dir: string }>('users', context.user) : undefined;
  const cluster = overrideCluster(found ?? { __dir: '' }, overrides);
  const user = overrideUser(foundUser ?? { __dir: '' }, overrides);
  const where = { cluster: `kubeconfig cluster "${context.cluster}"`, user: `kubeconfig user "${context.user}"` };
  checkTls(cluster, user, where);
  const server = (overrides.server ?? cluster.server!).replace(/\/+$/, '');
  checkProxy(cluster, server, overrides.server ? '--kube-apiserver' : where.cluster);
  const tls: TlsOptions = {
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...optional('ca', overrides.ca ?? bytes(cluster, 'certificate-authority', cluster.__dir, where.cluster)),
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
    const over = delegateOverrides(overrides);
    resolved.delegate = { files: loaded.map((f) => f.path), context: contextName, ...(over ? { over } : {}) };
  }
  return resolved;
}

/** The overrides checked, with the CA file's bytes. */
type CheckedOverrides = KubeconfigOverrides & { ca?: Buffer };

/** The flags' own mistakes, refused before the kubeconfig is read and before anything is sent. */
function checkOverrides(overrides: KubeconfigOverrides): CheckedOverrides {
  if (overrides.caFile !== undefined && overrides.insecureSkipTlsVerify) {
    throw new UsageError(
      '--kube-ca-file and --kube-insecure-skip-tls-verify cannot both be given: one verifies the server with that CA, the other not at all (kubectl refuses this too)',
      'keep --kube-ca-file to verify the server',
    );
  }
  const checked: CheckedOverrides = { ...overrides };
  if (overrides.caFile !== undefined) {
    checked.ca = readFile(overrides.caFile, '--kube-ca-file');
    // Node would take any bytes and fail only at the handshake, with a message that does not name the file.
    if (!checked.ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new UserError(`--kube-ca-file: ${overrides.caFile} holds no PEM certificate`);
  }
  if (overrides.server !== undefined) checked.server = apiServerUrl(overrides.server);
  for (const [flag, value] of [
    ['--kube-as-user', overrides.asUser],
    ['--kube-token', overrides.token],
    ['--kube-tls-server-name', overrides.tlsServerName],
    ...(overrides.asGroups ?? []).map((group) => ['--kube-as-group', group]),
  ] as const) {
    // A header value with a line break would be refused by Node mid-command, or worse, split a header.
    if (value !== undefined && (value === '' || /[\r\n\0]/.test(value)))
      throw new UsageError(`${flag} must be a non-empty single line`);
  }
  return checked;
}

/** --kube-apiserver as client-go reads it: a URL, or host:port meaning https://host:port. */
function apiServerUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`--kube-apiserver "${text}" is not a URL`, 'e.g. --kube-apiserver https://10.0.0.1:6443');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`--kube-apiserver "${text}": the scheme must be https or http, not ${url.protocol}`);
  if (!url.hostname || url.username || url.password || url.search || url.hash)
    throw new UsageError(
      `--kube-apiserver "${text}" must be scheme://host[:port][/path], without credentials, query or fragment`,
      'e.g. --kube-apiserver https://10.0.0.1:6443',
    );
  return `${url.origin}${url.pathname}`;
}

/**
 * The cluster with the flags over it, as client-go's getCluster: a CA file or insecure replaces all of the cluster's
 * TLS verification (so insecure over a kubeconfig with a CA is no conflict), and --kube-apiserver drops the
 * kubeconfig's tls-server-name, which names another server's certificate, unless --kube-tls-server-name is given.
 */
function overrideCluster<C extends ClusterEntry>(cluster: C, overrides: KubeconfigOverrides): C {
  const result: C = { ...cluster };
  if (overrides.caFile !== undefined || overrides.insecureSkipTlsVerify) {
    delete result['certificate-authority'];
    delete result['certificate-authority-data'];
    result['insecure-skip-tls-verify'] = overrides.insecureSkipTlsVerify === true;
  }
  if (overrides.tlsServerName !== undefined || overrides.server !== undefined) {
    delete result['tls-server-name'];
    if (overrides.tlsServerName !== undefined) result['tls-server-name'] = overrides.tlsServerName;
  }
  return result;
}

/**
 * The user with the flags over it. A token replaces every other credential: kubectl would keep a client certificate
 * beside it, and the API server, which tries certificates first, would never see the token; `--kube-token` means
 * "act as the token's owner". Impersonation from the kubeconfig stays unless the flags replace it.
 */
function overrideUser<U extends UserEntry>(user: U, overrides: KubeconfigOverrides): U {
  const result: U = { ...user };
  if (overrides.token !== undefined) {
    for (const key of [
      'client-certificate',
      'client-certificate-data',
      'client-key',
      'client-key-data',
      'tokenFile',
      'username',
      'password',
      'exec',
      'auth-provider',
    ] as const)
      delete result[key];
    result.token = overrides.token;
  }
  if (overrides.asUser !== undefined) result.as = overrides.asUser;
  if (overrides.asGroups?.length) result['as-groups'] = [...overrides.asGroups];
  if (overrides.asGroups?.length && result.as === undefined)
    throw new UsageError(
      '--kube-as-group needs a user to impersonate: give --kube-as-user too',
      'the API server refuses groups without a user',
    );
  return result;
}

/** The TLS options the flags set, over whatever the kubeconfig (or client-node) gave. */
function tlsOverrides(overrides: CheckedOverrides): Partial<TlsOptions> {
  return {
    ...(overrides.ca !== undefined || overrides.insecureSkipTlsVerify
      ? { ca: overrides.ca, rejectUnauthorized: overrides.insecureSkipTlsVerify !== true }
      : {}),
    ...(overrides.tlsServerName !== undefined || overrides.server !== undefined
      ? { servername: overrides.tlsServerName }
      : {}),
  };
}

/**
 * For users whose credentials client-node supplies (exec plugins, auth-providers): the TLS options and
 * impersonation headers to put over its request options. The server needs nothing: the client builds every URL
 * from `server`, which already carries --kube-apiserver. Undefined when no flag changes anything.
 */
function delegateOverrides(overrides: CheckedOverrides): NonNullable<ResolvedKubeconfig['delegate']>['over'] {
  const tls = tlsOverrides(overrides);
  const headers = {
    ...optional('Impersonate-User', overrides.asUser),
    ...(overrides.asGroups?.length ? { 'Impersonate-Group': [...overrides.asGroups] } : {}),
  };
  return Object.keys(tls).length + Object.keys(headers).length > 0 ? { tls, headers } : undefined;
}

/** The in-cluster service account with the flags over it. */
function applyOverrides(config: ResolvedKubeconfig, overrides: CheckedOverrides): ResolvedKubeconfig {
  const user = overrideUser({}, overrides);
  return {
    ...config,
    server: overrides.server?.replace(/\/+$/, '') ?? config.server,
    tls: { ...config.tls, ...tlsOverrides(overrides) },
    authHeaders: () => {
      const own = config.authHeaders();
      const impersonation = authHeaders({ ...user, __dir: '' }, 'the flags');
      return overrides.token !== undefined ? impersonation : { ...own, ...impersonation };
    },
  };
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

/**
 * The context names of the kubeconfig files a command would read (--kubeconfig, else $KUBECONFIG's, else
 * ~/.kube/config), for shell completion: a missing or broken file gives no names, never an error.
 */
export function kubeconfigContextNames(explicit?: string): string[] {
  let files: string[] | 'in-cluster';
  try {
    files = kubeconfigFiles(explicit);
  } catch {
    return [];
  }
  if (files === 'in-cluster') return [];
  const names = new Set<string>();
  for (const file of files) {
    try {
      for (const context of readKubeconfig(file).contexts ?? []) names.add(context.name);
    } catch {
      // An unreadable or invalid file gives no contexts.
    }
  }
  return [...names];
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
    // The fast reader where it answers (block YAML, or a JSON document); one document, or js-yaml says why not.
    const fast = loadBlockYaml(text);
    parsed = fast && fast.length <= 1 ? fast[0] : yaml.load(text);
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
