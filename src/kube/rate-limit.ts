// Client-side rate limiting of the calls to the API server: a token bucket, as client-go's (golang.org/x/time/rate).
// Pure: the client supplies the clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';

/**
 * The CLI's defaults. helm's `--qps 0` means client-go's default of 5 per second, which would make a `--wait` of
 * rayctl's crawl; kubectl has used 50 since Kubernetes 1.27, and 100 is helm's `--burst-limit`. A command sends a
 * few dozen calls, so it rarely waits at all.
 */
export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;

/** Milliseconds since some origin, and a way to wait. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: the first touch of the global `performance` loads
 * Node's perf_hooks, 2–9 ms of a bare Node start on this machine (a few ms of a command's).
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const systemClock: LimiterClock = {
  now: monotonicMs,
  sleep: (ms) => sleep(ms),
};

/**
 * `burst` calls go at once; after that one call per 1/qps seconds, the bucket refilling at `qps` tokens a second up
 * to `burst`. Each call reserves its token when it asks, so callers waiting together are spaced out in the order
 * they asked, never released all at once. `qps` Infinity turns the limit off; `qps` ≤ 0 or `burst` < 1 are
 * mistakes (the flags map their 0 to the default before this).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Milliseconds waited in all, and how many calls waited, for `--debug`. */
  waitedMs = 0;
  throttled = 0;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: LimiterClock = systemClock,
  ) {
    if (!(qps > 0)) throw new RangeError(`qps must be > 0 (Infinity for no limit), got ${qps}`);
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a whole number ≥ 1, got ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  get unlimited(): boolean {
    return this.qps === Infinity;
  }

  /** Takes a token now and returns how many milliseconds its call must wait before it goes (0: at once). */
  reserve(): number {
    if (this.unlimited) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Waits for a token; resolves with the milliseconds waited. */
  async take(): Promise<number> {
    const delay = this.reserve();
    if (delay > 0) {
      this.waitedMs += delay;
      this.throttled++;
      await this.clock.sleep(delay);
    }
    return delay;
  }
}

/**
 * `--qps` as typed: a number ≥ 0 (fractions allowed, as helm's float), 0 meaning the default. `name` is the flag or
 * environment variable it came from, for the message.
 */
export function parseQps(text: string, name: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`${name} must be a number ≥ 0 (queries per second; 0 for the default), got "${text}"`);
  return value;
}

/** `--burst-limit` as typed: a whole number ≥ 0, 0 meaning the default. */
export function parseBurst(text: string, name: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0 (calls at once; 0 for the default), got "${text}"`);
  return value;
}
