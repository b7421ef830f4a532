// A TCP stream to a pod's port through the API server (`pods/portforward`), over a WebSocket with the
// `v4.channel.k8s.io` protocol that kubelets serve: channel 0 carries the port's data and channel 1 its errors, each
// first announcing the port (2 bytes); every message starts with its channel byte. Loaded only by the commands that
// forward (`rayctl session`, `rayctl dashboard`), so no other command pays for the WebSocket library.
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { KubeClient } from './client.ts';

const DATA = 0;
const ERROR = 1;

/** Opens a stream to `port` of pod `namespace/pod`; rejects when the API server or the kubelet refuses. */
export async function forwardPort(client: KubeClient, namespace: string, pod: string, port: number): Promise<Duplex> {
  const { url, options } = await client.connectionFor(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`,
    { ports: port },
  );
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, ['v4.channel.k8s.io'], {
    ...(options as WebSocket.ClientOptions),
    headers: options.headers as Record<string, string>,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`the API server refused to forward port ${port} of pod ${pod}: HTTP ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
  const announced = new Set<number>();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      ws.send(Buffer.concat([Buffer.from([DATA]), chunk]), done);
    },
    final(done) {
      ws.close();
      done();
    },
    destroy(error, done) {
      ws.terminate();
      done(error);
    },
  });
  ws.on('message', (message: Buffer) => {
    const channel = message[0];
    let payload = message.subarray(1);
    // The first message of each channel names the port; it is not data.
    if (channel !== undefined && !announced.has(channel)) {
      announced.add(channel);
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (channel === DATA) stream.push(payload);
    else if (channel === ERROR) stream.destroy(new Error(payload.toString('utf8')));
  });
  ws.on('close', () => stream.push(null));
  ws.on('error', (error) => stream.destroy(error));
  return stream;
}
