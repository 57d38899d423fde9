/**
 * How long medidrop waits for a vehicle's answer, and how often it asks again: one retry policy for
 * parameters, commands and mission/fence/rally transfers, and the clock it runs on.
 *
 * A step (one request and the answer it expects) is a deadline with backoff: the first try waits
 * about one measured round trip (RttEstimator), each unanswered try waits `backoff` times longer
 * while the link stays quiet, capped, and the step gives up at its deadline. Any answer counts,
 * including one to an earlier try, so a resend before a slow answer arrives costs bandwidth, not
 * correctness. Loss on a radio link is mostly noise, not congestion: when other exchanges are
 * being answered the next try goes out as soon as the first did.
 *
 * Time comes from an injected Clock (now, setTimeout, clearTimeout), the way MAVSDK's
 * MavlinkMissionTransferClient gets its TimeoutHandler: tests drive it with a fake clock and assert
 * on simulated time, never wall time.
 *
 * Why the defaults hold at 30 % loss each way on real ArduPilot: one try succeeds only when both the
 * request and the answer get through, 0.7 × 0.7 ≈ 0.49. A 20 s step deadline with tries at most 1 s
 * apart gives even a 300 ms-RTT radio ≥ 20 tries (0.51^20 ≈ 1e-6 per step), where the old six fixed
 * tries of 1.5 s failed 2 % of the time. The cap of 1 s is ArduPilot's own re-request period
 * (MissionItemProtocol::update, `wp_recv_timeout_ms` = 1000), well inside the 8 s after which it
 * cancels an upload that receives no item (`upload_timeout_ms`, MissionItemProtocol.h).
 */

/** A timer handle as the clock returns it (opaque to callers). */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds on this clock's time line. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process's own clock and timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RetryPolicy {
  /** Wait for the first try before any round trip has been measured on this link, ms. */
  initialTryMs: number;
  /** Shortest wait for one try, ms: below it resends would mostly answer our own scheduling jitter. */
  minTryMs: number;
  /** Longest wait for one try, ms. */
  maxTryMs: number;
  /** Each try that times out while nothing else is answered waits this many times longer than the one before (≥ 1). */
  backoff: number;
  /** A step gives up this long after its first try, ms. */
  deadlineMs: number;
  /** A step gives up after this many tries even before the deadline (default: no limit). */
  maxTries: number;
}

/**
 * The shipped defaults (see the header for why they hold at 30 % loss each way).
 * initialTryMs 500: before anything is measured, a telemetry radio's round trip (SiK at 57600 baud:
 * 100–300 ms) should not trigger a resend; the first answer replaces it with the measured value.
 * minTryMs 20: ArduPilot answers within a main-loop tick (400 Hz on Copter) plus the link; SITL over
 * TCP measures a few ms. backoff 1.5: a link whose latency grows (a radio queueing behind telemetry)
 * is not flooded.
 */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  initialTryMs: 500,
  minTryMs: 20,
  maxTryMs: 1000,
  backoff: 1.5,
  deadlineMs: 20_000,
  maxTries: Infinity,
});

export class RetryPolicyError extends RangeError {
  override name = 'RetryPolicyError';
}

