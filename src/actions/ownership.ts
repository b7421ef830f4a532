import {
  describeObject,
  MANAGED_BY_LABEL,
  RELEASE_NAME_ANNOTATION,
  RELEASE_NAMESPACE_ANNOTATION,
  type KubeObject,
  type ReleaseRef,
} from '../chart/objects.ts';
import { UserError } from '../errors.ts';

/** The release that owns a live object according to Helm's metadata, if any. */
export function ownerOf(object: Pick<KubeObject, 'metadata'>): ReleaseRef | undefined {
  const annotations = object.metadata.annotations ?? {};
  const name = annotations[RELEASE_NAME_ANNOTATION];
  const namespace = annotations[RELEASE_NAMESPACE_ANNOTATION];
  return name && namespace ? { name, namespace } : undefined;
}

/**
 * Refuses to take over a live object that another release (or nobody) owns, with Helm's message and a hint.
 * Returns nothing when the object is ours.
 */
export function checkOwnership(live: KubeObject, release: ReleaseRef): void {
  const owner = ownerOf(live);
  const managedBy = live.metadata.labels?.[MANAGED_BY_LABEL];
  if (owner && owner.name === release.name && owner.namespace === release.namespace && managedBy === 'Helm') return;
  const problems: string[] = [];
  if (managedBy !== 'Helm')
    problems.push(`label validation error: missing key "${MANAGED_BY_LABEL}": must be set to "Helm"`);
  if (owner?.name !== release.name) {
    problems.push(
      `annotation validation error: key "${RELEASE_NAME_ANNOTATION}" must equal "${release.name}": current value is "${owner?.name ?? ''}"`,
    );
  }
  if (owner?.namespace !== release.namespace) {
    problems.push(
      `annotation validation error: key "${RELEASE_NAMESPACE_ANNOTATION}" must equal "${release.namespace}": current value is "${owner?.namespace ?? ''}"`,
    );
  }
  throw new UserError(
    `${describeObject(live)} exists and cannot be imported into the current release: invalid ownership metadata; ${problems.join('; ')}`,
    owner
      ? `it belongs to release "${owner.name}" in namespace "${owner.namespace}"; ${live.kind === 'RayCluster' ? 'choose another release name' : "to share that release's operator, install with --cluster-only"}`
      : 'it was created outside rayctl and helm; delete it, choose another release name, or adopt it with --take-ownership',
  );
}
