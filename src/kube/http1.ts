// HTTP/1.1 to the API server: `http://` servers, HTTPS servers that do not speak HTTP/2, and DISABLE_HTTP2. A module
// of its own that client.ts imports on first use: node:https costs every command 1.5-4 ms to load (node:http2 loads
// node:http itself), and HTTPS calls normally go over HTTP/2 (http2.ts).
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';

/** Keep-alive HTTP/1.1: a command makes many calls and one TLS handshake serves them all. */
export class Http1Connection {
  private agent: Agent | undefined;

  /** `maxSockets`: connections at once; more calls wait for a free one. */
  constructor(private readonly maxSockets: number) {}

  /**
   * Sends one request. `tls` is the request's TLS options: the keep-alive agent, made on the first HTTPS call, presents
   * that client identity. Resolves with the response once its headers arrive; rejects with the socket's error.
   */
  send(
    url: URL,
    options: RequestOptions,
    tls: Record<string, unknown>,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<IncomingMessage> {
    const isHttps = url.protocol === 'https:';
    if (isHttps) {
      this.agent ??= new Agent({ ...tls, keepAlive: true, maxSockets: this.maxSockets });
      options.agent = this.agent;
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(url, options, resolve);
      req.on('error', reject);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      }
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
