/**
 * Latest-wins rate limit per key (the bus's telemetry, one key per vehicle): a value offered within
 * `intervalMs` of the last one sent for its key is held, replacing any value held before, and sent
 * when the interval is over. So each key sends at most once per interval, and the last value offered
 * is always sent in the end (a vehicle's final position is never swallowed by the limit).
 */
export interface LatestThrottleOptions {
  intervalMs: number;
  now?: () => number;
}

export class LatestThrottle<T> {
  private readonly lastSent = new Map<string, number>();
  private readonly held = new Map<string, { value: T; timer: NodeJS.Timeout }>();
  private readonly now: () => number;

  constructor(
    private readonly opts: LatestThrottleOptions,
    private readonly send: (key: string, value: T) => void,
  ) {
    this.now = opts.now ?? Date.now;
  }

  offer(key: string, value: T): void {
    const pending = this.held.get(key);
    if (pending) {
      pending.value = value;
      return;
    }
    const wait = (this.lastSent.get(key) ?? -Infinity) + this.opts.intervalMs - this.now();
    if (wait <= 0) {
      this.emit(key, value);
      return;
    }
    const timer = setTimeout(() => {
      const h = this.held.get(key);
      this.held.delete(key);
      if (h) this.emit(key, h.value);
    }, wait);
    timer.unref();
    this.held.set(key, { value, timer });
  }

  private emit(key: string, value: T): void {
    this.lastSent.set(key, this.now());
    this.send(key, value);
  }

  /** Stop: values still held are dropped. */
  close(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
  }
}
