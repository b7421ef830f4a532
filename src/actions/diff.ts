// `rayctl diff`: what an install, upgrade or rollback would change in the cluster, as the helm-diff plugin shows it,
// without changing anything. Each object of the target revision is applied with dryRun=All, with the field manager
// and conflict rules of the real change (deploy.ts applyObjects, through a wrapper that can only dry-run), and
// compared with the live object; objects the current revision has and the target lacks are shown as removed.
// The target revision comes from the actions themselves (a client-side dry run of install or upgrade), so the diff
// follows exactly their value rules (--reuse-values, --reset-values) and refusals.
import { parseManifest } from '../chart/manifest.ts';
import type { KubeObject, ReleaseRef, RenderedObject } from '../chart/objects.ts';
import { DEFAULT_CONTEXT, diffObject, type ObjectDiff, type ObjectIdentity } from '../chart/object-diff.ts';
import { UserError } from '../errors.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ClusterObjects, ResourceInfo } from '../kube/resources.ts';
import { lastDeployed, latest, rollbackTarget } from '../release/history.ts';
import type { Release } from '../release/model.ts';
import type { ReleaseContext } from './context.ts';
import { allInOrder, applyObjects, KEEP_POLICY, removedObjects } from './deploy.ts';
import { install, type InstallRequest } from './install.ts';
import { checkOwnership } from './ownership.ts';
import { upgrade, type UpgradeRequest } from './upgrade.ts';

export type { ObjectDiff } from '../chart/object-diff.ts';

export interface DiffOptions {
  /** Take over fields of other field managers, as the change would with --force-conflicts. */
  force: boolean;
  /** Unchanged lines shown around each change (negative: the whole object). */
  context?: number;
  /** As the change would with --take-ownership: objects of another release or of none are adopted, not refused. */
  takeOwnership?: boolean;
}

/** What `rayctl upgrade` with these values would change. */
export async function diffUpgrade(
  ctx: ReleaseContext,
  request: Omit<UpgradeRequest, 'recover' | 'dryRun'>,
  options: DiffOptions,
): Promise<ObjectDiff[]> {
  // A client-side dry run renders the next revision and writes nothing (--recover would: it is never passed).
  const target = await upgrade(ctx, { ...request, recover: false, dryRun: 'client' });
  return diffRevision(ctx, target, options);
}

/** What `rayctl install` would create (or, where objects of that name exist, change). */
export async function diffInstall(
  ctx: ReleaseContext,
  request: Omit<InstallRequest, 'dryRun'>,
  options: DiffOptions,
): Promise<ObjectDiff[]> {
  const { release } = request;
  const last = latest((await ctx.storage.history(release.name, release.namespace)).map((r) => r.release));
  if (last && last.info.status !== 'uninstalled' && last.info.status !== 'failed') {
    throw new UserError(
      `release "${release.name}" in namespace "${release.namespace}" is already installed (revision ${last.version}, ${last.info.status})`,
      `see what an upgrade would change with \`rayctl diff upgrade ${release.name} -n ${release.namespace}\``,
    );
  }
  const target = await install(ctx, { ...request, dryRun: 'client' });
  return diffObjects(ctx, release, [], parseManifest(target.manifest, target.namespace), options);
}

/** What `rayctl rollback` to `version` (undefined: the revision before the latest) would change. */
export async function diffRollback(
  ctx: ReleaseContext,
  ref: ReleaseRef,
  version: number | undefined,
  options: DiffOptions,
): Promise<ObjectDiff[]> {
  const releases = (await ctx.storage.history(ref.name, ref.namespace)).map((r) => r.release);
  // The same choice as rollbackTo: the target revision, restored over the last deployed one.
  const { last, target } = rollbackTarget(releases, ref, version);
  const current = lastDeployed(releases) ?? last;
  return diffObjects(
    ctx,
    ref,
    parseManifest(current.manifest, current.namespace),
    parseManifest(target.manifest, target.namespace),
    options,
  );
}

