import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySetFlag, type SetMode } from '../../../src/chart/set-parser.ts';
import type { Values } from '../../../src/chart/tree.ts';

function parse(input: string, mode: SetMode = 'infer', start: Values = {}): Values {
  const target = structuredClone(start);
  applySetFlag(input, mode, target, (path) => `content of ${path}`);
  return target;
}

describe('--set syntax (Helm strvals)', () => {
  it('sets nested keys with dots', () => {
    assert.deepEqual(parse('podTypes.rayWorkerType.minWorkers=3'), { podTypes: { rayWorkerType: { minWorkers: 3 } } });
  });

  it('separates pairs with commas', () => {
    assert.deepEqual(parse('a=1,b.c=two'), { a: 1, b: { c: 'two' } });
  });

  it('infers integers and booleans, keeps floats and zero-prefixed numbers as text', () => {
    assert.deepEqual(parse('a=42,b=true,c=FALSE,d=1.5,e=007,f=0,g=-3'), {
      a: 42,
      b: true,
      c: false,
      d: '1.5',
      e: '007',
      f: 0,
      g: -3,
    });
  });

  it('turns null into a tombstone that deletes the key later', () => {
    assert.deepEqual(parse('a=null'), { a: null });
  });

  it('--set-string keeps every value as text', () => {
    assert.deepEqual(parse('a=42,b=true,c=null', 'string'), { a: '42', b: 'true', c: 'null' });
  });

  it('indexes lists and pads the gap with nulls', () => {
    assert.deepEqual(parse('list[2]=x'), { list: [null, null, 'x'] });
    assert.deepEqual(parse('tolerations[0].key=gpu,tolerations[0].effect=NoSchedule'), {
      tolerations: [{ key: 'gpu', effect: 'NoSchedule' }],
    });
    assert.deepEqual(parse('m[0][1]=5'), { m: [[null, 5]] });
  });

  it('reads {a,b} as a list, typed like plain values', () => {
    assert.deepEqual(parse('a={x,2,true}'), { a: ['x', 2, true] });
    assert.deepEqual(parse('a={}'), { a: [] });
    assert.deepEqual(parse('a={x,y},b=1'), { a: ['x', 'y'], b: 1 });
  });

  it('escapes dots in keys and commas in values with a backslash', () => {
    assert.deepEqual(parse('nodeSelector.cloud\\.google\\.com/gke-nodepool=gpu'), {
      nodeSelector: { 'cloud.google.com/gke-nodepool': 'gpu' },
    });
    assert.deepEqual(parse('a=x\\,y'), { a: 'x,y' });
  });

  it('keeps "=" after the first one as part of the value', () => {
    assert.deepEqual(parse('a=b=c'), { a: 'b=c' });
  });

  it('merges into what is already there', () => {
    assert.deepEqual(parse('a.c=2', 'infer', { a: { b: 1 } }), { a: { b: 1, c: 2 } });
  });

  it('--set-json parses JSON values, commas inside them included', () => {
    assert.deepEqual(parse('a={"x":[1,2],"y":"z"},b=[true]', 'json'), { a: { x: [1, 2], y: 'z' }, b: [true] });
  });

  it('--set-file reads the named file', () => {
    assert.deepEqual(parse('notes=README.md', 'file'), { notes: 'content of README.md' });
  });

  for (const [input, fragment, column] of [
    ['a.b', 'key "b" has no value', 3],
    ['a', 'key "a" has no value', 1],
    ['=1', 'has an empty key', 1],
    ['a[x]=1', 'list index "x"', 3],
    ['a[1=1', 'without a closing "]"', 2],
    ['a[70000]=1', 'the largest allowed is 65536', 3],
    ['a=1,', 'ends with ","', 5],
    ['a={x,y', 'without a closing "}"', 3],
    ['', 'is empty', 1],
  ] as const) {
    it(`rejects ${JSON.stringify(input)} and points at character ${column}`, () => {
      assert.throws(
        () => parse(input),
        (err: Error) => {
          assert.match(err.message, new RegExp(fragment.replace(/[[\]{}"()]/g, '\\$&')));
          assert.match(err.message, new RegExp(`at character ${column}\\)`));
          const lines = err.message.split('\n');
          assert.equal(lines[2]!.indexOf('^'), 4 + column - 1, 'the caret stands under the offending character');
          return true;
        },
      );
    });
  }

  it('rejects invalid JSON in --set-json', () => {
    assert.throws(() => parse('a={x}', 'json'), /--set-json "a=\{x\}" has a value that is not valid JSON/);
  });
});
