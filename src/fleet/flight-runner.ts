/**
 * The flight runner: executes one approved flight on a vehicle and follows it to the end.
 *
 *   upload + verify (vehicle.uploadPlan, with progress) → vehicle configuration check (the parameters
 *   the delivery needs, e.g. WINCH_TYPE for a winch plan: src/fleet/vehicle-config.ts; a failed check
 *   fails the flight before anything is armed) → wait until ready to arm → GUIDED → arm
 *   (retried once a second until a deadline, with the vehicle's STATUSTEXT reason) → MISSION_START
 *   (within DISARM_DELAY) → follow telemetry through the flight reducer until completed / failed /
 *   aborted.
 *
 * `abort(by)` sends the vehicle home (RTL: the planner made the straight return line safe where it
 * could) and records who aborted; `pause(by)` / `resume(by)` hold and continue. A lost link only
 * shows (the vehicle's own failsafe applies); when it comes back the runner asks for telemetry again
 * and reads the mission back — a mission that no longer matches the plan fails the flight with an
 * alert, never silently continued. `attachFlight` re-attaches to a flight already in the air (after a
 * service restart) in the same way.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { DeliveryPlan } from '../planner/types.js';
import type { VehiclePlan } from '../missions/types.js';
import type { CommandResult, MavlinkConnection, TransferProgress, VehicleLink } from '../mavlink/types.js';
import { compareItems } from '../mavlink/compare.js';
import { COPTER_MODE, type VehicleEvent } from '../mavlink/telemetry.js';
import type { Alert } from './alerts.js';
import type { DeliveryRecord } from './delivery.js';
import { AIRBORNE_STATUSES, FOUND_ON_GROUND_DELIVERED_REASON, FOUND_ON_GROUND_REASON } from '../domain/words.js';
import {
  isTerminal,
  type FlightAction,
  type FlightContext,
  type FlightOptions,
  type FlightState,
  type PlannedEnergy,
  type Transition,
} from './flight-state.js';
import type { FlightRecord, FlightStore } from './store.js';
import { checkVehicleConfig, requiredVehicleParams, type ParamReading } from './vehicle-config.js';
import { FleetTracker, type FlightUpdate, type Unsubscribe } from './tracker.js';

export type FlightOutcomeStatus = 'completed' | 'failed' | 'aborted' | 'detached';

export interface FlightOutcome {
  flightId: string;
  status: FlightOutcomeStatus;
  /** true only when delivered at the drop point and landed at the depot. */
  ok: boolean;
  reason: string | null;
  state: FlightState;
  delivery: DeliveryRecord;
  /** Every transition and alert of this run (also in the store when one was given). */
  transitions: Transition[];
  alerts: Alert[];
}

export interface FlightRunOptions {
  vehicle: VehicleLink;
  plan: VehiclePlan;
  deliveryPlan?: DeliveryPlan | null;
  /** Flight id (the service's); default a random UUID. */
  flightId?: string;
  /** A shared tracker (the service's); default a private one using `store`. */
  tracker?: FleetTracker;
  /** Store for a private tracker (ignored when `tracker` is given: that tracker has its own). */
  store?: FlightStore | null;
  /** Connection URL, recorded with the flight for re-attaching. */
  connection?: string | null;
  flightOptions?: Partial<FlightOptions>;
  energy?: PlannedEnergy | null;
  /** Every state change, alert or telemetry update of this flight (asynchronous, coalesced when busy). */
  onUpdate?: (u: FlightUpdate) => void | Promise<void>;
  /** Upload progress (mission / fence / rally items). */
  onProgress?: (p: TransferProgress) => void;
  /** Stop following (detach): the vehicle carries on and the flight stays unfinished for attachFlight. */
  signal?: AbortSignal;
  /** Deadline for the vehicle to become ready to arm, ms (default 120,000). */
  readyTimeoutMs?: number;
  /** Deadline for arming, retried once a second, ms (default 30,000). */
  armTimeoutMs?: number;
  armRetryMs?: number;
  /** Telemetry rate asked of the vehicle, Hz (default 4). */
  telemetryRateHz?: number;
  /** Give up (outcome 'detached') after the link has been lost this long, ms (default: never). */
  giveUpAfterLinkLostMs?: number | null;
  /** Clock for actions (default Date.now; use the same clock as the vehicle's events). */
  now?: () => number;
  logger?: Logger;
}

