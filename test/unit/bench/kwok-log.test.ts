import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kwokFailedStages } from '../../bench/compare/kwok-log.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rayctl-kwok-log-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Lines as kwok v0.8 writes them (JSON, one per line), cut to the fields the count reads.
const failed = (time: string) =>
  JSON.stringify({ time, level: 'ERROR', msg: 'failed to apply stage', err: 'status.podIPs: may specify no more…' });
const other = (time: string) => JSON.stringify({ time, level: 'INFO', msg: 'Watch pods' });

describe('kwokFailedStages', () => {
  const from = Date.parse('2026-12-07T04:17:00Z');
  const to = Date.parse('2026-12-07T04:18:00Z');

  it('counts the refused stage patches timed within the window, nothing else', async () => {
    const log = join(scratch, 'kwok.log');
    writeFileSync(
      log,
      [
        failed('2026-12-07T04:16:59.999Z'), // before
        failed('2026-12-07T04:17:00.000Z'),
        other('2026-12-07T04:17:10Z'),
        failed('2026-12-07T04:17:33.211783369Z'), // kwok's nanoseconds
        failed('2026-12-07T04:18:00.001Z'), // after
        // kwok still writing: the last line half there.
        '{"time":"2026-12-07T04:17:59Z","level":"ERROR","msg":"failed to apply stage","err":"fail',
      ].join('\n'),
    );
    assert.equal(await kwokFailedStages(log, from, to), 2);
  });

  it('says null when there is no log', async () => {
    assert.equal(await kwokFailedStages(join(scratch, 'missing.log'), from, to), null);
  });
});
