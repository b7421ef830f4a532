import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.ts';
import { parseBurst, parseQps, TokenBucket, type LimiterClock } from '../../../src/kube/rate-limit.ts';

/** A clock that only moves when told to, or when someone sleeps on it. */
function fakeClock(): LimiterClock & { t: number; advance(ms: number): void; slept: number[] } {
  const clock = {
    t: 1_000,
    slept: [] as number[],
    now: () => clock.t,
    advance(ms: number) {
      clock.t += ms;
    },
    sleep(ms: number) {
      clock.slept.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('the token bucket', () => {
  it('lets a burst through at once, then spaces calls 1/qps apart', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) waits.push(await bucket.take());
    assert.deepEqual(
      waits.map((w) => Math.round(w)),
      [0, 0, 0, 100, 100, 100],
    );
    assert.equal(Math.round(bucket.waitedMs), 300);
    assert.equal(bucket.throttled, 3);
    assert.equal(clock.t, 1_300, 'the clock moved only by the waits');
  });

  it('callers asking together are queued, each a further 1/qps later (reservations)', () => {
    const bucket = new TokenBucket(4, 2, fakeClock());
    assert.deepEqual(
      Array.from({ length: 5 }, () => Math.round(bucket.reserve())),
      [0, 0, 250, 500, 750],
    );
  });

  it('refills at qps while idle, never beyond the burst', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, 5, clock);
    for (let i = 0; i < 5; i++) assert.equal(bucket.reserve(), 0);
    clock.advance(1_000); // two tokens back
    assert.deepEqual([bucket.reserve(), bucket.reserve(), Math.round(bucket.reserve())], [0, 0, 500]);
    clock.advance(60_000); // an idle minute refills to 5, not 120
    const waits = Array.from({ length: 6 }, () => bucket.reserve());
    assert.deepEqual(waits.slice(0, 5), [0, 0, 0, 0, 0]);
    assert.ok(waits[5]! > 0, 'the sixth call waits');
  });

  it('fractional qps: 0.5 a second is a call every 2 s', () => {
    const bucket = new TokenBucket(0.5, 1, fakeClock());
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 2_000, 4_000]);
  });

  it('Infinity means no limit; qps ≤ 0 and a burst below 1 are refused (the flags map their 0 to the default)', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(Infinity, 1, clock);
    for (let i = 0; i < 1_000; i++) assert.equal(await bucket.take(), 0);
    assert.deepEqual(clock.slept, []);
    assert.throws(() => new TokenBucket(0, 10, clock), RangeError);
    assert.throws(() => new TokenBucket(-1, 10, clock), RangeError);
    assert.throws(() => new TokenBucket(Number.NaN, 10, clock), RangeError);
    assert.throws(() => new TokenBucket(5, 0, clock), RangeError);
    assert.throws(() => new TokenBucket(5, 1.5, clock), RangeError);
  });
});

describe('--qps and --burst-limit as typed', () => {
  it('accepts numbers ≥ 0 (qps fractional, burst whole); 0 is left for the caller to read as the default', () => {
    assert.equal(parseQps('50', '--qps'), 50);
    assert.equal(parseQps('0.5', '--qps'), 0.5);
    assert.equal(parseQps('0', '--qps'), 0);
    assert.equal(parseBurst('100', '--burst-limit'), 100);
    assert.equal(parseBurst('0', '--burst-limit'), 0);
  });

  for (const [text, parse, name, message] of [
    ['abc', parseQps, '--qps', /--qps must be a number ≥ 0 .*got "abc"/],
    ['-1', parseQps, 'HELM_QPS', /HELM_QPS must be a number ≥ 0/],
    ['', parseQps, '--qps', /--qps must be a number/],
    ['Infinity', parseQps, '--qps', /--qps must be a number/],
    ['1.5', parseBurst, '--burst-limit', /--burst-limit must be a whole number ≥ 0 .*got "1\.5"/],
    ['-3', parseBurst, 'RAYCTL_BURST_LIMIT', /RAYCTL_BURST_LIMIT must be a whole number/],
    ['lots', parseBurst, '--burst-limit', /--burst-limit must be a whole number/],
  ] as const) {
    it(`refuses ${name} "${text}" with a usage error naming it`, () => {
      assert.throws(
        () => parse(text, name),
        (err: Error) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});
