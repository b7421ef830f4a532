import { setTimeout as sleep } from 'node:timers/promises';
import { objectKey } from '../chart/manifest.ts';
import { describeObject, type KubeObject, type ReleaseRef, type RenderedObject } from '../chart/objects.ts';
import { sortForUninstall } from '../chart/sort.ts';
import { UserError } from '../errors.ts';
import { isAlreadyExists, isConflict } from '../kube/errors.ts';
import type { ReleaseContext } from './context.ts';
import { checkOwnership, ownerOf } from './ownership.ts';

/** rayctl's name as a field manager: `kubectl get -o yaml --show-managed-fields` shows who set what. */
export const FIELD_MANAGER = 'rayctl';
/** helm's annotation that keeps an object through uninstall and upgrades that drop it (value `keep`). */
export const KEEP_POLICY = 'helm.sh/resource-policy';

/** Refuses objects owned by another release before anything is written, so a refusal changes nothing. */
export async function checkAllOwnership(
  ctx: ReleaseContext,
  release: ReleaseRef,
  objects: readonly RenderedObject[],
  options: { takeOwnership?: boolean } = {},
): Promise<void> {
  const live = await Promise.all(objects.map(({ object }) => ctx.objects.get(object)));
  for (const object of live) {
    if (!object) continue;
    if (!options.takeOwnership) {
      checkOwnership(object, release);
      continue;
    }
    // helm 3.17's --take-ownership: adopt the object, saying from whom (the apply then forces our ownership fields).
    const owner = ownerOf(object);
    if (owner?.name === release.name && owner.namespace === release.namespace) continue;
    ctx.progress.warn(
      `--take-ownership: ${describeObject(object)} now belongs to release "${release.name}" (was: ${owner ? `release "${owner.name}" in "${owner.namespace}"` : 'no release'})`,
    );
  }
}

/**
 * Runs independent checks at once (each is a round trip to the API server) but reports the first failure in the
 * order given, so the same mistake always gives the same message.
 */