/** The defaults overlaid with what the caller gave, checked: a bad setting is refused by name. */
export function resolvePolicy(...overrides: (Partial<RetryPolicy> | undefined)[]): RetryPolicy {
  const p: RetryPolicy = { ...DEFAULT_RETRY };
  for (const o of overrides) {
    if (!o) continue;
    for (const [k, v] of Object.entries(o) as [keyof RetryPolicy, number | undefined][]) if (v !== undefined) p[k] = v;
  }
  const positive = (k: keyof RetryPolicy) => {
    if (typeof p[k] !== 'number' || !(p[k] > 0) || (k !== 'maxTries' && !Number.isFinite(p[k])))
      throw new RetryPolicyError(
        `retry policy: ${k} must be a positive number of ${k === 'maxTries' ? 'tries' : k === 'backoff' ? 'times' : 'ms'}, got ${String(p[k])}`,
      );
  };
  for (const k of ['initialTryMs', 'minTryMs', 'maxTryMs', 'deadlineMs', 'maxTries', 'backoff'] as const) positive(k);
  if (p.backoff < 1) throw new RetryPolicyError(`retry policy: backoff must be at least 1, got ${p.backoff}`);
  if (p.maxTries !== Infinity && !Number.isInteger(p.maxTries)) throw new RetryPolicyError(`retry policy: maxTries must be a whole number, got ${p.maxTries}`);
  if (p.minTryMs > p.maxTryMs) throw new RetryPolicyError(`retry policy: minTryMs ${p.minTryMs} is more than maxTryMs ${p.maxTryMs}`);
  return p;
}

/**
 * The link's round-trip time as the answers show it (RFC 6298: smoothed RTT and its variation, the
 * per-try wait srtt + 4·rttvar). Only answers to a request sent once are measured (Karn's rule): an
 * answer after a resend cannot tell which try it answers.
 */
export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;

  /**
   * @param prior what to go by before this estimate has its own first answer (e.g. the link's
   * estimate over all kinds of exchange), instead of the policy's initial guess; it is fed every
   * sample of this one.
   */
  constructor(private readonly prior?: RttEstimator) {}

  /**
   * Tries timed out since the last answer of any exchange using this estimate. Backoff grows with
   * it, not with a step's own tries alone: on a link that loses packets but keeps answering (other
   * requests in flight get through) a loss is noise and the next try goes out as soon as before;
   * only a link gone quiet is asked less and less often.
   */
  private quiet = 0;

  /** An answer came (measured or not): the link is not quiet. */
  heard(): void {
    this.quiet = 0;
    this.prior?.heard();
  }

  /** A try went unanswered. */
  timedOut(): void {
    this.quiet++;
  }

  /** Timeouts since the last answer. */
  get quietTries(): number {
    return this.quiet;
  }

  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.prior?.sample(ms);
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
    this.srtt = 0.875 * this.srtt + 0.125 * ms;
  }

  /** Smoothed round trip, ms (undefined before the first answer). */
  get smoothedMs(): number | undefined {
    return this.srtt;
  }

  /** The first try's wait under a policy. */
  firstTryMs(policy: RetryPolicy): number {
    if (this.srtt === undefined && this.prior?.smoothedMs !== undefined) return this.prior.firstTryMs(policy);
    const raw = this.srtt === undefined ? policy.initialTryMs : this.srtt + 4 * this.rttvar;
    return Math.min(policy.maxTryMs, Math.max(policy.minTryMs, raw));
  }
}

/** Seconds with one decimal, for messages: "20.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One step's tries: when the current try times out, whether another may follow, and what to say
 * when none may. The owner sends; the step only keeps time. `sent()` after every send (a resend on
 * our timeout or an answer to the vehicle's own re-request), `answered()` when the answer comes.
 */
export class RetryStep {
  private timer: TimerHandle | undefined;
  private onTimeout: (() => void) | undefined;
  private startedAt = 0;
  private tryAt = 0;
  private firstSentAt = 0;
  private sends = 0;
  private _tries = 0;
  private waitMs = 0;

  constructor(
    readonly policy: RetryPolicy,
    private readonly clock: Clock,
    private readonly rtt: RttEstimator,
  ) {}

  /** Tries made in this step (our first send and every resend on our timeout). */
  get tries(): number {
    return this._tries;
  }

  /** Time since this step's first try, ms. */
  elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  /** "9 tries in 20.3 s". */
  summary(): string {
    return `${this._tries} ${this._tries === 1 ? 'try' : 'tries'} in ${seconds(this.elapsedMs())}`;
  }

