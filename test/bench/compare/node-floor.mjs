// The least a Node.js command line pays to talk to the API server: start Node, load node:http2, read the
// kubeconfig (the JSON one bench:compare writes) and its files, then make COUNT sequential GETs as streams of one
// HTTP/2 connection, the transport rayctl (like kubectl and helm) uses. No rendering, no release records, no output.
// Node 20 builds its store of bundled root certificates (30–40 ms) for any TLS context given a CA; rayctl avoids it by
// checking the server's certificate against the CA itself (src/kube/direct-trust.ts), and so does the floor, with
// the signature check alone.
// Run: node node-floor.mjs KUBECONFIG COUNT
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { createSecureContext } from 'node:tls';

const [kubeconfigPath, countText] = process.argv.slice(2);
const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8'));
const { cluster } = config.clusters[0];
const { user } = config.users[0];
const ca = new X509Certificate(readFileSync(cluster['certificate-authority']));
const session = connect(cluster.server, {
  secureContext: createSecureContext({
    ca: [],
    cert: readFileSync(user['client-certificate']),
    key: readFileSync(user['client-key']),
  }),
  rejectUnauthorized: false,
});
session.on('error', (error) => {
  throw error;
});
session.socket.once('secureConnect', () => {
  const server = session.socket.getPeerX509Certificate();
  if (!server.checkIssued(ca) || !server.verify(ca.publicKey)) throw new Error('the server is not signed by the CA');
});
const get = (path) =>
  new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    stream.on('error', reject);
    stream.on('end', resolve);
    stream.resume();
  });
for (let i = 0; i < Number(countText); i++) await get('/api/v1/namespaces/default');
session.close();
