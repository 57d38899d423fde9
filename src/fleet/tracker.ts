/**
 * The fleet tracker: per-flight state in memory, driven by the flight reducer; updates fanned out
 * to subscribers (the live pages), the track down-sampled and written in batches, transitions,
 * alerts and delivery records persisted in order.
 *
 * - Parse once, push to N listeners: a subscriber gets the same immutable update object as every
 *   other; `updateJson(u)` serialises it once for all of them.
 * - Slow subscribers never block: delivery runs in a microtask right after the input that caused
 *   it (ingest returns first); a subscriber whose listener is still busy (returned an unsettled
 *   Promise) gets its updates coalesced per flight (latest state, all transitions and alerts kept),
 *   so memory stays bounded by the number of flights, and `ingest` never waits for anyone. Listeners
 *   that do real work (writing to a socket) should return a Promise or defer it.
 * - Persistence runs on a serial promise chain (order kept), off the hot path; `settled()` waits
 *   for it.
 */
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { VehicleEvent } from '../mavlink/telemetry.js';
import type { Alert } from './alerts.js';
import {
  emptyVehicle,
  initialFlightState,
  isTerminal,
  reduceFlight,
  type FlightContext,
  type FlightInput,
  type FlightState,
  type ReduceResult,
  type Transition,
  type VehicleSnapshot,
} from './flight-state.js';
import { distanceM } from '../geo/spherical.js';
import type { FlightStore, TrackPoint, TrackSink } from './store.js';

export interface FlightUpdate {
  flightId: string;
  sysid: number;
  /** Time of the newest input merged into this update (event time, ms). */
  t: number;
  /** performance.now() when the tracker handled the newest input (for latency measurement). */
  handledAt: number;
  /** Inputs merged into this update because the subscriber was busy (1 = none merged). */
  merged: number;
  state: FlightState;
  transitions: Transition[];
  alerts: Alert[];
  deliveryChanged: boolean;
}

export type FlightListener = (u: FlightUpdate) => void | Promise<void>;

/** Stops a subscription; `drain()` first waits until what is pending has been delivered. */
export type Unsubscribe = (() => void) & { drain(timeoutMs?: number): Promise<void> };

export interface TrackOptions {
  /** Keep a point when this long after the last kept one, ms (default 1000). */
  minIntervalMs: number;
  /** … or when moved this far, m (default 5). */
  minDistanceM: number;
  /** Hand a batch to the sink at this many points (default 200) … */
  batchSize: number;
  /** … or this often, ms (default 1000). */
  flushIntervalMs: number;
  /** Points kept while the sink fails, at most (default 20,000; oldest dropped beyond). */
  maxBuffered: number;
}

export interface TrackerOptions {
  store?: FlightStore | null;
  /** Where track points go (default: the store). */
  trackSink?: TrackSink | null;
  track?: Partial<TrackOptions>;
  /** Save the latest state at most this often per flight, ms (default 1000; transitions always). */
  stateSaveIntervalMs?: number;
  /** Tick every flight this often so silence becomes "link lost", ms (default 1000; 0 = never). */
  tickIntervalMs?: number;
  /** Clock for ticks (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

const DEFAULT_TRACK: TrackOptions = { minIntervalMs: 1000, minDistanceM: 5, batchSize: 200, flushIntervalMs: 1000, maxBuffered: 20_000 };

interface TrackedFlight {
  id: string;
  sysid: number;
  ctx: FlightContext;
  state: FlightState;
  lastKept: { t: number; lat: number; lon: number } | null;
  lastStateSaveT: number;
}

interface Subscriber {
  listener: FlightListener;
  flightId: string | null;
  pending: Map<string, FlightUpdate>;
  busy: boolean;
  /** Highest number of coalesced inputs seen in one delivered update. */
  maxMerged: number;
}

