// Where the control plane's binaries live. Mirrors the cache key computed by test/cluster/build.sh:
// sha256 over every wrapper module's go.mod and go.sum (modules in C-locale order), then build.sh.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clusterSourceDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(clusterSourceDir, '..', '..');

/** Binaries startCluster() needs; build.sh builds exactly these names. */
export const requiredBinaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'kubectl',
  'helm3',
  'helm4',
] as const;

export function cacheRoot(): string {
  return process.env.RAYCTL_CLUSTER_CACHE || join(homedir(), '.cache', 'rayctl', 'cluster');
}

export function cacheKey(): string {
  const modulesDir = join(clusterSourceDir, 'go');
  // Buffer comparison sorts by bytes, as `LC_ALL=C ls` does in build.sh.
  const modules = readdirSync(modulesDir)
    .filter((name) => statSync(join(modulesDir, name)).isDirectory())
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hash = createHash('sha256');
  for (const module of modules) {
    hash.update(readFileSync(join(modulesDir, module, 'go.mod')));
    hash.update(readFileSync(join(modulesDir, module, 'go.sum')));
  }
  hash.update(readFileSync(join(clusterSourceDir, 'build.sh')));
  return hash.digest('hex').slice(0, 16);
}

/** The directory with the built binaries for the current wrapper modules. */
export function binDir(): string {
  return join(cacheRoot(), cacheKey(), 'bin');
}

/** kwok's stage and CRD definitions, copied out of the Go module cache by build.sh. */
export function kwokAssetsDir(): string {
  return join(cacheRoot(), cacheKey(), 'kwok');
}

/** Throws a message that says how to fix it when a binary is missing. */
export function assertBinariesBuilt(dir: string = binDir()): void {
  const missing = requiredBinaries.filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0 || !existsSync(join(kwokAssetsDir(), '.complete'))) {
    const what = missing.length > 0 ? missing.join(', ') : 'kwok stages/CRDs';
    throw new Error(`control plane not built (missing ${what} in ${dir}): run \`npm run cluster:build\``);
  }
}

/** Where test/cluster/ray/build.sh keeps its venvs; the venv's key mirrors that script's. */
export function rayCacheRoot(): string {
  return process.env.RAYCTL_RAY_CACHE || join(homedir(), '.cache', 'rayctl', 'ray');
}

/** The Ray venv for the current requirements: sha256 over requirements.txt, constraints.txt and build.sh. */
export function rayVenvDir(): string {
  const rayDir = join(clusterSourceDir, 'ray');
  const hash = createHash('sha256');
  for (const file of ['requirements.txt', 'constraints.txt', 'build.sh']) hash.update(readFileSync(join(rayDir, file)));
  return join(rayCacheRoot(), hash.digest('hex').slice(0, 16), 'venv');
}

/** True when test/cluster/ray/build.sh finished the venv for the current requirements. */
export function rayVenvBuilt(venv: string = rayVenvDir()): boolean {
  return existsSync(join(dirname(venv), '.complete'));
}
