/**
 * Paces the telemetry of one event stream. A vehicle reports its position several times a second,
 * and an emulated one at a speed-up twenty times as often: a phone following a flight redrew its page
 * for every one of them (about 80 messages a second at the demo's 20×), which is more than a phone, or
 * a loaded browser, keeps up with. Telemetry messages (a position, a battery level, a drone's live
 * view) are latest-wins per key: at most one per key every `intervalMs`; one offered sooner is held
 * (a newer one replaces it) and written when its interval is over. Every other message (a state
 * change, an alert, a delivery) is written at once, after the held telemetry, so the order of what
 * the reader sees never changes and the last position before a landing is never dropped; and the
 * telemetry right after it is not held back.
 */

/** How often a stream carries one key's telemetry at most: 4 Hz, ArduPilot's usual position rate at 1×. */
export const TELEMETRY_MIN_INTERVAL_MS = 250;

export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class TelemetryPacer {
  private readonly lastWritten = new Map<string, number>();
  /** Held telemetry in the order its keys were first held: key → the newest message. */
  private readonly held = new Map<string, { event: string; data: unknown; timer: unknown }>();
  private closed = false;

  constructor(
    private readonly write: (event: string, data: unknown) => void,
    private readonly intervalMs = TELEMETRY_MIN_INTERVAL_MS,
    private readonly clock: PacerClock = SYSTEM_CLOCK,
  ) {}

  /**
   * A message that must not wait: held telemetry first, then this one. The telemetry that follows it
   * is written at once (the pacing starts again): after "delivering", the page gets the next position
   * and its ETA "to home" now, not up to 250 ms later.
   */
  send(event: string, data: unknown): void {
    if (this.closed) return;
    this.flush();
    this.write(event, data);
    this.lastWritten.clear();
  }

  /** Latest-wins telemetry under `key` (e.g. "position", or "drone:xn-01"). */
  telemetry(key: string, event: string, data: unknown): void {
    if (this.closed) return;
    const pending = this.held.get(key);
    if (pending) {
      pending.event = event;
      pending.data = data;
      return;
    }
    const wait = (this.lastWritten.get(key) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.writeKey(key, event, data);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      const h = this.held.get(key);
      if (!h) return;
      this.held.delete(key);
      this.writeKey(key, h.event, h.data);
    }, wait);
    this.held.set(key, { event, data, timer });
  }

  /** Nothing more is written; held telemetry is dropped (the reader has gone). */
  close(): void {
    this.closed = true;
    for (const h of this.held.values()) this.clock.clearTimeout(h.timer);
    this.held.clear();
  }

  private flush(): void {
    for (const [key, h] of [...this.held]) {
      this.clock.clearTimeout(h.timer);
      this.held.delete(key);
      this.writeKey(key, h.event, h.data);
    }
  }

  private writeKey(key: string, event: string, data: unknown): void {
    this.lastWritten.set(key, this.clock.now());
    this.write(event, data);
  }
}
