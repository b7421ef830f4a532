import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removedObjects } from '../../../src/actions/deploy.ts';
import { parseManifest } from '../../../src/chart/manifest.ts';
import { toManifest } from '../../../src/chart/render.ts';
import type { RenderedObject } from '../../../src/chart/objects.ts';

const object = (kind: string, name: string, namespace?: string): RenderedObject => ({
  source: 'ray/templates/x.yaml',
  object: {
    apiVersion: kind === 'ClusterRole' ? 'rbac.authorization.k8s.io/v1' : 'v1',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
  },
});

describe('removedObjects', () => {
  it('finds what the new revision no longer renders', () => {
    const previous = [object('ServiceAccount', 'a', 'ray'), object('ConfigMap', 'b', 'ray')];
    assert.deepEqual(
      removedObjects(previous, [object('ServiceAccount', 'a', 'ray')], 'ray').map((o) => o.object.metadata.name),
      ['b'],
    );
  });

  it('does not mistake a cluster-scoped object read back from the manifest for a removed one', () => {
    const rendered = [object('ClusterRole', 'ray-operator-clusterrole'), object('ServiceAccount', 'sa', 'ray')];
    const previous = parseManifest(toManifest(rendered), 'ray');
    assert.deepEqual(removedObjects(previous, rendered, 'ray'), []);
  });

  it("reads objects without a namespace into the release's namespace, as helm applies them", () => {
    const [parsed] = parseManifest(
      '---\n# Source: tiny/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'ns',
    );
    assert.equal(parsed?.object.metadata.namespace, 'ns');
    assert.equal(parsed?.source, 'tiny/templates/cm.yaml');
  });
});