  /** A new step: its first try is being sent now. */
  begin(): void {
    this.startedAt = this.clock.now();
    this.firstSentAt = this.startedAt;
    this.tryAt = this.startedAt;
    this.sends = 1;
    this._tries = 1;
    this.waitMs = this.rtt.firstTryMs(this.policy);
  }

  /**
   * The vehicle said something that shows it hears us, though not the answer this step waits for
   * (e.g. MISSION_ACK INVALID_SEQUENCE to a repeated item): the link is not quiet, so the next try
   * does not wait longer.
   */
  heard(): void {
    this.rtt.heard();
    this.waitMs = Math.min(this.waitMs, this.scheduledWait());
  }

  /** The vehicle asked again and we answered: not our try, but the answer is no longer unambiguous. */
  resent(): void {
    this.sends++;
  }

  /** May another try follow the one that just timed out (within the policy, and at most `limit` tries)? */
  canRetry(limit = Infinity): boolean {
    return this._tries < Math.min(limit, this.policy.maxTries) && this.elapsedMs() < this.policy.deadlineMs;
  }

  /**
   * Our timeout fired and we resend: the next try waits longer. The base is the estimate now, not
   * at the step's start: steps begun before the first answer (pipelined, or the first of a session)
   * drop the initial guess as soon as the link has been measured.
   */
  retried(): void {
    this._tries++;
    this.sends++;
    this.rtt.timedOut();
    this.tryAt = this.clock.now();
    this.waitMs = this.scheduledWait();
  }

  /** The estimate's wait, grown by the backoff once per try of this step that timed out while the link stayed quiet. */
  private scheduledWait(): number {
    const grown = Math.min(this._tries - 1, this.rtt.quietTries);
    return Math.min(this.policy.maxTryMs, this.rtt.firstTryMs(this.policy) * this.policy.backoff ** grown);
  }

  /**
   * The estimate has improved since this try was sent (another exchange in flight was answered):
   * shorten the running try's wait to what the estimate now gives. A try begun on the initial
   * guess then does not wait it out once the link has been measured.
   */
  refresh(): void {
    if (this.timer === undefined || !this.onTimeout) return;
    const wait = this.scheduledWait();
    if (wait >= this.waitMs) return;
    this.waitMs = wait;
    const fn = this.onTimeout;
    this.clock.clearTimeout(this.timer);
    const left = Math.min(this.tryAt + wait, this.startedAt + this.policy.deadlineMs) - this.clock.now();
    this.timer = this.clock.setTimeout(fn, Math.max(0, left));
  }

  /** The answer arrived: measure the round trip if it can only answer our one send. */
  answered(): void {
    if (this.sends === 1) this.rtt.sample(this.clock.now() - this.firstSentAt);
    this.rtt.heard();
    this.stop();
  }

  /** (Re)start the timer for the current try; it never runs past the deadline. */
  arm(onTimeout: () => void): void {
    this.stop();
    this.onTimeout = onTimeout;
    const left = this.policy.deadlineMs - this.elapsedMs();
    this.timer = this.clock.setTimeout(onTimeout, Math.max(0, Math.min(this.waitMs, left)));
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** What a protocol client takes to keep time (all optional: defaults, the real clock, a fresh estimate). */
export interface RetryOptions {
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** The link's round-trip estimate, shared by everything talking to one vehicle. */
  rtt?: RttEstimator;
}

export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  rtt: RttEstimator;
  step(): RetryStep;
}

/** The policy, clock and estimate for one exchange; `kind` holds a protocol's own defaults, which the caller's settings override. */
export function retryContext(o: RetryOptions | undefined, kind?: Partial<RetryPolicy>): RetryContext {
  const policy = resolvePolicy(kind, o?.retry);
  const clock = o?.clock ?? realClock;
  const rtt = o?.rtt ?? new RttEstimator();
  return { policy, clock, rtt, step: () => new RetryStep(policy, clock, rtt) };
}
