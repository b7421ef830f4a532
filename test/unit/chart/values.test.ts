import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coalesceValues,
  mergeValues,
  parseValuesFile,
  userSuppliedValues,
  NO_VALUES_INPUT,
  type ValuesInput,
} from '../../../src/chart/values.ts';

const files: Record<string, string> = {
  'first.yaml': 'image: first\npodTypes:\n  rayWorkerType:\n    minWorkers: 1\n    maxWorkers: 4\n',
  'second.yaml': 'image: second\npodTypes:\n  rayWorkerType:\n    minWorkers: 2\n',
  'empty.yaml': '',
  'list.yaml': '- a\n- b\n',
  'broken.yaml': 'a: [1,\n',
  'cert.pem': '-----BEGIN-----\n',
};
const read = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`no ${path}`);
  return text;
};

describe('values precedence', () => {
  it('later -f files win key by key; maps merge deeply', () => {
    const values = userSuppliedValues({ ...NO_VALUES_INPUT, files: ['first.yaml', 'second.yaml'] }, read);
    assert.deepEqual(values, { image: 'second', podTypes: { rayWorkerType: { minWorkers: 2, maxWorkers: 4 } } });
  });

  it('flags beat files, in Helm order: --set-json, --set, --set-string, --set-file, then shortcuts', () => {
    const values = userSuppliedValues(
      {
        files: ['first.yaml'],
        setJson: ['image="json"', 'a=1'],
        set: ['image=set', 'b=2'],
        setString: ['image=string', 'c=3'],
        setFile: ['cert=cert.pem'],
        shortcuts: { clusterOnly: true },
      },
      read,
    );
    assert.equal(values.image, 'string');
    assert.deepEqual([values.a, values.b, values.c], [1, 2, '3']);
    assert.equal(values.cert, '-----BEGIN-----\n');
    assert.equal(values.clusterOnly, true);
  });

  it('an empty values file is no values; a list or broken YAML is an error naming the file', () => {
    assert.deepEqual(parseValuesFile(read('empty.yaml'), 'empty.yaml'), {});
    assert.throws(
      () => parseValuesFile(read('list.yaml'), 'list.yaml'),
      /list\.yaml must contain a map of keys, got a list/,
    );
    assert.throws(() => parseValuesFile(read('broken.yaml'), 'broken.yaml'), /broken\.yaml is not valid YAML/);
  });
});

describe('coalescing with chart defaults', () => {
  const defaults = { image: 'ray:1', podTypes: { head: { CPU: 1, memory: '1Gi' }, worker: { CPU: 1, minWorkers: 2 } } };

  it('fills what the user left out and keeps what the user set', () => {
    assert.deepEqual(coalesceValues({ podTypes: { worker: { minWorkers: 0 } } }, defaults), {
      image: 'ray:1',
      podTypes: { head: { CPU: 1, memory: '1Gi' }, worker: { CPU: 1, minWorkers: 0 } },
    });
  });

  it('null deletes a default, at any depth', () => {
    assert.deepEqual(coalesceValues({ podTypes: { worker: null, head: { memory: null } } }, defaults), {
      image: 'ray:1',
      podTypes: { head: { CPU: 1 } },
    });
  });

  it('does not modify its inputs', () => {
    const user = { podTypes: { worker: { minWorkers: 5 } } };
    const before = structuredClone(defaults);
    coalesceValues(user, defaults);
    assert.deepEqual(defaults, before);
    assert.deepEqual(user, { podTypes: { worker: { minWorkers: 5 } } });
  });

  it('mergeValues replaces lists instead of merging them', () => {
    assert.deepEqual(mergeValues({ a: [1, 2, 3] }, { a: [9] }), { a: [9] });
  });
});

describe('hostile values are refused with one line, before anything uses them', () => {
  const input = (over: Partial<ValuesInput>): ValuesInput => ({ ...NO_VALUES_INPUT, ...over });
  const files = (text: string) => () => text;

  it('__proto__, constructor and prototype as keys, in -f, --set and --set-json; nothing is polluted', () => {
    assert.throws(() => userSuppliedValues(input({ set: ['__proto__.polluted=1'] }), files('')), /key "__proto__"/);
    assert.throws(() => userSuppliedValues(input({ set: ['a.constructor.x=1'] }), files('')), /key "constructor"/);
    assert.throws(
      () => userSuppliedValues(input({ setJson: ['a={"__proto__":{"polluted":1}}'] }), files('')),
      /key "__proto__" is not allowed/,
    );
    assert.throws(
      () => userSuppliedValues(input({ files: ['bad.yaml'] }), files('podTypes:\n  prototype:\n    x: 1\n')),
      /values file bad.yaml is refused: key "podTypes.prototype" is not allowed/,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('nesting deeper than the cap in --set and in -f, without overflowing the stack', () => {
    const deep = `${Array.from({ length: 20_000 }, (_, i) => `k${i}`).join('.')}=1`;
    assert.throws(() => userSuppliedValues(input({ set: [deep] }), files('')), /deeper than 64 levels/);
    const yamlDeep = `${Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} 1\n`;
    assert.throws(() => userSuppliedValues(input({ files: ['deep.yaml'] }), files(yamlDeep)), /deeper than 64 levels/);
  });

  it('a YAML alias bomb stops at the node cap, quickly', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    assert.throws(
      () => userSuppliedValues(input({ files: ['bomb.yaml'] }), files(`${levels.join('\n')}\n`)),
      /expands to more than 1,000,000 values/,
    );
  });
});