export async function allInOrder<T extends readonly unknown[]>(checks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(checks);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export async function ensureNamespace(ctx: ReleaseContext, namespace: string, create: boolean): Promise<void> {
  const live = await ctx.objects.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (live) return;
  if (!create) {
    throw new UserError(
      `namespace "${namespace}" does not exist`,
      'add --create-namespace, or create it with `kubectl create namespace`',
    );
  }
  try {
    // Pods in a namespace rayctl creates are held to Pod Security baseline by the API server as well.
    await ctx.objects.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
    });
    ctx.progress.info(`created namespace ${namespace}`);
  } catch (err) {
    // Another install into the same new namespace created it first: what this one wanted.
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Creates the chart's CRDs that do not exist yet and waits until they are served. Existing CRDs are never changed. */
export async function ensureCrds(ctx: ReleaseContext, crds: readonly RenderedObject[]): Promise<void> {
  let created = false;
  for (const { object } of crds) {
    // The checks before the change found its kind served: the CRD exists, no need to read it again.
    if (await servedAlready(ctx, object)) continue;
    if (await ctx.objects.get(object)) continue;
    try {
      await ctx.objects.create(object);
      ctx.progress.info(`created CustomResourceDefinition ${object.metadata.name}`);
    } catch (err) {
      // Another install created it between the get and the create; it may not be served yet either way.
      if (!isAlreadyExists(err)) throw err;
    }
    await waitEstablished(ctx, object);
    created = true;
  }
  if (created) ctx.objects.discovery.reset();
  ctx.progress.doneWaiting();
}

async function servedAlready(ctx: ReleaseContext, crd: KubeObject): Promise<boolean> {
  const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
  const served = spec.versions.filter((v) => v.served);
  for (const version of served)
    if (!(await ctx.objects.discovery.knownServed(`${spec.group}/${version.name}`, spec.names.kind))) return false;
  return served.length > 0;
}

/** Established is not enough: discovery and the new REST endpoint lag it briefly, so also wait until both serve. */
async function waitEstablished(ctx: ReleaseContext, crd: KubeObject): Promise<void> {
  const deadline = Date.now() + 30_000;
  const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
  const version = spec.versions.find((v) => v.served)?.name ?? 'v1';
  for (;;) {
    const live = await ctx.objects.get(crd);
    const conditions =
      (live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
      ctx.objects.discovery.reset();
      const served = await ctx.objects.discovery.find(`${spec.group}/${version}`, spec.names.kind);
      if (
        served &&
        (await ctx.objects.list(served.apiVersion, served.kind).then(
          () => true,
          () => false,
        ))
      )
        return;
    }
    if (Date.now() > deadline)
      throw new UserError(`CustomResourceDefinition ${crd.metadata.name} was not established within 30 s`);
    ctx.progress.waiting(`waiting for CustomResourceDefinition ${crd.metadata.name} to be established`);
    await sleep(200);
  }
}

/** Field managers that act for the release itself: helm (a `helm rollback` of a rayctl release) and rayctl. */
const RELEASE_MANAGERS = new Set(['helm', FIELD_MANAGER]);

/**
 * Server-side applies each object in install order. Ownership was checked, so fields that helm set for this same
 * release are taken over; fields of anyone else (kubectl edit, an autoscaler) need --force-conflicts.
 */
export async function applyObjects(
  ctx: ReleaseContext,
  objects: readonly RenderedObject[],
  options: { force?: boolean; dryRun?: boolean } = {},
): Promise<void> {
  for (const { object } of objects) {
    try {
      await ctx.objects.apply(object, { fieldManager: FIELD_MANAGER, ...options });
    } catch (err) {
      if (!isConflict(err) || options.force) throw err;
      const managers = [...err.message.matchAll(/conflict with "([^"]+)"/g)].map((m) => m[1]!);
      if (managers.length === 0 || !managers.every((m) => RELEASE_MANAGERS.has(m))) {
        throw new UserError(
          err.message,
          `another field manager (${managers.join(', ') || 'unknown'}) changed these fields; add --force-conflicts to take them over`,
        );
      }
      await ctx.objects.apply(object, { fieldManager: FIELD_MANAGER, ...options, force: true });
    }
  }
}

/** How deletions propagate to dependents: helm's `--cascade` (background by default, as kubectl). */
export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** A release's objects in uninstall order, each with what the cluster has of it now (undefined: gone). */
export type LiveObjects = { object: KubeObject; current: KubeObject | undefined }[];

/** Reads the objects' live state, all at once; uninstall does so while it marks the release uninstalling. */
export async function readLive(ctx: ReleaseContext, objects: readonly RenderedObject[]): Promise<LiveObjects> {
  const ordered = sortForUninstall(objects);
  const live = await Promise.all(ordered.map(({ object }) => ctx.objects.get(object)));
  return ordered.map(({ object }, index) => ({ object, current: live[index] }));
}

/**
 * Deletes the objects that exist, in uninstall order, except those marked `helm.sh/resource-policy: keep`.
 * With `dryRun`, the API server checks each deletion and changes nothing.
 */
export async function deleteObjects(
  ctx: ReleaseContext,
  objects: readonly RenderedObject[],
  options: DeleteOptions = {},
): Promise<{ kept: KubeObject[]; deleted: KubeObject[] }> {
  return deleteLive(ctx, await readLive(ctx, objects), options);
}

type DeleteOptions = { propagation?: Propagation; dryRun?: boolean };

/** deleteObjects, from a live state read before (readLive). */
export async function deleteLive(
  ctx: ReleaseContext,
  live: LiveObjects,
  options: DeleteOptions = {},
): Promise<{ kept: KubeObject[]; deleted: KubeObject[] }> {
  const kept: KubeObject[] = [];
  const deleted: KubeObject[] = [];
  for (const { object, current } of live) {
    if (!current) continue;
    if (current.metadata.annotations?.[KEEP_POLICY] === 'keep') {
      kept.push(current);
      continue;
    }
    if (await ctx.objects.delete(object, options)) deleted.push(current);
  }
  return { kept, deleted };
}

/** Objects of `previous` that `next` does not render (by kind, namespace and name). */
export function removedObjects(
  previous: readonly RenderedObject[],
  next: readonly RenderedObject[],
  releaseNamespace: string,
): RenderedObject[] {
  const keep = new Set(next.map((o) => objectKey(o.object, releaseNamespace)));
  return previous.filter((o) => !keep.has(objectKey(o.object, releaseNamespace)));
}
