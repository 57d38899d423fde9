/**
 * The fleet as the service sees it: for every drone its state (src/fleet/fleet-status.ts), when it
 * becomes available, and its live battery, link and position from the link watchers the flight
 * starter keeps (fleet-starter.ts). Publishes a 'drone' event on the bus whenever what a drone shows
 * changes, re-checks every few seconds (turnarounds end and links fall silent without any message),
 * and tells its listeners when a drone's state changes (the dispatcher re-plans on that).
 */
import { droneStatus, type DroneStatus, type VehicleReport } from '../fleet/fleet-status.js';
import type { DroneState } from '../domain/words.js';
import type { Repositories } from '../store/repositories.js';
import type { DroneRecord, ServiceFlight } from '../store/records.js';
import type { EventBus } from './events.js';
import type { FlightState as LiveFlightState } from '../fleet/flight-state.js';
import { createLogger } from '../log.js';

const log = createLogger('fleet-view');

export interface FleetDrone {
  drone: DroneRecord;
  state: DroneState;
  /** ms; null when it cannot say (offline, maintenance). */
  availableAt: number | null;
  linkUp: boolean | null;
  lastHeardAt: number | null;
  battery: VehicleReport['battery'];
  position: VehicleReport['position'];
  /** The unfinished flight of the drone, if any. */
  flightId: number | null;
}

export interface FleetViewOptions {
  /** Silence (or never heard since watching began) after which a drone is offline, ms (default 15000). */
  offlineAfterMs?: number;
  /** Silence after which its link shows as down, ms (default 3000, the MAVLink link timeout). */
  linkTimeoutMs?: number;
  /** How often states are re-checked without an event, ms (default 2000). */
  tickMs?: number;
  now?: () => number;
}

/** Where live flight states come from (the flight manager). */
export interface LiveFlights {
  liveState(f: ServiceFlight): LiveFlightState | null;
}

/** Where vehicle reports come from (the flight starter's link watchers, fleet-starter.ts). */
export interface VehicleReports {
  watch?(connectionUrl: string, sysid: number, onChange: (r: VehicleReport) => void): void;
  vehicleReport?(connectionUrl: string, sysid: number): VehicleReport | undefined;
}

/** A rise of the reported battery this large means a fresh pack (a live pack only drains). */
const BATTERY_RISE_PCT = 20;

type StateListener = (droneId: string, from: DroneState | null, to: DroneState) => void;

