/**
 * What the fleet layer needs from storage. The service implements FlightStore with better-sqlite3
 * (one transaction per call; appendTrack gets a whole batch, write it in ONE transaction); `medidrop
 * fly` and the tests use MemoryFlightStore. Every method may be synchronous or return a Promise; the
 * tracker and the runner await it, in the order: createFlight, then per update saveTransition (with
 * the state after it), saveAlert, saveDelivery, saveState.
 */
import type { DeliveryPlan } from '../planner/types.js';
import type { VehiclePlan } from '../missions/types.js';
import type { Alert } from './alerts.js';
import type { DeliveryRecord } from './delivery.js';
import type { FlightStatus } from '../domain/words.js';
import type { FlightState, Transition } from './flight-state.js';
import { isTerminal } from './flight-state.js';

export interface FlightRecord {
  /** Stable id (the service's flight id). */
  id: string;
  /** Vehicle system id the flight runs on (re-attach finds the vehicle by it). */
  sysid: number;
  /** Connection the vehicle was reached on (a URL such as tcp://127.0.0.1:5760), when known. */
  connection?: string | null;
  plan: VehiclePlan;
  deliveryPlan?: DeliveryPlan | null;
  /** Latest state (JSON). */
  state: FlightState;
  createdAt: number;
  updatedAt: number;
}

/** One kept point of the track (down-sampled: ≥ 1 s or ≥ 5 m apart, plus every state change). */
export interface TrackPoint {
  flightId: string;
  /** Event time, ms. */
  t: number;
  lat: number;
  lon: number;
  relAltM: number;
  altAmslM: number;
  groundSpeedMs: number;
  headingDeg: number;
  batteryPct: number | null;
  status: FlightStatus;
}

export type MaybePromise<T> = T | Promise<T>;

/** Where down-sampled track points go, in batches. */
export interface TrackSink {
  /** Store the batch atomically (one SQLite transaction). Points are in time order per flight. */
  appendTrack(points: readonly TrackPoint[]): MaybePromise<void>;
}

export interface FlightStore extends TrackSink {
  /** A new flight (or an existing one being re-run: upsert). */
  createFlight(rec: FlightRecord): MaybePromise<void>;
  /** A transition and the state right after it (store both in one transaction). */
  saveTransition(flightId: string, transition: Transition, state: FlightState): MaybePromise<void>;
  saveAlert(flightId: string, alert: Alert): MaybePromise<void>;
  /** The delivery record whenever it changes (release seen, delivered). */
  saveDelivery(flightId: string, delivery: DeliveryRecord): MaybePromise<void>;
  /** The latest state (throttled by the tracker to about once a second per flight, plus every transition). */
  saveState(flightId: string, state: FlightState): MaybePromise<void>;
  /** Flights whose state is not terminal (completed / aborted / failed): what a restart re-attaches to. */
  loadUnfinishedFlights(): MaybePromise<FlightRecord[]>;
}

/** In-memory FlightStore for tests and `medidrop fly`. Keeps everything; JSON-copies what it stores. */
export class MemoryFlightStore implements FlightStore {
  readonly flights = new Map<string, FlightRecord>();
  readonly transitions = new Map<string, Transition[]>();
  readonly alerts = new Map<string, Alert[]>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  readonly tracks = new Map<string, TrackPoint[]>();
  /** Number of appendTrack calls (batches). */
  batches = 0;

  createFlight(rec: FlightRecord): void {
    this.flights.set(rec.id, copy(rec));
  }

  saveTransition(flightId: string, transition: Transition, state: FlightState): void {
    const rec = this.need(flightId);
    list(this.transitions, flightId).push(copy(transition));
    rec.state = copy(state);
    rec.updatedAt = transition.t;
  }

  saveAlert(flightId: string, alert: Alert): void {
    this.need(flightId);
    list(this.alerts, flightId).push(copy(alert));
  }

  saveDelivery(flightId: string, delivery: DeliveryRecord): void {
    this.need(flightId);
    this.deliveries.set(flightId, copy(delivery));
  }

  saveState(flightId: string, state: FlightState): void {
    const rec = this.need(flightId);
    rec.state = copy(state);
    rec.updatedAt = Date.now();
  }

  appendTrack(points: readonly TrackPoint[]): void {
    this.batches++;
    for (const p of points) list(this.tracks, p.flightId).push({ ...p });
  }

  loadUnfinishedFlights(): FlightRecord[] {
    return [...this.flights.values()].filter((f) => !isTerminal(f.state.status)).map(copy);
  }

  private need(id: string): FlightRecord {
    const rec = this.flights.get(id);
    if (!rec) throw new Error(`flight store: no flight ${id}`);
    return rec;
  }
}

/** A TrackSink that only keeps points in memory (for `fly` without a store, and tests). */
export class MemoryTrackSink implements TrackSink {
  readonly points: TrackPoint[] = [];
  batches = 0;
  appendTrack(points: readonly TrackPoint[]): void {
    this.batches++;
    this.points.push(...points);
  }
}

function list<T>(m: Map<string, T[]>, k: string): T[] {
  let l = m.get(k);
  if (!l) {
    l = [];
    m.set(k, l);
  }
  return l;
}

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
