import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseValuesFile } from '../../../src/chart/values.ts';
import { at, find, render } from './render-support.ts';

const dir = new URL('../../../values/examples/', import.meta.url);
const load = (name: string) => parseValuesFile(readFileSync(new URL(name, dir), 'utf8'), name);

describe('values/examples', () => {
  it('has the four workflows of the user document', () => {
    assert.deepEqual(readdirSync(dir).sort(), [
      'cluster-only.yaml',
      'gpu-workers.yaml',
      'namespaced-operator.yaml',
      'operator-only.yaml',
    ]);
  });

  it('operator-only.yaml renders the operator and no RayCluster', () => {
    const kinds = render(load('operator-only.yaml')).map((o) => o.kind);
    assert.deepEqual(kinds, [
      'ServiceAccount',
      'ConfigMap',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'Deployment',
    ]);
  });

  it('cluster-only.yaml renders one RayCluster whose workers start at 0', () => {
    const objects = render(load('cluster-only.yaml'));
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['RayCluster'],
    );
    assert.equal(at(objects[0], 'spec', 'podTypes', 1, 'minWorkers'), 0);
  });

  it('namespaced-operator.yaml renders a Role-bound operator in the release namespace', () => {
    const kinds = render(load('namespaced-operator.yaml')).map((o) => o.kind);
    assert.deepEqual(kinds, [
      'ServiceAccount',
      'ConfigMap',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'Deployment',
      'RayCluster',
    ]);
  });

  it('gpu-workers.yaml adds a GPU type with a GPU limit, node selector and toleration', () => {
    const gpuType = at(find(render(load('gpu-workers.yaml')), 'RayCluster'), 'spec', 'podTypes', 0);
    assert.equal(at(gpuType, 'name'), 'rayGPUWorkerType');
    assert.equal(at(gpuType, 'podConfig', 'metadata', 'generateName'), 'ray-gpu-worker-type-');
    assert.equal(at(gpuType, 'podConfig', 'spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu'), 1);
    assert.equal(at(gpuType, 'podConfig', 'spec', 'tolerations', 0, 'key'), 'nvidia.com/gpu');
  });
});