export interface FlightHandle {
  readonly id: string;
  /** Resolves when the flight ends (completed / failed / aborted) or is detached. Never rejects. */
  readonly done: Promise<FlightOutcome>;
  state(): FlightState;
  /** Abort: on the ground, stop (disarm if armed); in the air, RTL. Records who. */
  abort(by: string, reason?: string): Promise<CommandResult | null>;
  /** Hold position (BRAKE) while flying. */
  pause(by: string): Promise<CommandResult>;
  /** Continue the mission (AUTO). */
  resume(by: string): Promise<CommandResult>;
  /** Stop following without touching the vehicle (same as the signal). */
  detach(reason?: string): void;
}

/** Run a flight from upload to the end. */
export function runFlight(opts: FlightRunOptions): Promise<FlightOutcome> {
  return startFlight(opts).done;
}

/** Start a flight and get a handle to abort / pause / resume it. */
export function startFlight(opts: FlightRunOptions): FlightHandle {
  const r = new FlightRun(opts, opts.flightId ?? randomUUID());
  r.begin(undefined);
  void r.execute();
  return r.handle();
}

export interface AttachOptions
  extends Omit<FlightRunOptions, 'plan' | 'deliveryPlan' | 'flightId' | 'onProgress' | 'readyTimeoutMs' | 'armTimeoutMs' | 'armRetryMs'> {
  /** The stored flight (from FlightStore.loadUnfinishedFlights). */
  record: Pick<FlightRecord, 'id' | 'plan' | 'state'> & { deliveryPlan?: DeliveryPlan | null };
}

/**
 * Re-attach to a flight that was running when the service stopped. Reads the mission back first:
 * a mismatch fails the flight with a 'mission-changed' alert. A flight interrupted before take-off
 * (vehicle on the ground, disarmed) is failed with that reason, never restarted silently. In the
 * air, tracking continues from the stored state.
 */
export function attachFlight(opts: AttachOptions): FlightHandle {
  const rec = opts.record;
  const r = new FlightRun({ ...opts, plan: rec.plan, deliveryPlan: rec.deliveryPlan ?? null }, rec.id);
  r.begin(rec.state);
  void r.reattach();
  return r.handle();
}

/**
 * Re-attach every unfinished flight in the store to its vehicle on the MAVLink connection `link`
 * (found by system id). Flights whose vehicle is not heard within `vehicleTimeoutMs` are returned in
 * `missing` (not attached); call again when the vehicle is back.
 */