export class FleetView {
  private readonly last = new Map<string, string>();
  private readonly lastState = new Map<string, DroneState>();
  private readonly listeners = new Set<StateListener>();
  private readonly riseListeners = new Set<(droneId: string) => void>();
  private readonly lastBattery = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly repos: Repositories,
    private readonly bus: EventBus,
    private readonly flights: LiveFlights,
    private readonly starter: VehicleReports | null,
    private readonly opts: FleetViewOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.off = bus.subscribe((e) => {
      if (e.type === 'flight') {
        const f = repos.flights.byId(e.flightId);
        if (f) this.check(f.droneId);
      }
    });
    this.timer = setInterval(() => this.checkAll(), opts.tickMs ?? 2000);
    this.timer.unref();
  }

  /** Listen to drone state changes (from null: first seen). */
  onStateChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Listen to a drone's reported battery rising by 20 points or more (a swapped or charged pack):
   * plans that found it too low may work now.
   */
  onBatteryRise(l: (droneId: string) => void): () => void {
    this.riseListeners.add(l);
    return () => this.riseListeners.delete(l);
  }

  /** Whether the service hears the vehicles at all (false: flights are off, battery and link unknown). */
  get watching(): boolean {
    return typeof this.starter?.watch === 'function';
  }

  /** Start following every enabled drone's link (idempotent; also done on every read). */
  watchAll(): void {
    for (const d of this.repos.drones.list()) if (d.enabled) this.watch(d);
  }

  private watch(d: DroneRecord): void {
    this.starter?.watch?.(d.connectionUrl, d.sysid, () => this.check(d.id));
  }

  list(): FleetDrone[] {
    return this.repos.drones.list().map((d) => this.of(d));
  }

  get(droneId: string): FleetDrone | null {
    const d = this.repos.drones.byId(droneId);
    return d ? this.of(d) : null;
  }

  private of(d: DroneRecord): FleetDrone {
    if (d.enabled) this.watch(d);
    const now = this.now();
    const report = d.enabled ? (this.starter?.vehicleReport?.(d.connectionUrl, d.sysid) ?? null) : null;
    const flight = this.repos.flights.list({ unfinished: true }).find((f) => f.droneId === d.id) ?? null;
    const last = flight ? null : this.repos.flights.lastAirborneEnded(d.id);
    const s: DroneStatus = droneStatus({
      enabled: d.enabled,
      turnaroundS: d.turnaroundS,
      flight: flight ? { status: flight.state, expectedLandingAt: this.expectedLanding(flight, now) } : null,
      // a flight declared lost never landed as far as anyone knows: no turnaround from it (the pilot's
      // recovery confirmation makes the drone usable; its link and battery say the rest)
      lastLandedAt: last?.endedAt && last.state !== 'lost' ? Date.parse(last.endedAt) : null,
      report,
      offlineAfterMs: this.opts.offlineAfterMs ?? 15_000,
      linkTimeoutMs: this.opts.linkTimeoutMs ?? 3000,
      now,
    });
    return {
      drone: d,
      state: s.state,
      availableAt: s.availableAt,
      linkUp: s.linkUp,
      lastHeardAt: report?.lastHeardAt ?? null,
      battery: report?.battery ?? null,
      position: report?.position ?? null,
      flightId: flight?.id ?? null,
    };
  }

  /**
   * When an unfinished flight is expected on the ground: from the tracker's remaining route time
   * when it is followed live, else from the plan (take-off + planned duration; not yet airborne:
   * now + planned duration).
   */
  private expectedLanding(f: ServiceFlight, now: number): number {
    if (f.state === 'landed') return now;
    const live = this.flights.liveState(f);
    const plannedS = this.repos.missions.brief(f.missionId)?.durationS ?? 0;
    if (live && f.airborneAt && live.progress.etaHomeS !== null && live.vehicle.lastHeardT !== null)
      return live.vehicle.lastHeardT + live.progress.etaHomeS * 1000;
    if (f.airborneAt) return Math.max(now, Date.parse(f.airborneAt) + plannedS * 1000);
    return now + plannedS * 1000;
  }

  /** Re-derive one drone; publish when what it shows changed, tell listeners when its state did. */
  check(droneId: string): void {
    if (this.closed) return;
    const d = this.repos.drones.byId(droneId);
    if (!d) return;
    const f = this.of(d);
    const key = JSON.stringify([
      f.state,
      f.linkUp,
      f.battery?.remainingPct ?? null,
      f.position?.t ?? null,
      f.flightId,
      f.availableAt !== null ? Math.round(f.availableAt / 60_000) : null,
    ]);
    if (this.last.get(droneId) === key) return;
    this.last.set(droneId, key);
    const before = this.lastState.get(droneId) ?? null;
    this.lastState.set(droneId, f.state);
    this.bus.publish({ type: 'drone', droneId });
    const pct = f.battery?.remainingPct;
    if (pct !== null && pct !== undefined) {
      const prev = this.lastBattery.get(droneId);
      if (prev === undefined || pct < prev || pct - prev >= BATTERY_RISE_PCT) this.lastBattery.set(droneId, pct);
      if (prev !== undefined && pct - prev >= BATTERY_RISE_PCT) for (const l of this.riseListeners) l(droneId);
    }
    if (before !== f.state) {
      log.info({ drone: droneId, from: before, to: f.state }, 'drone state');
      for (const l of this.listeners) {
        try {
          l(droneId, before, f.state);
        } catch (err) {
          log.warn({ err, drone: droneId }, 'drone state listener failed');
        }
      }
    }
  }

  checkAll(): void {
    for (const d of this.repos.drones.list()) this.check(d.id);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.off();
  }
}