export interface TrackerStats {
  inputs: number;
  updatesPublished: number;
  updatesDelivered: number;
  /** Inputs merged into an earlier pending update (a busy or slow subscriber). */
  coalesced: number;
  trackPointsKept: number;
  trackBatches: number;
  trackBuffered: number;
  storeErrors: number;
  listenerErrors: number;
  /** Subscribers currently waiting for a listener to settle. */
  busySubscribers: number;
  /** Updates waiting for delivery across subscribers. */
  pendingDeliveries: number;
}

export class FleetTracker {
  private readonly flightsById = new Map<string, TrackedFlight>();
  /** Active (non-terminal) flight per sysid. */
  private readonly flightBySysid = new Map<number, TrackedFlight>();
  private readonly idle = new Map<number, VehicleSnapshot>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly store: FlightStore | null;
  private readonly sink: TrackSink | null;
  private readonly trackOpts: TrackOptions;
  private readonly stateSaveIntervalMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private trackBuffer: TrackPoint[] = [];
  private storeChain: Promise<void> = Promise.resolve();
  private sinkChain: Promise<void> = Promise.resolve();
  private deliverScheduled = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly s = {
    inputs: 0,
    updatesPublished: 0,
    updatesDelivered: 0,
    coalesced: 0,
    trackPointsKept: 0,
    trackBatches: 0,
    storeErrors: 0,
    listenerErrors: 0,
  };

  constructor(opts: TrackerOptions = {}) {
    this.store = opts.store ?? null;
    this.sink = opts.trackSink ?? this.store;
    this.trackOpts = { ...DEFAULT_TRACK, ...opts.track };
    this.stateSaveIntervalMs = opts.stateSaveIntervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? createLogger('fleet.tracker');
    const tick = opts.tickIntervalMs ?? 1000;
    if (tick > 0) {
      const tm = setInterval(() => this.tickAll(), tick);
      tm.unref();
      this.timers.push(tm);
    }
    const fl = setInterval(() => void this.flushTrack(), this.trackOpts.flushIntervalMs);
    fl.unref();
    this.timers.push(fl);
  }

  // --- flights ---------------------------------------------------------------------------------

  /**
   * Track a flight. A new flight starts 'approved' (and is created in the store); pass `state` to
   * continue a stored one (re-attach after a restart). Throws on a plan the state machine cannot
   * follow, or when the vehicle already has an active flight.
   */
  addFlight(f: { id: string; sysid: number; ctx: FlightContext; state?: FlightState; connection?: string | null; t?: number }): FlightState {
    if (this.flightsById.has(f.id)) throw new Error(`tracker: flight ${f.id} is already tracked`);
    const other = this.flightBySysid.get(f.sysid);
    if (other && !isTerminal(other.state.status)) throw new Error(`tracker: vehicle ${f.sysid} already flies flight ${other.id} (${other.state.status})`);
    const t = f.t ?? this.now();
    const state = f.state ?? initialFlightState(f.sysid, f.ctx, t);
    const tf: TrackedFlight = { id: f.id, sysid: f.sysid, ctx: f.ctx, state, lastKept: null, lastStateSaveT: t };
    this.flightsById.set(f.id, tf);
    this.flightBySysid.set(f.sysid, tf);
    if (!f.state && this.store) {
      const store = this.store;
      const rec = {
        id: f.id,
        sysid: f.sysid,
        connection: f.connection ?? null,
        plan: f.ctx.plan,
        deliveryPlan: f.ctx.deliveryPlan ?? null,
        state,
        createdAt: t,
        updatedAt: t,
      };
      this.persist(() => store.createFlight(rec));
    }
    return state;
  }

  /** Stop tracking a flight (its track is flushed). */
  removeFlight(id: string): void {
    const tf = this.flightsById.get(id);
    if (!tf) return;
    this.flightsById.delete(id);
    if (this.flightBySysid.get(tf.sysid) === tf) this.flightBySysid.delete(tf.sysid);
    void this.flushTrack();
  }

  flightState(id: string): FlightState | undefined {
    return this.flightsById.get(id)?.state;
  }

  flights(): { id: string; sysid: number; state: FlightState }[] {
    return [...this.flightsById.values()].map((f) => ({ id: f.id, sysid: f.sysid, state: f.state }));
  }

