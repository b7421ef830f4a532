// How the operator reads the API server's answers to its writes: metadata only, without managedFields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWrittenMeta } from '../../../src/operator/api.ts';

describe('parseWrittenMeta', () => {
  const metadata = {
    name: 'c-ray-worker-x1',
    generateName: 'c-ray-worker-',
    namespace: 'ray',
    uid: 'u-1',
    resourceVersion: '42',
    // Strings that look like the cut point: their quotes are escaped in the JSON, so they are not it.
    annotations: { note: ',"managedFields":[{}]}}' },
    ownerReferences: [{ uid: 'c-uid', controller: true }],
  };
  const managedFields = [
    { manager: 'rayctl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } } },
    { manager: 'kwok', operation: 'Update', fieldsV1: { 'f:status': {} }, subresource: 'status' },
  ];

  it('reads a PartialObjectMetadata answer without its managedFields, every other field as it was', () => {
    const answer = {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { ...metadata, managedFields },
    };
    assert.deepEqual(parseWrittenMeta(JSON.stringify(answer)), {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata,
    });
  });

  it('reads a whole object (a server that cannot send metadata only) up to its metadata', () => {
    const answer = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { ...metadata, managedFields },
      spec: { containers: [{ name: 'ray' }] },
      status: { conditions: [{ type: 'Ready' }] },
    };
    assert.deepEqual(parseWrittenMeta(JSON.stringify(answer)), { kind: 'Pod', apiVersion: 'v1', metadata });
  });

  it('parses whole what has another layout: no managedFields, or managedFields deeper than metadata', () => {
    for (const answer of [
      { kind: 'PartialObjectMetadata', metadata },
      { kind: 'List', items: [{ metadata: { name: 'a', managedFields } }, { metadata: { name: 'b' } }] },
      { kind: 'Status', status: 'Success', details: { name: 'p' } },
    ])
      assert.deepEqual(parseWrittenMeta(JSON.stringify(answer)), answer);
  });
});
