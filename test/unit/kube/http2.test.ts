// The client over HTTPS: HTTP/2 to a server that speaks it (one connection, calls as streams, a new session after
// the server ends one), HTTP/1.1 to one that does not. Real TLS servers on loopback with the test control plane's PKI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.ts';
import { createPki, writeKubeconfig, type ClusterPki } from '../../cluster/pki.ts';

const dir = mkdtempSync(join(tmpdir(), 'rayctl-http2-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let pki: ClusterPki;
before(async () => {
  pki = await createPki(join(dir, 'pki'));
});

const call = { verb: 'list', resource: 'pods' };
/** Answers every call with a list naming the HTTP version it came over (for HTTP/1.1 and HTTP/2 servers alike). */
const answerVersion = (
  req: { httpVersion: string },
  res: { writeHead(status: number, headers: Record<string, string>): unknown; end(body: string): unknown },
) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'List', items: [], httpVersion: req.httpVersion }));
};

/** A client for `port`, trusting the test CA and presenting the admin certificate. */
async function clientFor(port: number): Promise<KubeClient> {
  const kubeconfig = await writeKubeconfig(join(dir, `config-${port}`), {
    server: `https://127.0.0.1:${port}`,
    caFile: pki.ca.cert,
    client: pki.admin,
  });
  return KubeClient.connect({ kubeconfig });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return (server.address() as { port: number }).port;
}

const tls = () => ({ key: readFileSync(pki.apiServerServing.key), cert: readFileSync(pki.apiServerServing.cert) });

describe('the client over HTTPS', () => {
  it('speaks HTTP/2 to a server that does: twenty calls at once, one connection', async () => {
    const server = createSecureServer({ ...tls(), allowHTTP1: true }, answerVersion);
    let sessions = 0;
    server.on('session', () => sessions++);
    const client = await clientFor(await listen(server));
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => client.request<{ httpVersion: string }>('GET', '/api/v1/pods', call)),
    );
    client.close();
    assert.deepEqual(new Set(answers.map((a) => a.httpVersion)), new Set(['2.0']));
    assert.equal(sessions, 1);
  });

  it('streams a watch over HTTP/2 until the server ends it, with room for 4 MB of events it has not read yet', async () => {
    let window = 0;
    const server = createSecureServer(tls(), (req, res) => {
      // What the client allows before it must read: Node's 64 KB default stalls a busy operator's watches.
      window = req.stream.session?.remoteSettings.initialWindowSize ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      setTimeout(() => res.end('{"type":"DELETED"}\n'), 50);
    });
    const client = await clientFor(await listen(server));
    const response = await client.stream('/api/v1/pods', { verb: 'watch', resource: 'pods' }, { watch: 1 });
    response.setEncoding('utf8');
    let text = '';
    for await (const chunk of response) text += chunk as string;
    client.close();
    assert.equal(response.statusCode, 200);
    assert.equal(text, '{"type":"ADDED"}\n{"type":"DELETED"}\n');
    assert.equal(window, 4 << 20);
  });

  it('connects again after the server ended the session (a GOAWAY, as on an API server restart)', async () => {
    const sessions: ServerHttp2Session[] = [];
    const server = createSecureServer(tls(), answerVersion);
    server.on('session', (session) => sessions.push(session));
    const client = await clientFor(await listen(server));
    await client.request('GET', '/api/v1/pods', call);
    sessions[0]!.goaway();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await client.request<{ httpVersion: string }>('GET', '/api/v1/pods', call);
    client.close();
    assert.equal(again.httpVersion, '2.0');
    assert.equal(sessions.length, 2);
  });

  it('speaks HTTP/1.1 when DISABLE_HTTP2 is set, as kubectl does', async () => {
    const server = createSecureServer({ ...tls(), allowHTTP1: true }, answerVersion);
    const client = await clientFor(await listen(server));
    process.env.DISABLE_HTTP2 = '1';
    try {
      const answer = await client.request<{ httpVersion: string }>('GET', '/api/v1/pods', call);
      assert.equal(answer.httpVersion, '1.1');
    } finally {
      delete process.env.DISABLE_HTTP2;
      client.close();
    }
  });

  it('speaks HTTP/1.1 to a server that offers only that, from the first call on', async () => {
    const server = createHttpsServer(tls(), answerVersion);
    const client = await clientFor(await listen(server));
    const first = await client.request<{ httpVersion: string }>('GET', '/api/v1/pods', call);
    const second = await client.request<{ httpVersion: string }>('GET', '/api/v1/pods', call);
    client.close();
    assert.equal(first.httpVersion, '1.1');
    assert.equal(second.httpVersion, '1.1');
  });

  it('names the server when nothing listens', async () => {
    const server = createSecureServer(tls(), answerVersion);
    const port = await listen(server);
    const client = await clientFor(port);
    server.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(client.request('GET', '/api/v1/pods', call), (err: Error) => {
      assert.match(err.message, new RegExp(`cannot reach the Kubernetes API server at https://127.0.0.1:${port}`));
      assert.match(err.message, /connection refused/);
      return true;
    });
    client.close();
  });

  it('loads no node:https for calls over HTTP/2 (HTTP/1.1 is its own module, loaded on first use)', async () => {
    const server = createSecureServer(tls(), answerVersion);
    const port = await listen(server);
    const kubeconfig = await writeKubeconfig(join(dir, 'config-modules'), {
      server: `https://127.0.0.1:${port}`,
      caFile: pki.ca.cert,
      client: pki.admin,
    });
    // A fresh process: this one has loaded node:https itself.
    const script = `
      const { KubeClient } = await import(${JSON.stringify(fileURLToPath(new URL('../../../src/kube/client.ts', import.meta.url)))});
      const client = await KubeClient.connect({ kubeconfig: process.argv[1] });
      const answer = await client.request('GET', '/api/v1/pods', { verb: 'list', resource: 'pods' });
      client.close();
      console.log(JSON.stringify({ httpVersion: answer.httpVersion, modules: process.moduleLoadList }));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      kubeconfig,
    ]);
    const { httpVersion, modules } = JSON.parse(stdout) as { httpVersion: string; modules: string[] };
    assert.equal(httpVersion, '2.0');
    assert.ok(modules.includes('NativeModule http2'));
    assert.ok(!modules.includes('NativeModule https'), 'node:https was loaded');
  });
});
