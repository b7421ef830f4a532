/**
 * A clock that moves only when the test says so: sleepers wake in order of their deadlines as `advance` passes
 * them, and each wake-up runs to its next sleep before the next one wakes.
 */
export class FakeClock {
  private time: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ until: this.time + ms, wake }));
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const next = this.sleepers.filter((s) => s.until <= end).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.time = next.until;
      next.wake();
      await settle();
    }
    this.time = end;
  }
}

/** Lets every promise chain that can move, move (fakes answer in microtasks; a few macrotask turns cover them). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
