import type { OutgoingHttpHeaders, RequestOptions } from 'node:http';
import { delimiter } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeCall, KubeError, type KubeCall } from './errors.ts';
import type { Http1Connection } from './http1.ts';
import { Http2Connection, type KubeResponse } from './http2.ts';
import { loadKubeconfig, type KubeconfigOverrides } from './kubeconfig.ts';
import { DEFAULT_BURST, DEFAULT_QPS, monotonicMs, TokenBucket } from './rate-limit.ts';
import { DEFAULT_RETRY, isIdempotent, retryDelayMs, shouldRetry, type Outcome, type RetryPolicy } from './retry.ts';

/**
 * Connections to the API server at once over HTTP/1.1; more calls wait for a free one. Over HTTP/2 (http2.ts) calls
 * are streams of one connection, and this does not apply.
 */
export const MAX_SOCKETS = 16;

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  /** Log each API call (method, path, status, milliseconds) to stderr, as `--debug` asks. */
  debug?: boolean;
  /** The global `--kube-*` flags over the kubeconfig's context (kubeconfig.ts). */
  overrides?: KubeconfigOverrides;
  /** Calls a second, after the burst: the client-side rate limit (rate-limit.ts). 0 or absent: DEFAULT_QPS. */
  qps?: number;
  /** Calls that may go at once before the limit applies. 0 or absent: DEFAULT_BURST. */
  burst?: number;
}

export interface RequestOptionsExtra {
  /** JSON, or bytes sent as they are. */
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Accept header; e.g. metadata-only lists. Default application/json. */
  accept?: string;
  /** Reads the answer's JSON when the caller needs only part of it. Default JSON.parse. */
  parse?: (json: string) => unknown;
  /** Milliseconds before the call is abandoned. */
  timeoutMs?: number;
}

/** Kubernetes' Status object, the body of every error response. */
interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The one way rayctl talks to an API server. @kubernetes/client-node reads the kubeconfig and supplies credentials
 * (certificates, tokens, exec plugins); requests are plain JSON over HTTPS, which is much faster than the
 * library's generated models for large lists.
 */
export class KubeClient {
  /** HTTPS calls go over HTTP/2 (http2.ts) when the server speaks it. Made on first use. */
  private http2: Http2Connection | undefined;
  /** Else HTTP/1.1 (http1.ts), loaded and made on first use. */
  private http1: Http1Connection | undefined;
  /** Calls sent again so far, for `--debug`. */
  retries = 0;
  private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY;

  private constructor(
    /** Adds TLS material and authentication to one request's options. */
    private readonly authenticate: (options: RequestOptions & Record<string, unknown>) => Promise<void>,
    /** The kubeconfig context in use, for messages. */
    readonly contextName: string,
    readonly server: string,
    /** The context's namespace, or "default": where a command works without -n. */
    readonly defaultNamespace: string,
    private readonly debug: boolean,
    /** Taken before every call (and every retry); a watch or log stream takes one when it opens. */
    readonly limiter: TokenBucket,
  ) {}

