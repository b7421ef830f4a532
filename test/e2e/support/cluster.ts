// For e2e test files: the shared cluster of this test run (RAYCTL_TEST_CLUSTER, set by
// test/cluster/with-cluster.ts), or a cluster of this file's own, stopped after the file.
// Call testCluster() at top level (top-level await) or in a before() hook.
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminClient,
  attachCluster,
  clusterState,
  startCluster,
  stopCluster,
  type TestCluster,
} from '../../cluster/cluster.ts';
import type { KubeHttp } from '../../cluster/kube-http.ts';

export type { TestCluster } from '../../cluster/cluster.ts';
export { KubeHttp, KubeHttpError } from '../../cluster/kube-http.ts';

let shared: Promise<TestCluster> | undefined;

export function testCluster(): Promise<TestCluster> {
  if (shared) return shared;
  const stateFile = process.env.RAYCTL_TEST_CLUSTER;
  if (stateFile) {
    shared = Promise.resolve(attachCluster(stateFile));
  } else {
    shared = startCluster();
    const own = shared;
    after(async () => stopCluster(await own));
  }
  return shared;
}

/** An HTTPS client with the cluster's admin credentials; closed after the test file. */
export function admin(c: TestCluster): KubeHttp {
  const client = adminClient(clusterState(c));
  after(() => client.close());
  return client;
}

/**
 * Creates a namespace with a unique name starting with prefix, waits until its default
 * ServiceAccount exists (pods are rejected before that), and deletes it when the test that called it
 * ends (or the file, when called at top level or in before()).
 */
export async function tempNamespace(c: TestCluster, prefix: string): Promise<string> {
  const client = adminClient(clusterState(c));
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'test';
  const name = `${base}-${randomBytes(3).toString('hex')}`;
  await client.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  after(async () => {
    let cleanup: KubeHttp | undefined;
    try {
      // The cluster (and its state file) may already be gone: a file with its own cluster stops it first.
      cleanup = adminClient(clusterState(c));
      // Do not wait for finalization: the namespace controller finishes it in the background.
      await cleanup.request('DELETE', `/api/v1/namespaces/${name}`);
    } catch {
      // Nothing left to clean.
    } finally {
      cleanup?.close();
    }
  });
  try {
    const deadline = Date.now() + 30_000;
    while ((await client.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200) {
      if (Date.now() > deadline)
        throw new Error(`namespace ${name}: ServiceAccount default not created in 30 s (kube-controller-manager)`);
      await sleep(100);
    }
  } finally {
    client.close();
  }
  return name;
}

/** Polls until check() returns a value other than undefined/false; fails with `what` after timeoutMs. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    }
    await sleep(200);
  }
}
