import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Values } from '../../../src/chart/tree.ts';
import { render } from './render-support.ts';

function problemsOf(values: Values): string[] {
  try {
    render(values);
  } catch (err) {
    const message = (err as Error).message;
    // One problem on one line; several listed under "invalid values:".
    const one = /^invalid values: (?!\n)(.*)$/s.exec(message);
    if (one) return [one[1]!];
    assert.match(message, /^invalid values:\n/);
    return message.split('\n  - ').slice(1);
  }
  assert.fail('the values were accepted');
}

describe('values validation', () => {
  it('accepts the defaults', () => {
    assert.ok(render().length > 0);
  });

  const cases: [string, Values, string][] = [
    [
      'operatorOnly with clusterOnly',
      { operatorOnly: true, clusterOnly: true },
      'operatorOnly and clusterOnly cannot both be true',
    ],
    [
      'minWorkers above maxWorkers',
      { podTypes: { rayWorkerType: { minWorkers: 5 } } },
      'podTypes.rayWorkerType.minWorkers must be ≤ maxWorkers (3), got 5',
    ],
    [
      'head minWorkers with no maxWorkers',
      { podTypes: { rayHeadType: { minWorkers: 1 } } },
      'podTypes.rayHeadType.minWorkers must be ≤ maxWorkers (unset, so 0), got 1',
    ],
    [
      'an unknown headPodType',
      { headPodType: 'nope' },
      'headPodType must name a key of podTypes (rayHeadType, rayWorkerType), got "nope"',
    ],
    [
      'a pod type name that is no DNS label',
      { podTypes: { 'bad.name': { CPU: 1, memory: '1Gi' } } },
      'podTypes.bad.name: the pod type name becomes "bad.name" in pod names',
    ],
    [
      'memory that is no quantity',
      { podTypes: { rayWorkerType: { memory: '1 GB' } } },
      'podTypes.rayWorkerType.memory must be a Kubernetes quantity such as "1Gi", "512Mi", got "1 GB"',
    ],
    [
      'CPU that is no quantity',
      { podTypes: { rayWorkerType: { CPU: 'two' } } },
      'podTypes.rayWorkerType.CPU must be a Kubernetes quantity such as 1, "500m", got "two"',
    ],
    [
      'a negative maxWorkers',
      { podTypes: { rayWorkerType: { maxWorkers: -1 } } },
      'podTypes.rayWorkerType.maxWorkers must be ≥ 0, got number -1',
    ],
    [
      'minWorkers as text',
      { podTypes: { rayWorkerType: { minWorkers: 'two' } } },
      'podTypes.rayWorkerType.minWorkers must be an integer, got string "two"',
    ],
    [
      'a misspelt key',
      { podTypes: { rayWorkerType: { minWorker: 1 } } },
      'podTypes.rayWorkerType.minWorker is not a known key; allowed: CPU, memory, GPU, image',
    ],
    ['an unknown top-level key', { clusterOnlyy: true }, 'clusterOnlyy is not a known key; allowed: global, image'],
    ['a new pod type without memory', { podTypes: { extra: { CPU: 1 } } }, 'podTypes.extra.memory is required'],
    [
      'an operatorNamespace that is no namespace name',
      { operatorNamespace: 'Ray_System' },
      'operatorNamespace must be a namespace name (DNS label), got "Ray_System"',
    ],
    ['a boolean given as text', { clusterOnly: 'yes' }, 'clusterOnly must be a boolean, got string "yes"'],
    ['an image with spaces', { image: 'ray project' }, 'image must match'],
    [
      'a toleration with a bad effect',
      { podTypes: { rayWorkerType: { tolerations: [{ key: 'k', effect: 'Never' }] } } },
      'podTypes.rayWorkerType.tolerations.0.effect must be one of "", "NoSchedule", "PreferNoSchedule", "NoExecute", got string "Never"',
    ],
  ];
  for (const [what, values, expected] of cases) {
    it(`rejects ${what}, naming the path and what is allowed`, () => {
      const problems = problemsOf(values);
      assert.ok(
        problems.some((p) => p.startsWith(expected)),
        `expected a problem starting with:\n  ${expected}\ngot:\n  ${problems.join('\n  ')}`,
      );
    });
  }

  it('reports every problem at once', () => {
    const problems = problemsOf({
      operatorOnly: true,
      clusterOnly: true,
      podTypes: { rayWorkerType: { minWorkers: 9, memory: 'x' } },
    });
    assert.equal(problems.length, 3);
  });

  it('accepts quantities in every Kubernetes form', () => {
    for (const memory of ['1Gi', '512Mi', '1.5G', '1e9', '128974848', '129e6']) {
      assert.ok(render({ podTypes: { rayWorkerType: { memory } } }).length > 0, memory);
    }
    assert.ok(render({ podTypes: { rayWorkerType: { CPU: '500m' } } }).length > 0);
  });
});