  /**
   * Reads the kubeconfig with rayctl's own loader (certificates, tokens, basic auth, in-cluster). Only exec plugins
   * and auth-providers load @kubernetes/client-node, whose ~1 MB costs a command ~200 ms of start-up.
   */
  static async connect(options: ConnectOptions = {}): Promise<KubeClient> {
    const config = loadKubeconfig(options);
    const limiter = new TokenBucket(options.qps || DEFAULT_QPS, options.burst || DEFAULT_BURST);
    const debug = Boolean(options.debug);
    if (!config.delegate) {
      const authenticate = (request: RequestOptions & Record<string, unknown>) => {
        Object.assign(request, config.tls);
        request.headers = { ...(request.headers as Record<string, string>), ...config.authHeaders() };
        return Promise.resolve();
      };
      return new KubeClient(authenticate, config.contextName, config.server, config.namespace, debug, limiter);
    }
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = config.delegate.files.join(delimiter);
    try {
      kc.loadFromDefault();
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
    kc.setCurrentContext(config.delegate.context);
    const over = config.delegate.over;
    return new KubeClient(
      async (request) => {
        await kc.applyToHTTPSOptions(request);
        if (!over) return;
        Object.assign(request, over.tls);
        request.headers = { ...(request.headers as Record<string, string>), ...over.headers };
      },
      config.contextName,
      config.server,
      config.namespace,
      debug,
      limiter,
    );
  }

  /**
   * Sends one request and returns the parsed JSON body; error statuses become a KubeError naming the call.
   * Transient failures are retried by the retry policy (retry.ts): idempotent calls on resets, timeouts and 5xx,
   * any call on a refused connection or a 429, waiting as the server's Retry-After says or with jittered back-off.
   */
  async request<T>(method: string, path: string, call: KubeCall, extra: RequestOptionsExtra = {}): Promise<T> {
    const idempotent = isIdempotent(method, extra.contentType);
    for (let attempt = 1; ; attempt++) {
      const waited = await this.limiter.take();
      const started = monotonicMs();
      let response: KubeResponse;
      let text: string;
      try {
        response = await this.send(method, path, call, extra);
        text = await readBody(response);
      } catch (err) {
        // send() fails with the KubeError of an unreachable server; reading the body, with the socket's own error.
        const failure = err instanceof KubeError ? err : this.unreachable(call, err as NodeJS.ErrnoException);
        const code = (failure.cause as NodeJS.ErrnoException | undefined)?.code;
        const outcome = { networkError: code ?? 'unknown' };
        if (!shouldRetry(outcome, attempt, idempotent, this.retryPolicy)) throw failure;
        await this.backOff(method, path, outcome, attempt, code ?? 'network error');
        continue;
      }
      const status = response.statusCode ?? 0;
      if (this.debug)
        process.stderr.write(
          `api: ${method} ${path} ${status} ${(monotonicMs() - started).toFixed(1)} ms${waited > 0 ? ` (after ${waited.toFixed(0)} ms for the rate limit)` : ''}\n`,
        );
      const retryAfter = response.headers['retry-after'];
      const outcome = { status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) }) };
      if (status >= 400 && shouldRetry(outcome, attempt, idempotent, this.retryPolicy)) {
        await this.backOff(method, path, outcome, attempt, `HTTP ${status}`);
        continue;
      }
      if (status >= 400) throw this.errorFor(call, status, text);
      return (text === '' ? undefined : (extra.parse ?? JSON.parse)(text)) as T;
    }
  }

  private async backOff(method: string, path: string, outcome: Outcome, attempt: number, why: string): Promise<void> {
    const delay = retryDelayMs(outcome, attempt, this.retryPolicy, Math.random);
    this.retries++;
    if (this.debug)
      process.stderr.write(
        `api: ${method} ${path} failed (${why}); retry ${attempt}/${this.retryPolicy.maxAttempts - 1} in ${delay} ms\n`,
      );
    await sleep(delay);
  }

  /** Opens a streaming response (watches, logs); the caller reads and destroys it. */
  async stream(path: string, call: KubeCall, query: RequestOptionsExtra['query'] = {}): Promise<KubeResponse> {
    await this.limiter.take();
    const started = monotonicMs();
    const response = await this.send('GET', path, call, { query, timeoutMs: 0 });
    const status = response.statusCode ?? 0;
    this.trace('GET', path, query, status, started);
    if (status >= 400) throw this.errorFor(call, status, await readBody(response));
    return response;
  }

  /**
   * The URL and the TLS and authentication options of a call, for protocols this client does not speak itself
   * (the WebSocket of pods/portforward).
   */
  async connectionFor(
    path: string,
    query: RequestOptionsExtra['query'] = {},
  ): Promise<{ url: URL; options: RequestOptions & Record<string, unknown> }> {
    await this.limiter.take();
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const options: RequestOptions & Record<string, unknown> = { headers: { 'User-Agent': 'rayctl' } };
    await this.authenticate(options);
    return { url, options };
  }

  close(): void {
    if (this.debug && this.retries > 0) process.stderr.write(`api: ${this.retries} calls were sent again in all\n`);
    if (this.debug && this.limiter.throttled > 0)
      process.stderr.write(
        `api: ${this.limiter.throttled} calls waited ${Math.round(this.limiter.waitedMs)} ms in all for the client-side rate limit (--qps ${this.limiter.qps}, --burst-limit ${this.limiter.burst})\n`,
      );
    this.http2?.close();
    this.http1?.close();
  }

  /** With --debug: one line per call, with the query (watch=1 marks a watch), status and time. */
  private trace(
    method: string,
    path: string,
    query: RequestOptionsExtra['query'],
    status: number,
    started: number,
  ): void {
    if (!this.debug) return;
    const search = Object.entries(query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    process.stderr.write(
      `api: ${method} ${path}${search ? `?${search}` : ''} ${status} ${(monotonicMs() - started).toFixed(1)} ms\n`,
    );
  }

  private async send(method: string, path: string, call: KubeCall, extra: RequestOptionsExtra): Promise<KubeResponse> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(extra.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Bytes go as they are (e.g. a zip through a service proxy); anything else as JSON.
    const body =
      extra.body === undefined ? undefined : extra.body instanceof Uint8Array ? extra.body : JSON.stringify(extra.body);
    const options: RequestOptions = {
      method,
      headers: {
        Accept: extra.accept ?? 'application/json',
        'User-Agent': 'rayctl',
        // Always framed: Node does not chunk DELETE bodies, and unframed bytes would corrupt the keep-alive socket.
        ...(body === undefined
          ? {}
          : { 'Content-Type': extra.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }),
      },
    };
    await this.authenticate(options as RequestOptions & Record<string, unknown>);
    const timeoutMs = extra.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Certificates come from the kubeconfig and do not change; tokens travel in headers, set per request.
    const tls = agentTlsOptions(options as Record<string, unknown>);
    if (url.protocol === 'https:') {
      // DISABLE_HTTP2 turns it off, as it does for kubectl and every client-go program (a proxy that mangles it).
      if (!process.env.DISABLE_HTTP2)
        this.http2 ??= new Http2Connection(
          url,
          tls,
          this.debug ? (line) => process.stderr.write(`${line}\n`) : undefined,
        );
      if (this.http2 && !this.http2.unsupported) {
        const headers = options.headers as OutgoingHttpHeaders;
        const response = await this.http2
          .request(method, url.pathname + url.search, headers, body, timeoutMs)
          .catch((err: NodeJS.ErrnoException) => Promise.reject(this.unreachable(call, err)));
        if (response) return response;
      }
    }
    this.http1 ??= new (await import('./http1.ts')).Http1Connection(MAX_SOCKETS);
    return this.http1
      .send(url, options, tls, body, timeoutMs)
      .catch((err: NodeJS.ErrnoException) => Promise.reject(this.unreachable(call, err)));
  }

  private errorFor(call: KubeCall, status: number, text: string): KubeError {
    let parsed: Status = {};
    try {
      parsed = JSON.parse(text) as Status;
    } catch {
      parsed = { message: text.trim().slice(0, 300) };
    }
    const reason = parsed.reason ?? '';
    const detail = parsed.message ?? `HTTP ${status}`;
    switch (status) {
      case 401:
        return new KubeError(
          `the API server at ${this.server} rejected the credentials of context "${this.contextName}" (expired or invalid) while trying to ${describeCall(call)}`,
          call,
          status,
          reason || 'Unauthorized',
          'refresh the credentials (for a cloud cluster, rerun its get-credentials command) or choose another --kube-context',
        );
      case 403:
        return new KubeError(
          `forbidden: cannot ${describeCall(call)} (context "${this.contextName}"): ${detail}`,
          call,
          status,
          reason || 'Forbidden',
          'ask a cluster admin for this permission, or use a context that has it',
        );
      default:
        return new KubeError(`cannot ${describeCall(call)}: ${detail}`, call, status, reason);
    }
  }

  private unreachable(call: KubeCall, err: NodeJS.ErrnoException): KubeError {
    const why =
      err.code === 'ECONNREFUSED'
        ? 'connection refused'
        : err.code === 'ENOTFOUND'
          ? 'host not found'
          : err.code === 'ETIMEDOUT'
            ? 'timed out'
            : err.message;
    const error = new KubeError(
      `cannot reach the Kubernetes API server at ${this.server} (context "${this.contextName}") to ${describeCall(call)}: ${why}`,
      call,
      0,
      'Unreachable',
      'is the cluster running? check `kubectl cluster-info`, or choose another --kubeconfig / --kube-context',
    );
    // The network error itself, for the retry policy.
    error.cause = err;
    return error;
  }
}

/** The TLS parts of request options, so the keep-alive agent presents the same client identity. */
function agentTlsOptions(options: Record<string, unknown>): Record<string, unknown> {
  const tls: Record<string, unknown> = {};
  for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
    if (options[key] !== undefined) tls[key] = options[key];
  }
  return tls;
}

function readBody(response: KubeResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}
