import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.ts';
import { DEFAULT_RETRY, isIdempotent, retryDelayMs, shouldRetry, type RetryPolicy } from '../../../src/kube/retry.ts';
import { ReleaseStorage } from '../../../src/release/storage.ts';
import { releaseRecord } from '../../fixtures/release.ts';
import { writeTokenKubeconfig } from './token-kubeconfig.ts';

const POLICY: RetryPolicy = { maxAttempts: 4, baseMs: 100, capMs: 1_000 };

describe('the retry policy', () => {
  it('retries what the server surely did not act on, for any method; resets and 5xx only for idempotent calls', () => {
    const create = isIdempotent('POST', 'application/json');
    assert.equal(create, false);
    assert.equal(shouldRetry({ networkError: 'ECONNREFUSED' }, 1, create, POLICY), true);
    assert.equal(shouldRetry({ status: 429 }, 1, create, POLICY), true);
    assert.equal(shouldRetry({ networkError: 'ECONNRESET' }, 1, create, POLICY), false, 'a create may have happened');
    assert.equal(shouldRetry({ status: 503 }, 1, create, POLICY), false);
    for (const [method, type] of [
      ['GET', undefined],
      ['PUT', 'application/json'],
      ['DELETE', undefined],
      ['PATCH', 'application/apply-patch+yaml'],
      ['PATCH', 'application/merge-patch+json'],
    ] as const) {
      const idempotent = isIdempotent(method, type);
      assert.equal(idempotent, true, `${method} ${type}`);
      assert.equal(shouldRetry({ networkError: 'ECONNRESET' }, 1, idempotent, POLICY), true);
      assert.equal(shouldRetry({ networkError: 'ETIMEDOUT' }, 1, idempotent, POLICY), true);
      assert.equal(shouldRetry({ status: 503 }, 1, idempotent, POLICY), true);
    }
    assert.equal(isIdempotent('PATCH', 'application/json-patch+json'), false, 'a JSON patch may add twice');
  });

  it('never retries client errors, and stops after maxAttempts', () => {
    for (const status of [400, 401, 403, 404, 409, 422])
      assert.equal(shouldRetry({ status }, 1, true, POLICY), false, String(status));
    assert.equal(shouldRetry({ status: 503 }, 3, true, POLICY), true);
    assert.equal(shouldRetry({ status: 503 }, 4, true, POLICY), false);
  });

  it('backs off exponentially with full jitter, capped; Retry-After wins, capped too', () => {
    const top = () => 1; // the jitter's upper bound
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs({ status: 503 }, attempt, POLICY, top)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(
      retryDelayMs({ status: 503 }, 3, POLICY, () => 0.25),
      100,
    );
    assert.equal(retryDelayMs({ status: 429, retryAfterSeconds: 0.5 }, 1, POLICY, top), 500);
    assert.equal(retryDelayMs({ status: 429, retryAfterSeconds: 3600 }, 1, POLICY, top), 1000);
    assert.ok(DEFAULT_RETRY.maxAttempts >= 5);
  });
});

/** A small HTTP API server whose answers the test scripts, to drive the real client through real sockets. */
function flakyServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  server.listen(0, '127.0.0.1');
  after(() => server.close());
  return new Promise<string>((resolve) =>
    server.on('listening', () => {
      const { port } = server.address() as { port: number };
      const dir = mkdtempSync(join(tmpdir(), 'rayctl-retry-'));
      after(() => rmSync(dir, { recursive: true, force: true }));
      const kubeconfig = writeTokenKubeconfig(join(dir, 'config'), `http://127.0.0.1:${port}`);
      resolve(kubeconfig);
    }),
  );
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('the client against a flaky API server', () => {
  it('a GET survives two 503s and a reset connection, and counts its retries', async () => {
    let calls = 0;
    const kubeconfig = await flakyServer((req, res) => {
      calls++;
      if (calls === 1) return json(res, 503, { kind: 'Status', message: 'restarting' }, { 'Retry-After': '0' });
      if (calls === 2) return req.socket.destroy();
      if (calls === 3) return json(res, 503, { kind: 'Status', message: 'restarting' }, { 'Retry-After': '0' });
      json(res, 200, { kind: 'Namespace', metadata: { name: 'ray' } });
    });
    const client = await KubeClient.connect({ kubeconfig });
    const namespace = await client.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/ray', {
      verb: 'get',
      resource: 'namespaces',
    });
    assert.equal(namespace.metadata.name, 'ray');
    assert.equal(client.retries, 3);
    client.close();
  });

  it('a create whose connection broke is not sent again blindly: the record is read, and found to be ours', async () => {
    const secrets = new Map<string, unknown>();
    let posts = 0;
    const kubeconfig = await flakyServer((req, res, body) => {
      if (req.method === 'POST') {
        posts++;
        const secret = JSON.parse(body) as { metadata: { name: string; resourceVersion?: string } };
        secrets.set(secret.metadata.name, { ...secret, metadata: { ...secret.metadata, resourceVersion: '7' } });
        return req.socket.destroy(); // stored, but the answer is lost
      }
      const name = decodeURIComponent(req.url!.split('/').at(-1)!);
      const secret = secrets.get(name);
      if (secret) return json(res, 200, secret);
      json(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
    });
    const client = await KubeClient.connect({ kubeconfig });
    const release = releaseRecord({ name: 'r', namespace: 'ray', status: 'pending-install' });
    const stored = await new ReleaseStorage(client).create(release);
    assert.equal(posts, 1, 'sent once');
    assert.equal(stored.resourceVersion, '7');
    client.close();
  });
});
