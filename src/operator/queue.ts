/**
 * A keyed work queue as controllers use it: a key waits at most once however often it is added, is never handled
 * by two workers at once (added again while in progress, it runs once more afterwards), and retries back off
 * exponentially per key.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private stopped = false;

  constructor(
    private readonly baseDelayMs = 50,
    private readonly maxDelayMs = 60_000,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Adds the key again after its backoff: 50 ms, 100 ms, ... up to a minute. */
  retry(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** (failures - 1), this.maxDelayMs));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to handle, or undefined once shut down. */
  next(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.again.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters = [];
  }
}
