import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../../src/operator/canonical-json.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth, leaves arrays in order and drops undefined members', () => {
    assert.equal(canonicalJson({ b: [{ y: 1, x: 2 }], a: undefined, c: 'z' }), '{"b":[{"x":2,"y":1}],"c":"z"}');
  });

  it('sorts keys as strings, also those that look like numbers (which JavaScript would put first)', () => {
    assert.equal(canonicalJson({ a: 3, 9: 2, 10: 1 }), '{"10":1,"9":2,"a":3}');
  });
});
