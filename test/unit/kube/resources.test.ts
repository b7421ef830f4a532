// Reading objects of a kind not discovered yet: the read goes out with discovery, at the path discovery most likely
// names, against a local API server that records what it is asked.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.ts';
import { Discovery, likelyResource, Objects } from '../../../src/kube/resources.ts';
import { writeTokenKubeconfig } from './token-kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'rayctl-resources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const notFound = (res: ServerResponse) => json(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });

/** Objects over a local API server; `paths` lists what it was asked, in order of arrival. */
async function objectsOver(handle: Handler): Promise<{ objects: Objects; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url!);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const { port } = server.address() as { port: number };
  const kubeconfig = writeTokenKubeconfig(join(dir, `config-${port}`), `http://127.0.0.1:${port}`);
  const client = await KubeClient.connect({ kubeconfig });
  after(() => client.close());
  return { objects: new Objects(client, new Discovery(client)), paths };
}

const rayCluster = { apiVersion: 'cluster.ray.io/v1', kind: 'RayCluster', metadata: { name: 'c1', namespace: 'ray' } };
const discovered = (name: string, kind: string) => ({ resources: [{ name, kind, namespaced: true }] });

describe('reading an object of a kind not discovered yet', () => {
  it('reads it while discovery runs, and once discovery has answered, without guessing', async () => {
    let heldDiscovery: ServerResponse | undefined;
    let discoveryAnswered = false;
    let readBeforeDiscoveryAnswered = false;
    const answerDiscovery = (res: ServerResponse) => {
      if (discoveryAnswered) return;
      discoveryAnswered = true;
      json(res, 200, discovered('rayclusters', 'RayCluster'));
    };
    const { objects, paths } = await objectsOver((req, res) => {
      if (req.url === '/apis/cluster.ray.io/v1') {
        // Discovery answers only once the read has arrived; after a second, a client that waits for discovery
        // before it reads gets its answer, and fails below rather than hangs.
        if (paths.length > 1) return answerDiscovery(res);
        heldDiscovery = res;
        setTimeout(() => answerDiscovery(res), 1_000);
        return;
      }
      readBeforeDiscoveryAnswered = !discoveryAnswered;
      if (heldDiscovery) answerDiscovery(heldDiscovery);
      json(res, 200, rayCluster);
    });
    const live = await objects.get(rayCluster);
    assert.ok(readBeforeDiscoveryAnswered, 'the object was read only after discovery answered');
    assert.deepEqual(live?.metadata, rayCluster.metadata);
    assert.deepEqual(paths.sort(), [
      '/apis/cluster.ray.io/v1',
      '/apis/cluster.ray.io/v1/namespaces/ray/rayclusters/c1',
    ]);

    paths.length = 0;
    await objects.get({ ...rayCluster, metadata: { name: 'c2', namespace: 'ray' } });
    assert.deepEqual(paths, ['/apis/cluster.ray.io/v1/namespaces/ray/rayclusters/c2']);
  });

  it('reads it again at the path discovery names when the guess was wrong', async () => {
    const kind = { apiVersion: 'example.com/v1', kind: 'Octopus', metadata: { name: 'o', namespace: 'sea' } };
    const { objects, paths } = await objectsOver((req, res) => {
      if (req.url === '/apis/example.com/v1') return json(res, 200, discovered('octopodes', 'Octopus'));
      if (req.url === '/apis/example.com/v1/namespaces/sea/octopodes/o') return json(res, 200, kind);
      notFound(res);
    });
    const live = await objects.get(kind);
    assert.equal(live?.kind, 'Octopus');
    assert.deepEqual(paths.sort(), [
      '/apis/example.com/v1',
      '/apis/example.com/v1/namespaces/sea/octopodes/o',
      '/apis/example.com/v1/namespaces/sea/octopuses/o',
    ]);
  });

  it('finds nothing when the cluster does not serve the kind, whatever the guessed read answered', async () => {
    const { objects } = await objectsOver((req, res) => {
      if (req.url === '/apis/cluster.ray.io/v1') return notFound(res);
      // A server that answers any path: the read must not be taken without discovery's word.
      json(res, 200, rayCluster);
    });
    assert.equal(await objects.get(rayCluster), undefined);
  });

  it("passes on the read's error when the guess was right", async () => {
    const { objects } = await objectsOver((req, res) => {
      if (req.url === '/apis/cluster.ray.io/v1') return json(res, 200, discovered('rayclusters', 'RayCluster'));
      json(res, 403, { kind: 'Status', reason: 'Forbidden', code: 403, message: 'no' });
    });
    await assert.rejects(objects.get(rayCluster), /forbidden: cannot get rayclusters/);
  });
});

describe('the plural discovery most likely gives', () => {
  it("follows Kubernetes' rule for guessing one", () => {
    const plural = (kind: string) => likelyResource({ apiVersion: 'x/v1', kind, metadata: { name: 'n' } }).plural;
    assert.equal(plural('RayCluster'), 'rayclusters');
    assert.equal(plural('Ingress'), 'ingresses');
    assert.equal(plural('NetworkPolicy'), 'networkpolicies');
    assert.equal(likelyResource(rayCluster).namespaced, true);
    assert.equal(likelyResource({ apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'n' } }).namespaced, false);
  });
});
