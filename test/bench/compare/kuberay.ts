// Where test/cluster/kuberay-build.sh put KubeRay's ray-operator: the same key (sha256 of the script) computed here.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, clusterSourceDir } from '../../cluster/paths.ts';
import type { KubeRayBuild } from './contenders.ts';

export function kubeRayBuild(): KubeRayBuild {
  const script = join(clusterSourceDir, 'kuberay-build.sh');
  const key = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), `kuberay-${key}`);
  if (!existsSync(join(dir, '.complete')))
    throw new Error(`KubeRay's ray-operator is not built (no ${dir}): run \`npm run cluster:build\``);
  return { binary: join(dir, 'bin', 'ray-operator'), crdDir: join(dir, 'crds') };
}