  /** Latest snapshot of a vehicle: from its active flight, else from idle telemetry. */
  vehicle(sysid: number): VehicleSnapshot | undefined {
    return this.flightBySysid.get(sysid)?.state.vehicle ?? this.idle.get(sysid);
  }

  // --- inputs ----------------------------------------------------------------------------------

  /** A vehicle event from any link: routed to the vehicle's active flight by sysid. Never throws. */
  ingest(e: VehicleEvent): void {
    const tf = this.flightBySysid.get(e.sysid);
    if (tf) {
      this.apply(tf, e);
      return;
    }
    this.s.inputs++;
    this.idle.set(e.sysid, idleSnapshot(this.idle.get(e.sysid) ?? emptyVehicle(e.sysid), e));
  }

  /** Any input (vehicle event or action) for one flight. Returns what the reducer did. */
  input(flightId: string, input: FlightInput): ReduceResult {
    const tf = this.flightsById.get(flightId);
    if (!tf) throw new Error(`tracker: no flight ${flightId}`);
    return this.apply(tf, input);
  }

  private apply(tf: TrackedFlight, input: FlightInput): ReduceResult {
    this.s.inputs++;
    let res: ReduceResult;
    try {
      res = reduceFlight(tf.state, input, tf.ctx);
    } catch (err) {
      // A malformed event must never take the tracker down.
      this.log.warn({ err, flightId: tf.id, input: input.type }, 'flight reducer rejected an input');
      return { state: tf.state, transitions: [], alerts: [], deliveryChanged: false };
    }
    const prev = tf.state;
    if (res.state === prev) return res;
    tf.state = res.state;
    const t = input.t;
    this.persistResult(tf, res, t);
    this.keepTrack(tf, res, input.type === 'position');
    if (isTerminal(res.state.status) && this.flightBySysid.get(tf.sysid) === tf) {
      // keep it addressable by id, but free the vehicle for its next flight
      this.flightBySysid.delete(tf.sysid);
      void this.flushTrack();
    }
    this.publish({
      flightId: tf.id,
      sysid: tf.sysid,
      t,
      handledAt: performance.now(),
      merged: 1,
      state: res.state,
      transitions: res.transitions,
      alerts: res.alerts,
      deliveryChanged: res.deliveryChanged,
    });
    return res;
  }

  private tickAll(): void {
    const t = this.now();
    for (const tf of this.flightsById.values()) if (!isTerminal(tf.state.status)) this.apply(tf, { type: 'tick', t });
  }

  // --- persistence -----------------------------------------------------------------------------

  private persist(op: () => unknown): void {
    this.storeChain = this.storeChain.then(op).then(
      () => undefined,
      (err: unknown) => {
        this.s.storeErrors++;
        this.log.error({ err }, 'flight store write failed');
      },
    );
  }

  private persistResult(tf: TrackedFlight, res: ReduceResult, t: number): void {
    const store = this.store;
    if (!store) return;
    const id = tf.id;
    // Each transition with the state the input led to (the reducer may make two at once: landed → completed).
    const st = res.state;
    for (const tr of res.transitions) this.persist(() => store.saveTransition(id, tr, st));
    for (const a of res.alerts) this.persist(() => store.saveAlert(id, a));
    if (res.deliveryChanged) {
      const d = res.state.delivery;
      this.persist(() => store.saveDelivery(id, d));
    }
    if (res.transitions.length > 0) tf.lastStateSaveT = t;
    else if (t - tf.lastStateSaveT >= this.stateSaveIntervalMs || res.alerts.length > 0) {
      tf.lastStateSaveT = t;
      const st = res.state;
      this.persist(() => store.saveState(id, st));
    }
  }

