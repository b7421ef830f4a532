// The least a Node.js command line pays to talk to the API server: start Node, load node:http2, read the
// kubeconfig (the JSON one bench:compare writes) and its files, then make COUNT sequential GETs as streams of one
// HTTP/2 connection, the transport rayctl (like kubectl and helm) uses. No rendering, no release records, no output.
// Run: node node-floor.mjs KUBECONFIG COUNT
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';

const [kubeconfigPath, countText] = process.argv.slice(2);
const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8'));
const { cluster } = config.clusters[0];
const { user } = config.users[0];
const session = connect(cluster.server, {
  ca: readFileSync(cluster['certificate-authority']),
  cert: readFileSync(user['client-certificate']),
  key: readFileSync(user['client-key']),
});
session.on('error', (error) => {
  throw error;
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
