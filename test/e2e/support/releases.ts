import assert from 'node:assert/strict';
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { admin, type KubeHttp, type TestCluster } from './cluster.ts';
import { processNodeValuesFile } from './process-nodes.ts';
import { runRayctl, type RunResult } from './run-rayctl.ts';

/** rayctl against the test cluster (admin credentials unless `env` says otherwise). */
export function rayctlOn(cluster: TestCluster) {
  return (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    runRayctl(args, { env: { KUBECONFIG: cluster.kubeconfig, ...env } });
}

/** A binary of the control plane's bin dir (kubectl, helm3, helm4) run with the admin kubeconfig; `input` is its stdin. */
export async function tool(
  cluster: TestCluster,
  name: string,
  args: readonly string[],
  input?: string,
): Promise<RunResult> {
  const child = spawn(join(cluster.binDir, name), args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } });
  child.stdin.end(input ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}

interface SecretList {
  items: {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    type: string;
    data: { release: string };
  }[];
}

/** The release Secrets of a namespace, straight from the API server. */
export async function releaseSecrets(client: KubeHttp, namespace: string): Promise<SecretList['items']> {
  const list = await client.json<SecretList>(
    'GET',
    `/api/v1/namespaces/${namespace}/secrets?labelSelector=owner%3Dhelm`,
  );
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** An admin client for the file, closed after it. */
export function adminFor(cluster: TestCluster): KubeHttp {
  return admin(cluster);
}

/** Uninstalls releases left by a test file, so cluster-scoped operators never leak into the next file. */
export function cleanupReleases(cluster: TestCluster, releases: () => { name: string; namespace: string }[]): void {
  after(async () => {
    const rayctl = rayctlOn(cluster);
    for (const { name, namespace } of releases()) {
      await rayctl(['uninstall', name, '-n', namespace, '--force']);
    }
  });
}

/** Installs a head-only Ray cluster (minWorkers 0) on the process nodes and waits for it: jobs run on the head. */
export async function installHeadOnlyRayCluster(cluster: TestCluster, namespace: string, name: string): Promise<void> {
  const install = await rayctlOn(cluster)([
    '-n',
    namespace,
    'install',
    name,
    '--cluster-only',
    '-f',
    processNodeValuesFile,
    '--set',
    'podTypes.rayWorkerType.minWorkers=0',
    '--wait',
    '--timeout',
    '5m',
  ]);
  assert.equal(install.code, 0, install.stderr);
}
