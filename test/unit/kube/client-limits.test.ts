// The client with the global flags: the rate limit taken before each call, the overrides in the requests it sends.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.ts';
import { writeTokenKubeconfig } from './token-kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'rayctl-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An API server that answers every call with an empty list and records each request's headers. */
async function recordingServer(): Promise<{ kubeconfig: string; seen: IncomingHttpHeaders[]; port: number }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"kind":"List","items":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const { port } = server.address() as { port: number };
  const kubeconfig = writeTokenKubeconfig(join(dir, `config-${port}`), 'http://127.0.0.1:1', 'kubeconfig-token');
  return { kubeconfig, seen, port };
}

const call = { verb: 'list', resource: 'pods' };

describe('the client under the global flags', () => {
  it('a burst goes at once, then calls are spaced at 1/qps', async () => {
    const { kubeconfig, port } = await recordingServer();
    const client = await KubeClient.connect({
      kubeconfig,
      overrides: { server: `http://127.0.0.1:${port}` },
      qps: 10,
      burst: 2,
    });
    const started = performance.now();
    for (let i = 0; i < 2; i++) await client.request('GET', '/api/v1/pods', call);
    assert.equal(client.limiter.throttled, 0, 'the burst went at once');
    for (let i = 0; i < 4; i++) await client.request('GET', '/api/v1/pods', call);
    const total = performance.now() - started;
    client.close();
    assert.ok(client.limiter.throttled >= 3, `the calls after the burst waited (${client.limiter.throttled} of 4)`);
    // Four calls at 10/s after the burst: ~400 ms (less what the bucket refilled while the calls ran).
    assert.ok(total >= 300, `6 calls took ${total.toFixed(0)} ms, expected ≥ 300`);
    assert.ok(client.limiter.waitedMs <= 400, `${client.limiter.waitedMs} ms waited, at most 4 × 100`);
  });

  it('the defaults do not hold back a command: 100 calls at once', async () => {
    const { kubeconfig, port } = await recordingServer();
    const client = await KubeClient.connect({ kubeconfig, overrides: { server: `http://127.0.0.1:${port}` } });
    await Promise.all(Array.from({ length: 100 }, () => client.request('GET', '/api/v1/pods', call)));
    client.close();
    assert.equal(client.limiter.throttled, 0);
    assert.deepEqual([client.limiter.qps, client.limiter.burst], [50, 100]);
  });

  it('--kube-apiserver, --kube-token and impersonation reach the server in every request', async () => {
    const { kubeconfig, seen, port } = await recordingServer();
    const client = await KubeClient.connect({
      kubeconfig,
      overrides: {
        server: `http://127.0.0.1:${port}`,
        token: 'flag',
        asUser: 'nobody',
        asGroups: ['a', 'b'],
      },
    });
    assert.equal(client.server, `http://127.0.0.1:${port}`);
    await client.request('GET', '/api/v1/pods', call);
    client.close();
    assert.equal(seen[0]!.authorization, 'Bearer flag');
    assert.equal(seen[0]!['impersonate-user'], 'nobody');
    // Node joins a repeated header's values with ", " on the way in: both groups were sent.
    assert.equal(seen[0]!['impersonate-group'], 'a, b');
  });
});
