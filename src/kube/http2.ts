// HTTP/2 to an HTTPS API server, as kubectl and client-go speak it: one TLS connection carries every call and watch
// of a client, each as a stream. Against HTTP/1.1 over a pool of keep-alive sockets it costs the client a fifth to a
// quarter less CPU per call (1,000 pod creates from Node on the test control plane: 0.84–0.97 ms of CPU each against
// 1.14–1.31 ms) and one TLS handshake instead of one per call made in parallel.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { DirectTrust } from './direct-trust.ts';

/**
 * How much a stream and the whole connection may receive unread, as Go's HTTP/2 client allows (4 MB and 1 GB).
 * Node's default of 64 KB stalls a watch while the event loop is busy: the API server's writes to it block, its
 * watch cache finds the watcher slow and closes the watch, and the informer has to open it again.
 */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 1 << 30;

/** An answer's status and headers, and its body to read: what HTTP/1.1's IncomingMessage and a stream both give. */
export interface KubeResponse extends Readable {
  statusCode?: number;
  headers: IncomingHttpHeaders;
}

/**
 * The HTTP/2 session of one client, opened on first use and again after the server closed it (a GOAWAY on restart
 * or on its connection limit). A server whose TLS handshake does not choose h2 is remembered as `unsupported`, and
 * the client speaks HTTP/1.1 to it from then on.
 */
export class Http2Connection {
  /** The server chose HTTP/1.1 in the TLS handshake. */
  unsupported = false;
  private session: Promise<ClientHttp2Session | undefined> | undefined;
  /** Streams open on the session: while there are any it keeps the process alive, and idle it does not. */
  private open = 0;
  /** Checks the server's certificate without Node's root store (direct-trust.ts) until it refuses one. */
  private directTrust: DirectTrust | undefined;

  constructor(
    private readonly origin: URL,
    /** Certificates and verification, as the kubeconfig gives them; the same for every call. */
    private readonly tls: ConnectionOptions,
    /** Where `--debug` lines go. */
    private readonly debug?: (line: string) => void,
  ) {
    this.directTrust = DirectTrust.from(tls);
  }

  /**
   * Sends one request as a stream; undefined, without sending anything, when the server does not speak HTTP/2.
   * Rejects with the network error (its code, e.g. ECONNREFUSED) when there is no answer.
   */
  async request(
    method: string,
    pathAndQuery: string,
    headers: OutgoingHttpHeaders,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<KubeResponse | undefined> {
    const session = await this.connected();
    if (!session) return undefined;
    return new Promise<KubeResponse>((resolve, reject) => {
      const stream = session.request(
        { ...headers, ':method': method, ':path': pathAndQuery },
        { endStream: body === undefined },
      );
      if (this.open++ === 0) session.ref();
      stream.once('close', () => {
        if (--this.open === 0) session.unref();
      });
      stream.once('error', reject);
      stream.once('response', (answer) =>
        resolve(Object.assign(stream, { statusCode: Number(answer[':status']), headers: answer })),
      );
      if (timeoutMs > 0)
        stream.setTimeout(timeoutMs, () =>
          stream.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
        );
      if (body !== undefined) stream.end(body);
    });
  }

  /** Ends the session once its streams are done. */
  close(): void {
    void this.session?.then((session) => session?.close()).catch(() => undefined);
    this.session = undefined;
  }

  private connected(): Promise<ClientHttp2Session | undefined> {
    if (this.unsupported) return Promise.resolve(undefined);
    const opening = (this.session ??= this.connect());
    // A connection that failed is not kept: the next call (a retry) connects again.
    opening.catch(() => {
      if (this.session === opening) this.session = undefined;
    });
    return opening;
  }

  private connect(): Promise<ClientHttp2Session | undefined> {
    const host = this.origin.hostname.replace(/^\[|\]$/g, '');
    const direct = this.directTrust;
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        ...this.tls,
        host,
        port: Number(this.origin.port || 443),
        // SNI takes a name, not an address; the certificate is checked against the host either way.
        ...(this.tls.servername === undefined && isIP(host) === 0 ? { servername: host } : {}),
        ALPNProtocols: ['h2', 'http/1.1'],
        ...direct?.connectOptions(),
      });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        if (direct) {
          // Nothing has been sent yet: a certificate refused here is checked by OpenSSL on a second connection.
          const refusal = direct.refusal(socket.getPeerX509Certificate(), this.tls.servername ?? host);
          this.debug?.(
            refusal === undefined
              ? "tls: the server's certificate is signed by the kubeconfig's CA (checked without Node's root store)"
              : `tls: ${refusal}; connecting again for OpenSSL to check it`,
          );
          if (refusal !== undefined) {
            socket.destroy();
            this.directTrust = undefined;
            resolve(this.connect());
            return;
          }
        }
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          this.unsupported = true;
          resolve(undefined);
          return;
        }
        const session = http2Connect(this.origin.origin, {
          createConnection: () => socket,
          settings: { initialWindowSize: STREAM_WINDOW },
        });
        session.setLocalWindowSize(CONNECTION_WINDOW);
        const opened = this.session;
        // After a GOAWAY or a close, new calls open a new session; streams under way end on the old one.
        const forget = () => {
          if (this.session === opened) this.session = undefined;
        };
        session.once('goaway', forget);
        session.once('close', forget);
        // A session's error also ends its streams, and each stream's caller hears of it there.
        session.on('error', forget);
        session.unref();
        resolve(session);
      });
    });
  }
}