  private keepTrack(tf: TrackedFlight, res: ReduceResult, isPosition: boolean): void {
    if (!this.sink) return;
    const pos = res.state.vehicle.position;
    if (!pos) return;
    const changed = res.transitions.length > 0;
    if (!changed && !isPosition) return;
    const last = tf.lastKept;
    const keep =
      changed || !last || pos.t - last.t >= this.trackOpts.minIntervalMs || distanceM([last.lon, last.lat], [pos.lon, pos.lat]) >= this.trackOpts.minDistanceM;
    if (!keep) return;
    tf.lastKept = { t: pos.t, lat: pos.lat, lon: pos.lon };
    this.s.trackPointsKept++;
    this.trackBuffer.push({
      flightId: tf.id,
      t: changed ? Math.max(pos.t, res.state.since) : pos.t,
      lat: pos.lat,
      lon: pos.lon,
      relAltM: pos.relAltM,
      altAmslM: pos.altAmslM,
      groundSpeedMs: pos.groundSpeedMs,
      headingDeg: pos.headingDeg,
      batteryPct: res.state.vehicle.battery?.remainingPct ?? null,
      status: res.state.status,
    });
    if (this.trackBuffer.length >= this.trackOpts.batchSize) void this.flushTrack();
  }

  /** Hand buffered track points to the sink now (one batch). */
  flushTrack(): Promise<void> {
    const sink = this.sink;
    if (!sink || this.trackBuffer.length === 0) return this.sinkChain;
    const batch = this.trackBuffer;
    this.trackBuffer = [];
    this.sinkChain = this.sinkChain.then(async () => {
      try {
        await sink.appendTrack(batch);
        this.s.trackBatches++;
      } catch (err) {
        this.s.storeErrors++;
        this.log.error({ err, points: batch.length }, 'track batch write failed; kept for the next flush');
        this.trackBuffer = batch.concat(this.trackBuffer);
        const over = this.trackBuffer.length - this.trackOpts.maxBuffered;
        if (over > 0) this.trackBuffer.splice(0, over);
      }
    });
    return this.sinkChain;
  }

  /** Resolves when every store write and track batch issued so far is done. */
  async settled(): Promise<void> {
    await this.flushTrack();
    await this.storeChain;
    await this.sinkChain;
  }

  // --- fan-out ---------------------------------------------------------------------------------

  /**
   * Receive updates (of one flight, or all). The listener runs asynchronously; if it returns a
   * Promise, later updates are coalesced until it settles. Returns the unsubscribe function.
   */
  subscribe(listener: FlightListener, opts: { flightId?: string } = {}): Unsubscribe {
    const sub: Subscriber = { listener, flightId: opts.flightId ?? null, pending: new Map(), busy: false, maxMerged: 1 };
    this.subscribers.add(sub);
    const off = () => {
      this.subscribers.delete(sub);
      sub.pending.clear();
    };
    const drain = async (timeoutMs = 5000): Promise<void> => {
      const until = performance.now() + timeoutMs;
      while ((sub.pending.size > 0 || sub.busy) && this.subscribers.has(sub) && performance.now() < until) {
        await new Promise((r) => setTimeout(r, sub.busy ? 5 : 0));
      }
    };
    return Object.assign(off, { drain });
  }

  private publish(u: FlightUpdate): void {
    this.s.updatesPublished++;
    if (this.subscribers.size === 0) return;
    for (const sub of this.subscribers) {
      if (sub.flightId !== null && sub.flightId !== u.flightId) continue;
      const prev = sub.pending.get(u.flightId);
      if (prev) {
        this.s.coalesced++;
        sub.pending.set(u.flightId, {
          ...u,
          merged: prev.merged + 1,
          transitions: prev.transitions.length ? prev.transitions.concat(u.transitions) : u.transitions,
          alerts: prev.alerts.length ? prev.alerts.concat(u.alerts) : u.alerts,
          deliveryChanged: prev.deliveryChanged || u.deliveryChanged,
        });
      } else sub.pending.set(u.flightId, u);
    }
    this.scheduleDelivery();
  }

  private scheduleDelivery(): void {
    if (this.deliverScheduled) return;
    this.deliverScheduled = true;
    queueMicrotask(() => {
      this.deliverScheduled = false;
      for (const sub of this.subscribers) if (!sub.busy && sub.pending.size > 0) this.deliver(sub);
    });
  }

