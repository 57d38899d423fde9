/**
 * A clock for the protocol machines (src/mavlink/retry.ts Clock) whose time moves only when the test
 * says so. `run(promise)` plays a scripted exchange to its end: it lets every pending callback and
 * promise settle, then jumps to the next timer, fires it, and repeats, so a test asserts on simulated
 * milliseconds however busy the machine running it is.
 */
import type { Clock, TimerHandle } from '../../src/mavlink/retry.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Fire every timer due within `ms` from now, in order, letting callbacks settle in between. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (!next || next.at > until) break;
      this.fire(next);
    }
    this.t = until;
    await settle();
  }

  /** Run simulated time until the promise settles (fails if it never can, or takes over `limitMs`). */
  async run<T>(p: Promise<T>, limitMs = 24 * 3_600_000): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    const end = this.t + limitMs;
    for (;;) {
      await settle();
      if (done) return p;
      const next = this.earliest();
      if (!next) throw new Error('FakeClock.run: the promise is still pending and no timer is left to fire');
      if (next.at > end) throw new Error(`FakeClock.run: still pending after ${limitMs} simulated ms`);
      this.fire(next);
    }
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }

  private fire(t: Timer): void {
    this.timers.delete(t.id);
    this.t = Math.max(this.t, t.at);
    t.fn();
  }
}

/** Let queued microtasks and immediate callbacks run (a scripted peer answers in microtasks). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
