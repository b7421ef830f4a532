// CRDs that follow the operator (what Helm never does): an upgrade of a release that installs the operator brings
// the cluster's RayCluster CRD up to this rayctl's, by server-side apply, when it is older. It never removes a
// version that stored objects still use, never downgrades a CRD that is newer, and says what changed.
import type { KubeObject, RenderedObject } from '../chart/objects.ts';
import { crdDiff, crdUnchanged, strandedVersions, type CrdDiff, type CrdShape } from '../chart/crd-diff.ts';
import { UserError } from '../errors.ts';
import type { ReleaseContext } from './context.ts';
import { FIELD_MANAGER } from './deploy.ts';

export interface CrdChange {
  object: KubeObject;
  diff: CrdDiff;
}

/**
 * What the upgrade will apply. Reads only: refusals (a version with stored objects would stop being served) happen
 * before anything is written. Releases without the operator never change a CRD; they only warn when it is older.
 */
export async function planCrdUpgrade(
  ctx: ReleaseContext,
  crds: readonly RenderedObject[],
  installsOperator: boolean,
): Promise<CrdChange[]> {
  const changes: CrdChange[] = [];
  for (const { object } of crds) {
    const live = await ctx.objects.get(object);
    if (!live) continue; // Installing a missing CRD is ensureCrds' job.
    const diff = crdDiff(live as CrdShape, object as CrdShape);
    if (crdUnchanged(diff)) continue;
    const name = object.metadata.name;
    if (diff.removed.length > 0) {
      ctx.progress.warn(
        `CustomResourceDefinition ${name} has fields this rayctl's does not (${diff.removed.join(', ')}): it is newer, left as it is`,
      );
      continue;
    }
    if (!installsOperator) {
      ctx.progress.warn(
        `CustomResourceDefinition ${name} is older than this rayctl's (lacks ${diff.added.join(', ')}); ` +
          'upgrading the release that installs the operator updates it',
      );
      continue;
    }
    const stranded = strandedVersions(live as CrdShape, diff);
    if (stranded.length > 0) {
      throw new UserError(
        `this upgrade would stop serving version(s) ${stranded.join(', ')} of ${name}, in which RayClusters are still stored`,
        'migrate the stored objects to a served version first (read and write each RayCluster), or pass --skip-crds',
      );
    }
    changes.push({ object, diff });
  }
  return changes;
}

export async function applyCrdChanges(ctx: ReleaseContext, changes: readonly CrdChange[]): Promise<void> {
  for (const { object, diff } of changes) {
    await ctx.objects.apply(object, { fieldManager: FIELD_MANAGER, force: true });
    const what = [
      diff.added.length ? `added ${diff.added.join(', ')}` : '',
      diff.unserved.length ? `no longer serves ${diff.unserved.join(', ')}` : '',
    ].filter(Boolean);
    ctx.progress.info(`updated CustomResourceDefinition ${object.metadata.name}: ${what.join('; ')}`);
  }
  if (changes.length > 0) ctx.objects.discovery.reset();
}
