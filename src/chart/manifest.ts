import yaml from 'js-yaml';
import { loadBlockYaml } from './block-yaml.ts';
import type { KubeObject, RenderedObject } from './objects.ts';

/**
 * Reads a release's manifest (Helm's format) back into objects, keeping each object's `# Source:` file. Charts often
 * leave metadata.namespace out because helm applies them to the release namespace; so does this. (For cluster-scoped
 * kinds the namespace is ignored when paths are built.)
 */
export function parseManifest(manifest: string, releaseNamespace: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const part of manifest.split(/^---\s*$/m)) {
    const source = /^# Source: (.+)$/m.exec(part)?.[1] ?? '';
    // The fast reader where it answers (every manifest of the built-in chart): js-yaml costs ~3 ms per manifest.
    const fast = loadBlockYaml(part);
    const object = (fast ? fast[0] : yaml.load(part)) as KubeObject | null | undefined;
    if (!object || typeof object !== 'object' || !object.kind) continue;
    const namespace = object.metadata.namespace ?? releaseNamespace;
    objects.push({ source, object: { ...object, metadata: { ...object.metadata, namespace } } });
  }
  return objects;
}

/**
 * Identity of an object across revisions: group/kind, namespace and name (not version or content). A missing
 * namespace counts as the release's, as parseManifest fills it in, so both sides of a comparison agree.
 */
export function objectKey(
  object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
  releaseNamespace: string,
): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return `${group}/${object.kind}/${object.metadata.namespace ?? releaseNamespace}/${object.metadata.name}`;
}
