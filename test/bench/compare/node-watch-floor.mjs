// The least a Node.js operator is: Node, node:https, and the three watches an operator cannot do without (its
// RayClusters, and the pods and Services of every namespace) on keep-alive TLS, everything that arrives read and
// dropped. bench:compare runs it as the floor's process: its memory and CPU are the part of an operator's that no code
// of ours can cut. Run: node node-watch-floor.mjs KUBECONFIG (the JSON one bench:compare writes); SIGTERM stops it.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { setTimeout } from 'node:timers';

// The kubeconfig and agent lines repeat node-floor.mjs's on purpose: that floor times its own start, so it loads
// no module of ours.
const [kubeconfigPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8'));
const { cluster } = config.clusters[0];
const { user } = config.users[0];
const agent = new Agent({
  keepAlive: true,
  ca: readFileSync(cluster['certificate-authority']),
  cert: readFileSync(user['client-certificate']),
  key: readFileSync(user['client-key']),
});
const watch = (path) => {
  const call = request(new URL(`${path}?watch=1&allowWatchBookmarks=true`, cluster.server), { agent }, (response) => {
    response.resume();
    // A resource that is not there (its CRD not installed in this run) is not watched at all, nor asked again.
    if (response.statusCode !== 200) process.stderr.write(`${path}: HTTP ${response.statusCode}; not watched\n`);
    else response.on('end', () => setTimeout(() => watch(path), 100));
  });
  call.on('error', () => setTimeout(() => watch(path), 1_000));
  call.end();
};
for (const path of ['/apis/cluster.ray.io/v1/rayclusters', '/api/v1/pods', '/api/v1/services']) watch(path);
process.on('SIGTERM', () => process.exit(0));