/**
 * What deploying `target` (a revision not written yet, e.g. from `upgrade --dry-run=server`) over the release's last
 * deployed revision would change.
 */
export async function diffRevision(ctx: ReleaseContext, target: Release, options: DiffOptions): Promise<ObjectDiff[]> {
  const releases = (await ctx.storage.history(target.name, target.namespace)).map((r) => r.release);
  const current = lastDeployed(releases) ?? latest(releases);
  const from =
    current && current.info.status !== 'uninstalled' ? parseManifest(current.manifest, current.namespace) : [];
  return diffObjects(ctx, target, from, parseManifest(target.manifest, target.namespace), options);
}

/**
 * The diff of every object of `to` (what a dry-run apply makes of it against what is live) and of every object of
 * `from` that `to` lacks and that would be deleted. Reads and dry runs only.
 */
export async function diffObjects(
  ctx: ReleaseContext,
  release: ReleaseRef,
  from: readonly RenderedObject[],
  to: readonly RenderedObject[],
  options: DiffOptions,
): Promise<ObjectDiff[]> {
  const context = options.context ?? DEFAULT_CONTEXT;
  const changed = await allInOrder(
    to.map(async ({ object }) => {
      const info = await ctx.objects.discovery.find(object.apiVersion, object.kind);
      // A kind the cluster does not serve yet (its CRD comes with the install) can only be new.
      if (!info) return diffObject(identity(object, undefined), undefined, object, { context });
      const live = await ctx.objects.get(object);
      // The change itself would refuse an object of another release: so does its diff.
      if (live && !options.takeOwnership) checkOwnership(live, release);
      const after = await dryRunApply(ctx, object, options.force || Boolean(options.takeOwnership)).catch(
        (err: unknown) => {
          // A namespace that the install would create (--create-namespace) does not exist yet.
          if (!live && isNotFound(err)) return object;
          throw err;
        },
      );
      return diffObject(identity(object, info), live, after, { context });
    }),
  );
  const removed = await allInOrder(
    removedObjects(from, to, release.namespace).map(async ({ object }) => {
      const live = await ctx.objects.get(object);
      if (!live || live.metadata.annotations?.[KEEP_POLICY] === 'keep') return undefined;
      const info = await ctx.objects.discovery.find(object.apiVersion, object.kind);
      return diffObject(identity(object, info), live, undefined, { context });
    }),
  );
  return [...changed, ...removed].filter((d): d is ObjectDiff => d !== undefined);
}

function identity(object: KubeObject, info: ResourceInfo | undefined): ObjectIdentity {
  const namespaced = info ? info.namespaced : object.metadata.namespace !== undefined;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(namespaced && object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/**
 * What a server-side apply of `object` would make of it: applyObjects' own sequence (rayctl's field manager; a
 * conflict with helm or rayctl taken over, any other refused unless forced), through objects that can only dry-run.
 */
async function dryRunApply(ctx: ReleaseContext, object: KubeObject, force: boolean): Promise<KubeObject> {
  const { objects } = ctx;
  let result: KubeObject | undefined;
  const refused = (verb: string) => () => Promise.reject(new Error(`rayctl diff never ${verb}s (a bug if seen)`));
  const dryRunOnly: ClusterObjects = {
    discovery: objects.discovery,
    apply: async (o, applyOptions) => (result = await objects.apply(o, { ...applyOptions, dryRun: true })),
    get: (ref) => objects.get(ref),
    list: <T>(apiVersion: string, kind: string, listOptions?: Parameters<ClusterObjects['list']>[2]) =>
      objects.list<T>(apiVersion, kind, listOptions),
    create: refused('create'),
    delete: refused('delete'),
  };
  await applyObjects({ ...ctx, objects: dryRunOnly }, [{ source: '', object }], { force, dryRun: true });
  if (!result) throw new Error(`no dry-run result for ${object.kind} ${object.metadata.name}`);
  return result;
}
