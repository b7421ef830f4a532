/** The parts of a Kubernetes object that rendering, ownership and sorting look at. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A rendered object and the chart file it came from (`ray/templates/raycluster.yaml`). */
export interface RenderedObject {
  source: string;
  object: KubeObject;
}

/** The release an object belongs to, as Helm's ownership metadata records it. */
export interface ReleaseRef {
  name: string;
  namespace: string;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
export const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';

/** Adds Helm's ownership metadata, so `helm` and rayctl can tell which release owns the object. */
export function withOwnership(object: KubeObject, release: ReleaseRef): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, [MANAGED_BY_LABEL]: 'Helm' },
      annotations: {
        ...object.metadata.annotations,
        [RELEASE_NAME_ANNOTATION]: release.name,
        [RELEASE_NAMESPACE_ANNOTATION]: release.namespace,
      },
    },
  };
}

/** `Deployment "ray-operator" in namespace "default"`, the way Helm names objects in messages. */
export function describeObject(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const where = object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : '';
  return `${object.kind} "${object.metadata.name}"${where}`;
}
