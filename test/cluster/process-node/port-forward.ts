// The kubelet's port-forward for process nodes: `/portForward/{namespace}/{pod}?port=…` upgraded to a WebSocket
// with the `v4.channel.k8s.io` protocol, which the API server passes through unchanged from a client of
// `pods/portforward` (as for a real kubelet). Per requested port i, channel 2i carries data and 2i+1 errors; each
// channel first announces its port (2 bytes, little-endian); every message starts with its channel byte. One TCP
// connection per port to the pod's IP, from the host, where the pods' bridges are routed.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

const PROTOCOL = 'v4.channel.k8s.io';
const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
});

/** Handles an upgrade request to the kubelet API if it is a port-forward; returns false when it is not one. */
export function handlePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  podIpOf: (namespace: string, pod: string) => string | undefined,
): boolean {
  const url = new URL(req.url ?? '/', 'https://node');
  const match = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return false;
  const [, namespace, pod] = match.map(decodeURIComponent) as [string, string, string];
  const ip = podIpOf(namespace, pod);
  // The API server turns the client's ?ports= into the kubelet's ?port= (repeated, or comma-separated).
  const ports = url.searchParams
    .getAll('port')
    .flatMap((value) => value.split(','))
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  if (!ip || ports.length === 0) {
    socket.end(
      `HTTP/1.1 ${ip ? '400 Bad Request' : '404 Not Found'}\r\nConnection: close\r\n\r\n${ip ? 'no ports' : `pod ${namespace}/${pod} has no IP on this node`}`,
    );
    return true;
  }
  wss.handleUpgrade(req, socket, head, (ws) => forward(ws, ip, ports));
  return true;
}

function forward(ws: WebSocket, ip: string, ports: number[]): void {
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  const connections: Socket[] = ports.map((port, i) => {
    const portBytes = Buffer.from([port & 0xff, port >> 8]);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    const tcp = connect(port, ip);
    tcp.on('data', (data: Buffer) => send(2 * i, data));
    tcp.on('error', (error) => {
      send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${ip}: ${error.message}`));
      ws.close();
    });
    tcp.on('close', () => ws.close());
    return tcp;
  });
  ws.on('message', (message: Buffer) => {
    const channel = message[0]!;
    // Data for port i arrives on channel 2i.
    const tcp = channel % 2 === 0 ? connections[channel / 2] : undefined;
    if (tcp && message.length > 1) tcp.write(message.subarray(1));
  });
  ws.on('close', () => connections.forEach((tcp) => tcp.destroy()));
  ws.on('error', () => connections.forEach((tcp) => tcp.destroy()));
}
