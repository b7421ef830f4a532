// A minimal HTTPS client for the test API server, authenticated by the admin client certificate.
// Plain node:https keeps the harness independent of the code under test and makes raw
// requests (impersonation headers, streaming pods/log) easy.
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';

export interface KubeHttpOptions {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Sent as Impersonate-User / Impersonate-Group on every request. */
  impersonate?: { user: string; groups?: string[] };
}

export interface KubeResponse<T> {
  status: number;
  body: T;
  text: string;
}

/** Kubernetes' Status object, as returned with error responses. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class KubeHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

export class KubeHttp {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly options: KubeHttpOptions) {
    this.base = new URL(options.server);
    this.agent = new Agent({
      ca: readFileSync(options.caFile),
      cert: readFileSync(options.certFile),
      key: readFileSync(options.keyFile),
      keepAlive: true,
    });
  }

  /** Same credentials, impersonating another user (RBAC checks then apply to that user). */
  impersonating(user: string, groups?: string[]): KubeHttp {
    return new KubeHttp({ ...this.options, impersonate: groups ? { user, groups } : { user } });
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(contentType?: string): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = { Accept: 'application/json' };
    if (contentType) headers['Content-Type'] = contentType;
    if (this.options.impersonate) {
      headers['Impersonate-User'] = this.options.impersonate.user;
      if (this.options.impersonate.groups?.length) headers['Impersonate-Group'] = this.options.impersonate.groups;
    }
    return headers;
  }

  private open(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    timeoutMs = 30_000,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            ...this.headers(payload === undefined ? undefined : (contentType ?? 'application/json')),
            // Node sends no body for DELETE unless its length is given (it does not chunk DELETE requests).
            ...(payload === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(payload)) }),
          },
        },
        resolvePromise,
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no response in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Any status; the body parsed as JSON when it is JSON. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse<T>> {
    const res = await this.open(method, path, body, contentType);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = text;
    if ((res.headers['content-type'] ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
    return { status: res.statusCode ?? 0, body: parsed as T, text };
  }

  /** A 2xx response's body, or a KubeHttpError. */
  async json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request<T>(method, path, body, contentType);
    if (res.status < 200 || res.status > 299) throw new KubeHttpError(method, path, res.status, res.text);
    return res.body;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  /** Server-side apply: creates or updates, so setup code can be rerun. */
  apply<T = unknown>(path: string, object: unknown, fieldManager = 'rayctl-test-harness'): Promise<T> {
    const sep = path.includes('?') ? '&' : '?';
    return this.json<T>(
      'PATCH',
      `${path}${sep}fieldManager=${fieldManager}&force=true`,
      object,
      'application/apply-patch+yaml',
    );
  }

  /**
   * Opens a long-running GET (pods/log?follow=true, watches) and calls onChunk with the text as it
   * arrives, and onEnd when the stream closes (by either side). Returns a function that closes the stream.
   */
  async stream(path: string, onChunk: (text: string) => void, onEnd?: () => void): Promise<() => void> {
    const res = await this.open('GET', path, undefined, undefined, 0);
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw new KubeHttpError('GET', path, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
    }
    res.setEncoding('utf8');
    res.on('data', (text: string) => onChunk(text));
    res.on('error', () => undefined);
    if (onEnd) res.on('close', onEnd);
    return () => res.destroy();
  }
}
