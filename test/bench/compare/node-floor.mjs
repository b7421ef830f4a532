// The least a Node.js command line pays to talk to the API server: start Node, load node:https, read the
// kubeconfig (the JSON one bench:compare writes) and its files, then make COUNT sequential GETs on one keep-alive
// TLS connection. No rendering, no release records, no output. Run: node node-floor.mjs KUBECONFIG COUNT
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

const [kubeconfigPath, countText] = process.argv.slice(2);
const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8'));
const { cluster } = config.clusters[0];
const { user } = config.users[0];
const agent = new Agent({
  keepAlive: true,
  ca: readFileSync(cluster['certificate-authority']),
  cert: readFileSync(user['client-certificate']),
  key: readFileSync(user['client-key']),
});
const get = (path) =>
  new Promise((resolve, reject) => {
    const call = request(new URL(path, cluster.server), { agent }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    call.on('error', reject);
    call.end();
  });
for (let i = 0; i < Number(countText); i++) await get('/api/v1/namespaces/default');
agent.destroy();
