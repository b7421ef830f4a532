// Go layouts as helm's --time-format takes them; the expected strings are what Go's time.Format prints for the
// same instant in UTC (worked out by hand from the reference time Mon Jan 2 15:04:05 MST 2006).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoTime } from '../../../src/cli/time-layout.ts';

const at = '2026-11-07T09:05:03.120Z'; // a Saturday

test('numeric layouts', () => {
  assert.equal(formatGoTime(at, '2006-01-02 15:04:05'), '2026-11-07 09:05:03');
  assert.equal(formatGoTime(at, '2006-01-02T15:04:05Z07:00'), '2026-11-07T09:05:03Z'); // time.RFC3339
  assert.equal(formatGoTime(at, '02/01/06 3:4:5 PM'), '07/11/26 9:5:3 AM');
  assert.equal(formatGoTime(at, '2006-01-02 15:04:05.000 -0700 MST'), '2026-11-07 09:05:03.120 +0000 UTC');
  assert.equal(formatGoTime(at, '15:04:05.999'), '09:05:03.12');
});

test('names of months and days, padded days', () => {
  assert.equal(formatGoTime(at, 'Mon Jan _2 15:04:05 2006'), 'Sat Nov  7 09:05:03 2026'); // time.ANSIC
  assert.equal(formatGoTime(at, 'Monday, 2 January 2006'), 'Saturday, 7 November 2026');
});

test('text that is no layout element stays as it is; a time that is not one is returned unchanged', () => {
  assert.equal(formatGoTime(at, 'deployed: 2006'), 'deployed: 2026');
  assert.equal(formatGoTime('', '2006'), '');
  assert.equal(formatGoTime('yesterday', '2006'), 'yesterday');
});