  private deliver(sub: Subscriber): void {
    const updates = [...sub.pending.values()];
    sub.pending.clear();
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i] as FlightUpdate;
      if (u.merged > sub.maxMerged) sub.maxMerged = u.merged;
      this.s.updatesDelivered++;
      let r: void | Promise<void>;
      try {
        r = sub.listener(u);
      } catch (err) {
        this.s.listenerErrors++;
        this.log.warn({ err }, 'flight update listener threw');
        continue;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        // Busy: keep the rest pending (ahead of anything newer) and resume when it settles.
        for (let j = updates.length - 1; j > i; j--) {
          const rest = updates[j] as FlightUpdate;
          const newer = sub.pending.get(rest.flightId);
          sub.pending.delete(rest.flightId);
          sub.pending.set(
            rest.flightId,
            newer
              ? {
                  ...newer,
                  merged: newer.merged + rest.merged,
                  transitions: rest.transitions.concat(newer.transitions),
                  alerts: rest.alerts.concat(newer.alerts),
                  deliveryChanged: rest.deliveryChanged || newer.deliveryChanged,
                }
              : rest,
          );
        }
        sub.busy = true;
        (r as Promise<void>).then(
          () => this.resume(sub),
          (err: unknown) => {
            this.s.listenerErrors++;
            this.log.warn({ err }, 'flight update listener failed');
            this.resume(sub);
          },
        );
        return;
      }
    }
  }

  private resume(sub: Subscriber): void {
    sub.busy = false;
    if (sub.pending.size > 0 && this.subscribers.has(sub)) this.scheduleDelivery();
  }

  stats(): TrackerStats {
    let busy = 0;
    let pending = 0;
    for (const sub of this.subscribers) {
      if (sub.busy) busy++;
      pending += sub.pending.size;
    }
    return { ...this.s, trackBuffered: this.trackBuffer.length, busySubscribers: busy, pendingDeliveries: pending };
  }

  /** Stop timers, flush the track and wait for every write. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.settled();
  }
}

const jsonCache = new WeakMap<FlightUpdate, string>();

/** JSON of an update, computed once however many subscribers send it (e.g. as server-sent events). */
export function updateJson(u: FlightUpdate): string {
  let s = jsonCache.get(u);
  if (s === undefined) {
    s = JSON.stringify({ flightId: u.flightId, sysid: u.sysid, t: u.t, state: u.state, transitions: u.transitions, alerts: u.alerts });
    jsonCache.set(u, s);
  }
  return s;
}

/** Telemetry of a vehicle with no active flight (the fleet map). */
function idleSnapshot(v: VehicleSnapshot, e: VehicleEvent): VehicleSnapshot {
  const base = { ...v, lastHeardT: e.t, linkUp: true };
  switch (e.type) {
    case 'heartbeat':
      return { ...base, armed: e.armed, customMode: e.customMode, modeName: e.modeName, systemStatus: e.systemStatus };
    case 'position':
      return {
        ...base,
        position: { t: e.t, lat: e.lat, lon: e.lon, relAltM: e.relAltM, altAmslM: e.altAmslM, groundSpeedMs: e.groundSpeedMs, headingDeg: e.headingDeg },
      };
    case 'battery':
      return { ...base, battery: { t: e.t, remainingPct: e.remainingPct, voltageV: e.voltageV, currentA: e.currentA } };
    case 'gps':
      return { ...base, gps: { fixType: e.fixType, satellites: e.satellites } };
    case 'ekf':
      return { ...base, ekfPositionOk: e.positionOk };
    case 'home':
      return { ...base, home: { lat: e.lat, lon: e.lon, altAmslM: e.altAmslM } };
    case 'mission-current':
      return { ...base, missionSeq: e.seq, missionTotal: e.total };
    case 'landed-state':
      return { ...base, landedState: e.landedState };
    case 'link':
      return { ...v, linkUp: e.up };
    default:
      return base;
  }
}
