// helm list's --filter, --date, -r, --offset and --max, on release records made here (no cluster).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pagingOf, selectReleases } from '../../../src/cli/commands/list.ts';
import { UsageError } from '../../../src/errors.ts';
import { releaseRecord } from '../../fixtures/release.ts';

const releases = [
  { name: 'alpha', deployed: '2026-11-03T00:00:00Z' },
  { name: 'beta', deployed: '2026-11-01T00:00:00Z' },
  { name: 'example-1', deployed: '2026-11-04T00:00:00Z' },
  { name: 'example-2', deployed: '2026-11-02T00:00:00Z' },
].map(({ name, deployed }) => {
  const r = releaseRecord({ name, namespace: 'ray', status: 'deployed' });
  return { ...r, info: { ...r.info, last_deployed: deployed } };
});
const names = (flags: Record<string, unknown>) => {
  const all = { max: '256', offset: '0', output: 'table' as const, headers: true, ...flags };
  return selectReleases(releases, pagingOf(all), all).map((r) => r.name);
};

test('by name as listed; --filter is a regular expression on the name', () => {
  assert.deepEqual(names({}), ['alpha', 'beta', 'example-1', 'example-2']);
  assert.deepEqual(names({ filter: '^example-' }), ['example-1', 'example-2']);
  assert.deepEqual(names({ filter: 'a$' }), ['alpha', 'beta']);
});

test('--date sorts oldest first, -r reverses, then --offset and --max page (0 = all)', () => {
  assert.deepEqual(names({ date: true }), ['beta', 'example-2', 'alpha', 'example-1']);
  assert.deepEqual(names({ date: true, reverse: true, max: '2' }), ['example-1', 'alpha']);
  assert.deepEqual(names({ offset: '1', max: '2' }), ['beta', 'example-1']);
  assert.deepEqual(names({ offset: '3', max: '0' }), ['example-2']);
  assert.deepEqual(names({ offset: '9' }), []);
});

test('bad paging flags are usage errors naming the flag', () => {
  for (const [flags, why] of [
    [{ max: '-1' }, /--max "-1" must be a whole number/],
    [{ offset: 'ten' }, /--offset "ten" must be a whole number/],
    [{ filter: '(' }, /--filter "\(" is not a regular expression/],
  ] as const)
    assert.throws(
      () => names(flags),
      (err: Error) => err instanceof UsageError && why.test(err.message),
    );
});
