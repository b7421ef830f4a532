import yaml from 'js-yaml';
import type { KubeObject, RenderedObject } from './objects.ts';

/** Reads a manifest in Helm's format back into objects, keeping each object's `# Source:` file. */
export function parseManifest(manifest: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const part of manifest.split(/^---\s*$/m)) {
    const source = /^# Source: (.+)$/m.exec(part)?.[1] ?? '';
    const object = yaml.load(part) as KubeObject | null | undefined;
    if (object && typeof object === 'object' && object.kind) objects.push({ source, object });
  }
  return objects;
}

/** Identity of an object across revisions: group/kind, namespace and name (not version or content). */
export function objectKey(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return `${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
