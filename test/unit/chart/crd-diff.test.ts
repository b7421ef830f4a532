// Comparing an installed CRD with the chart's: schemas written here by hand in the shape of apiextensions/v1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crdDiff, crdUnchanged, fieldPaths, strandedVersions, type CrdShape } from '../../../src/chart/crd-diff.ts';

const schema = (podTypeFields: string[]) => ({
  openAPIV3Schema: {
    properties: {
      spec: {
        properties: {
          headPodType: {},
          podTypes: { items: { properties: Object.fromEntries(podTypeFields.map((f) => [f, {}])) } },
        },
      },
    },
  },
});
const crd = (versions: { name: string; served?: boolean; fields: string[] }[], stored: string[] = []): CrdShape => ({
  spec: { versions: versions.map((v) => ({ name: v.name, served: v.served ?? true, schema: schema(v.fields) })) },
  status: { storedVersions: stored },
});

describe('crdDiff', () => {
  it('lists field paths through objects and arrays', () => {
    assert.deepEqual(fieldPaths(schema(['name', 'desiredWorkers']).openAPIV3Schema), [
      'spec',
      'spec.headPodType',
      'spec.podTypes',
      'spec.podTypes[].name',
      'spec.podTypes[].desiredWorkers',
    ]);
  });

  it('finds what a newer chart CRD adds', () => {
    const diff = crdDiff(
      crd([{ name: 'v1', fields: ['name'] }]),
      crd([{ name: 'v1', fields: ['name', 'desiredWorkers'] }]),
    );
    assert.deepEqual(diff, { added: ['v1: spec.podTypes[].desiredWorkers'], removed: [], unserved: [] });
    assert.equal(crdUnchanged(diff), false);
  });

  it('sees no change between equal CRDs, and a removal when the installed one is newer', () => {
    const same = crd([{ name: 'v1', fields: ['name'] }]);
    assert.equal(crdUnchanged(crdDiff(same, same)), true);
    const newer = crdDiff(crd([{ name: 'v1', fields: ['name', 'future'] }]), same);
    assert.deepEqual(newer.removed, ['v1: spec.podTypes[].future']);
  });

  it('refuses to stop serving a version that still stores objects', () => {
    const installed = crd(
      [
        { name: 'v1alpha1', fields: ['name'] },
        { name: 'v1', fields: ['name'] },
      ],
      ['v1alpha1', 'v1'],
    );
    const chart = crd([
      { name: 'v1alpha1', served: false, fields: ['name'] },
      { name: 'v1', fields: ['name'] },
    ]);
    const diff = crdDiff(installed, chart);
    assert.deepEqual(diff.unserved, ['v1alpha1']);
    assert.deepEqual(strandedVersions(installed, diff), ['v1alpha1']);
    const migrated = { ...installed, status: { storedVersions: ['v1'] } };
    assert.deepEqual(strandedVersions(migrated, diff), []);
    // A version the chart drops entirely is unserved too.
    assert.deepEqual(crdDiff(installed, crd([{ name: 'v1', fields: ['name'] }])).unserved, ['v1alpha1']);
  });
});