export async function attachUnfinishedFlights(
  opts: Omit<AttachOptions, 'record' | 'vehicle'> & {
    store: FlightStore;
    link: MavlinkConnection;
    vehicleTimeoutMs?: number;
  },
): Promise<{ handles: FlightHandle[]; missing: { id: string; sysid: number; error: string }[] }> {
  const records = await opts.store.loadUnfinishedFlights();
  const handles: FlightHandle[] = [];
  const missing: { id: string; sysid: number; error: string }[] = [];
  await Promise.all(
    records.map(async (rec) => {
      try {
        const vehicle = await opts.link.waitForVehicle({
          sysid: rec.sysid,
          timeoutMs: opts.vehicleTimeoutMs ?? 10_000,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        handles.push(attachFlight({ ...opts, vehicle, record: rec }));
      } catch (err) {
        missing.push({ id: rec.id, sysid: rec.sysid, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return { handles, missing };
}

// ---------------------------------------------------------------------------------------------

class FlightRun {
  private readonly tracker: FleetTracker;
  private readonly ownTracker: boolean;
  private readonly ctx: FlightContext;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly internal = new AbortController();
  private readonly transitions: Transition[] = [];
  private readonly alerts: Alert[] = [];
  private readonly seen = new WeakSet<object>();
  private readonly cleanups: (() => void)[] = [];
  /** The caller's onUpdate subscription: drained before the outcome resolves, so it sees the end. */
  private userSub: Unsubscribe | null = null;
  private resolveDone!: (o: FlightOutcome) => void;
  readonly done: Promise<FlightOutcome>;
  private finished = false;
  private verifying = false;
  private linkWasUp = true;
  private linkLostTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: FlightRunOptions,
    readonly id: string,
  ) {
    this.ownTracker = !o.tracker;
    this.tracker = o.tracker ?? new FleetTracker({ store: o.store ?? null });
    this.ctx = {
      plan: o.plan,
      deliveryPlan: o.deliveryPlan ?? null,
      ...(o.energy !== undefined ? { energy: o.energy } : {}),
      ...(o.flightOptions ? { options: o.flightOptions } : {}),
    };
    this.now = o.now ?? Date.now;
    this.log = o.logger ?? createLogger('fleet.flight');
    this.done = new Promise((res) => (this.resolveDone = res));
  }

  handle(): FlightHandle {
    return {
      id: this.id,
      done: this.done,
      state: () => this.state,
      abort: (by, reason) => this.abort(by, reason),
      pause: (by) => this.pause(by),
      resume: (by) => this.resume(by),
      detach: (reason) => this.detach(reason ?? 'detached'),
    };
  }

  get state(): FlightState {
    const s = this.tracker.flightState(this.id);
    if (!s) throw new Error(`flight ${this.id} is not tracked`);
    return s;
  }

  /** Register with the tracker and start listening to the vehicle. */
  begin(stored: FlightState | undefined): void {
    const v = this.o.vehicle;
    this.tracker.addFlight({ id: this.id, sysid: v.sysid, ctx: this.ctx, connection: this.o.connection ?? null, ...(stored ? { state: stored } : {}) });
    this.cleanups.push(v.onEvent((e) => this.onVehicleEvent(e)));
    this.cleanups.push(this.tracker.subscribe((u) => this.onTrackerUpdate(u), { flightId: this.id }));
    if (this.o.onUpdate) this.userSub = this.tracker.subscribe(this.o.onUpdate, { flightId: this.id });
    const sig = this.o.signal;
    if (sig) {
      const onAbort = () => this.detach('the caller stopped following the flight');
      if (sig.aborted) queueMicrotask(onAbort);
      else {
        sig.addEventListener('abort', onAbort, { once: true });
        this.cleanups.push(() => sig.removeEventListener('abort', onAbort));
      }
    }
  }

  private onVehicleEvent(e: VehicleEvent): void {
    if (this.finished || e.sysid !== this.o.vehicle.sysid) return;
    this.record(this.tracker.input(this.id, e));
  }

  private act(a: FlightAction): void {
    if (this.finished) return;
    this.record(this.tracker.input(this.id, a));
  }

  private record(res: { state: FlightState; transitions: Transition[]; alerts: Alert[] }): void {
    for (const tr of res.transitions) {
      if (this.seen.has(tr)) continue;
      this.seen.add(tr);
      this.transitions.push(tr);
      this.log.info({ flightId: this.id, ...tr }, `flight ${tr.from} → ${tr.to}`);
    }
    for (const a of res.alerts) {
      if (this.seen.has(a)) continue;
      this.seen.add(a);
      this.alerts.push(a);
      this.log.warn({ flightId: this.id, alert: a.kind, active: a.active }, a.message);
    }
    if (isTerminal(res.state.status)) void this.finish(res.state.status, res.state.reason);
  }

  /** Link edges (also those the tracker's tick finds) arrive here. */
  private onTrackerUpdate(u: FlightUpdate): void {
    if (this.finished) return;
    const up = u.state.vehicle.linkUp;
    const wasUp = this.linkWasUp;
    this.linkWasUp = up;
    // ticks run inside the tracker: collect their alerts / transitions too (and finish if terminal)
    this.record({ state: this.state, transitions: u.transitions, alerts: u.alerts });
    if (this.finished) return;
    if (!up && wasUp) this.onLinkLost();
    else if (up && !wasUp) this.onLinkBack();
  }

  private onLinkLost(): void {
    const ms = this.o.giveUpAfterLinkLostMs;
    if (ms && ms > 0 && !this.linkLostTimer) {
      this.linkLostTimer = setTimeout(() => this.detach(`link lost for more than ${ms / 1000} s`), ms);
      this.linkLostTimer.unref();
    }
  }

  private onLinkBack(): void {
    if (this.linkLostTimer) clearTimeout(this.linkLostTimer);
    this.linkLostTimer = null;
    if (!AIRBORNE_STATUSES.includes(this.state.status)) return;
    // The vehicle may have rebooted (it then streams nothing unasked): ask again, and check the mission.
    void this.o.vehicle
      .requestTelemetry(this.o.telemetryRateHz ?? 4)
      .catch((err: unknown) => this.log.warn({ err }, 'telemetry request after link back failed'));
    void this.verifyMission('link back');
  }

  /** Read the mission back and compare with the plan; a mismatch fails the flight. */
  private async verifyMission(why: string): Promise<boolean | null> {
    if (this.verifying || this.finished) return null;
    this.verifying = true;
    try {
      const res = await this.o.vehicle.downloadItems(0, { signal: this.internal.signal });
      if (this.finished) return null;
      if (!res.ok) {
        this.log.warn({ flightId: this.id, why, error: res.error }, `mission read-back failed: ${res.message}`);
        return null; // try again when the link is back
      }
      const diffs = compareItems(0, this.o.plan.mission, res.value);
      const ok = diffs.length === 0;
      const shown = diffs.slice(0, 3).join('; ') + (diffs.length > 3 ? `; … ${diffs.length - 3} more` : '');
      // A mismatch fails the flight with an alert. medidrop does not fight whoever changed the
      // mission: the pilot decides (handle.abort() still sends RTL while the vehicle is armed).
      this.act({ type: 'mission-verified', t: this.now(), ok, message: ok ? `mission matches the plan (${why})` : shown });
      return ok;
    } catch (err) {
      this.log.warn({ err, flightId: this.id }, 'mission read-back threw');
      return null;
    } finally {
      this.verifying = false;
    }
  }

  // --- the sequence ----------------------------------------------------------------------------

  async execute(): Promise<void> {
    const v = this.o.vehicle;
    const sig = this.internal.signal;
    try {
      await v.requestTelemetry(this.o.telemetryRateHz ?? 4).catch((err: unknown) => this.log.warn({ err }, 'telemetry request failed'));
      if (this.stopped()) return;

      this.act({ type: 'upload-started', t: this.now() });
      const report = await v.uploadPlan(this.o.plan, { signal: sig, ...(this.o.onProgress ? { onProgress: this.o.onProgress } : {}) });
      if (this.stopped()) return;
      if (!report.ok) {
        this.act({ type: 'upload-failed', t: this.now(), message: `${report.error ?? 'error'}: ${report.message ?? 'no details'}` });
        return;
      }
      this.act({ type: 'upload-finished', t: this.now(), items: report.uploaded });

      if (!(await this.checkVehicleConfig()) || this.stopped()) return;

      try {
        await v.waitReadyToArm({ timeoutMs: this.o.readyTimeoutMs ?? 120_000, signal: sig });
      } catch (err) {
        if (this.stopped()) return;
        this.act({ type: 'arm-failed', t: this.now(), message: `not ready to arm: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      if (this.stopped()) return;

      this.act({ type: 'arm-requested', t: this.now() });
      this.act({ type: 'mode-requested', t: this.now(), mode: COPTER_MODE.GUIDED, by: 'medidrop' });
      const guided = await v.setMode(COPTER_MODE.GUIDED);
      if (this.stopped()) return;
      if (!guided.ok) {
        this.act({ type: 'arm-failed', t: this.now(), message: `GUIDED refused: ${describe(guided)}` });
        return;
      }

      const armed = await this.armWithRetry();
      if (this.stopped()) return;
      if (!armed.ok) {
        this.act({ type: 'arm-failed', t: this.now(), message: armed.reason ?? describe(armed) });
        return;
      }

      // MISSION_START must follow within DISARM_DELAY (10 s) or the copter disarms itself.
      this.act({ type: 'mode-requested', t: this.now(), mode: COPTER_MODE.AUTO, by: 'medidrop' });
      let start = await v.startMission();
      for (let i = 0; i < 2 && !start.ok && !this.stopped(); i++) {
        await sleep(1000, sig);
        start = await v.startMission();
      }
      if (this.stopped()) return;
      if (!start.ok) {
        this.act({ type: 'mission-start-failed', t: this.now(), message: describe(start) });
        await v.disarm().catch(() => undefined); // (it would disarm itself after DISARM_DELAY anyway)
        return;
      }
      // From here on the telemetry drives the state (arming → en-route on HEARTBEAT armed + AUTO).
    } catch (err) {
      if (this.stopped()) return;
      this.act({ type: 'fail', t: this.now(), reason: `flight runner error: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /**
   * Pre-flight: read the parameters the delivery needs (e.g. WINCH_TYPE for DO_WINCH, GRIP_ENABLE for
   * the release). A value that is wrong, or a parameter the vehicle does not report, fails the flight
   * with the reason and an alert; nothing is armed. Returns true when the vehicle is fit to fly it.
   */
  private async checkVehicleConfig(): Promise<boolean> {
    const checks = requiredVehicleParams(this.o.plan);
    // all of them in one pipelined exchange: one round trip, not one per parameter
    let readings: ParamReading[];
    try {
      const got = checks.length > 0 ? await this.o.vehicle.readParams(checks.map((c) => c.param)) : [];
      readings = checks.map((check, i) => {
        const r = got[i];
        if (!r) return { check, error: 'no answer in the batch read' };
        return r.ok ? { check, value: r.value } : { check, error: r.error };
      });
    } catch (err) {
      // the read was cancelled (the link closed): every check is unconfirmed
      const error = err instanceof Error ? err.message : String(err);
      readings = checks.map((check) => ({ check, error }));
    }
    if (this.stopped()) return false;
    const problems = checkVehicleConfig(readings);
    if (problems.length === 0) {
      if (readings.length > 0)
        this.log.info(
          { flightId: this.id, params: Object.fromEntries(readings.map((r) => [r.check.param, 'value' in r ? r.value : null])) },
          'vehicle configuration fits the delivery',
        );
      return true;
    }
    this.act({ type: 'vehicle-check-failed', t: this.now(), problems: problems.map((p) => p.message) });
    return false;
  }

  private async armWithRetry(): Promise<CommandResult> {
    const v = this.o.vehicle;
    const deadline = performance.now() + (this.o.armTimeoutMs ?? 30_000);
    const every = this.o.armRetryMs ?? 1000;
    let last: CommandResult = { ok: false, result: -1, resultName: 'NOT_SENT' };
    while (!this.stopped()) {
      const tried = performance.now();
      last = await v.arm();
      if (last.ok || this.stopped()) return last;
      if (last.reason) this.log.info({ flightId: this.id, reason: last.reason }, 'arming refused, retrying');
      const wait = every - (performance.now() - tried);
      if (performance.now() + Math.max(0, wait) > deadline) break;
      await sleep(Math.max(0, wait), this.internal.signal);
    }
    const ms = this.o.armTimeoutMs ?? 30_000;
    return { ...last, reason: `not armed within ${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s: ${last.reason ?? last.resultName}` };
  }

  async reattach(): Promise<void> {
    const v = this.o.vehicle;
    this.act({ type: 'reattached', t: this.now() });
    const st = this.state.status;
    if (isTerminal(st)) {
      void this.finish(st, this.state.reason);
      return;
    }
    // In the air when the service stopped, disarmed now (the first HEARTBEAT's base_mode says so;
    // checked before later packets are reduced, which would read as a landing or a reboot with a
    // less clear cause). ArduCopter only disarms on the ground (AP_Arming / Copter::motors_output: in flight a disarm
    // is a crash or an emergency stop), so the vehicle landed — or rebooted, e.g. an emulator or
    // SITL started afresh at home — while nobody was listening. The mission read-back cannot tell
    // whether the parcel went: MISSION_CURRENT past the delivery item means the vehicle moved on,
    // not that it released (NAV_PAYLOAD_PLACE moves on without a release when no ground is found,
    // AP_Mission/mode_auto.cpp payload_place), and the release STATUSTEXT of the outage is gone.
    // So only a release recorded before the outage counts; otherwise the flight ends with that cause.
    if (AIRBORNE_STATUSES.includes(st) && !v.armed) {
      const reason = this.state.delivery.delivered ? FOUND_ON_GROUND_DELIVERED_REASON : FOUND_ON_GROUND_REASON;
      this.act({ type: 'fail', t: this.now(), reason });
      return;
    }
    await v.requestTelemetry(this.o.telemetryRateHz ?? 4).catch((err: unknown) => this.log.warn({ err }, 'telemetry request failed'));
    if (this.stopped()) return;
    const verified = await this.verifyMission('re-attached after a restart');
    if (this.stopped()) return;
    const now = this.state.status;
    if (!AIRBORNE_STATUSES.includes(now) && !isTerminal(now) && !v.armed) {
      this.act({ type: 'fail', t: this.now(), reason: `interrupted by a service restart before take-off (was ${now}); start the flight again` });
      return;
    }
    if (verified === null) this.log.warn({ flightId: this.id }, 'mission not verified yet after re-attach; will retry when the link is back');
  }

  // --- operator actions ------------------------------------------------------------------------

  async abort(by: string, reason?: string): Promise<CommandResult | null> {
    const v0 = this.o.vehicle;
    if (this.finished) {
      // the flight record is closed (e.g. failed on a changed mission) but the drone may still fly
      if (v0.armed) {
        this.log.warn({ flightId: this.id, by }, 'abort after the flight ended: RTL');
        return v0.returnToLaunch();
      }
      return null;
    }
    const before = this.state.status;
    this.act({ type: 'abort', t: this.now(), by, ...(reason ? { reason } : {}) });
    const v = this.o.vehicle;
    if (AIRBORNE_STATUSES.includes(before)) {
      this.act({ type: 'mode-requested', t: this.now(), mode: COPTER_MODE.RTL, by });
      let r = await v.returnToLaunch();
      for (let i = 0; i < 3 && !r.ok && !this.finished; i++) {
        await sleep(500);
        r = await v.returnToLaunch();
      }
      if (!r.ok) this.log.error({ flightId: this.id, result: r }, 'RTL refused after abort');
      return r;
    }
    // on the ground: stop whatever the runner was doing; disarm if armed
    this.internal.abort();
    if (v.armed) return v.disarm();
    return null;
  }

  async pause(by: string): Promise<CommandResult> {
    if (!AIRBORNE_STATUSES.includes(this.state.status))
      return { ok: false, result: -1, resultName: 'NOT_FLYING', reason: `cannot pause a flight that is ${this.state.status}` };
    this.act({ type: 'mode-requested', t: this.now(), mode: COPTER_MODE.BRAKE, by });
    const r = await this.o.vehicle.pause('BRAKE');
    if (r.ok) this.act({ type: 'pause', t: this.now(), by });
    return r;
  }

  async resume(by: string): Promise<CommandResult> {
    if (!AIRBORNE_STATUSES.includes(this.state.status))
      return { ok: false, result: -1, resultName: 'NOT_FLYING', reason: `cannot resume a flight that is ${this.state.status}` };
    if (this.state.abort) return { ok: false, result: -1, resultName: 'ABORTED', reason: `the flight was aborted by ${this.state.abort.by}` };
    if (this.state.missionMismatch)
      return { ok: false, result: -1, resultName: 'MISSION_CHANGED', reason: 'the mission on the vehicle does not match the plan' };
    this.act({ type: 'mode-requested', t: this.now(), mode: COPTER_MODE.AUTO, by });
    const r = await this.o.vehicle.resume();
    if (r.ok) this.act({ type: 'resume', t: this.now(), by });
    return r;
  }

  private stopped(): boolean {
    return this.finished || this.internal.signal.aborted || isTerminal(this.state.status);
  }

  detach(reason: string): void {
    if (this.finished) return;
    void this.finish('detached', reason);
  }

  private async finish(status: FlightState['status'] | 'detached', reason: string | null): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.internal.abort();
    if (this.linkLostTimer) clearTimeout(this.linkLostTimer);
    for (const c of this.cleanups.splice(0)) c();
    const state = this.state;
    if (this.userSub) {
      await this.userSub.drain();
      this.userSub();
    }
    try {
      await this.tracker.settled();
    } catch {
      /* logged by the tracker */
    }
    if (status === 'detached') this.tracker.removeFlight(this.id);
    if (this.ownTracker) await this.tracker.close();
    const outcome: FlightOutcome = {
      flightId: this.id,
      status: status === 'completed' || status === 'failed' || status === 'aborted' ? status : 'detached',
      ok: status === 'completed' && state.delivery.delivered,
      reason: status === 'completed' ? null : (reason ?? state.reason),
      state,
      delivery: state.delivery,
      transitions: this.transitions,
      alerts: this.alerts,
    };
    this.resolveDone(outcome);
  }
}

function describe(r: CommandResult): string {
  return r.reason ? `${r.resultName}: ${r.reason}` : r.resultName;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
