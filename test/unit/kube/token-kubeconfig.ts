import { writeFileSync } from 'node:fs';

/**
 * Writes a kubeconfig of one context: `server` (a plain-HTTP API server a test runs on loopback) and a bearer token.
 * The client's tests drive the real client through real sockets with it.
 */
export function writeTokenKubeconfig(path: string, server: string, token = 't'): string {
  writeFileSync(
    path,
    JSON.stringify({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server } }],
      users: [{ name: 'u', user: { token } }],
    }),
  );
  return path;
}
