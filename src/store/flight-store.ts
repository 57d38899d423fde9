/**
 * The fleet layer's FlightStore / TrackSink (src/fleet/store.ts) on SQLite. Each call is one
 * transaction; a transition also moves the drop request along (in flight → delivered, or failed
 * when the flight ends without a drop), so the officer's status and the flight never disagree.
 * Flight ids are the service's integer ids as strings. With a `fence` (drone leases, several
 * instances), every write first checks, inside its transaction, that this instance still holds the
 * drone's lease with its token; a write of an instance that lost it is refused (LeaseLostError).
 */
import type { Alert } from '../fleet/alerts.js';
import type { DeliveryRecord } from '../fleet/delivery.js';
import type { FlightState, Transition } from '../fleet/flight-state.js';
import type { FlightRecord, FlightStore, TrackPoint } from '../fleet/store.js';
import type { FlightStatus } from '../domain/words.js';
import { distanceM } from '../geo/spherical.js';
import type { MissionRecord, StoredTrackPoint } from './records.js';
import type { Repositories } from './repositories.js';

export interface FlightStoreEvents {
  transition?(flightId: number, requestId: number, t: Transition, state: FlightState): void;
  alert?(flightId: number, requestId: number, a: Alert): void;
  delivery?(flightId: number, requestId: number, d: DeliveryRecord): void;
  state?(flightId: number, requestId: number, state: FlightState): void;
  /** Inside each write's transaction: does this instance still hold the drone's lease? (src/dispatch/drone-leases.ts) */
  fence?(droneId: string): boolean;
}

/** A write about a flight by an instance that no longer holds its drone's lease. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Where the flown mission told the vehicle to release the parcel: the delivery item of its vehicle
 * plan (what was uploaded and flown), else the plan's drop point.
 */
export function flownDropPoint(mission: MissionRecord): { lat: number; lon: number } | null {
  const d = mission.plan?.vehiclePlan?.delivery;
  if (d && Number.isFinite(d.lat) && Number.isFinite(d.lon)) return { lat: d.lat, lon: d.lon };
  const p = mission.plan?.dropPoint?.position;
  return p ? { lat: p[1], lon: p[0] } : null;
}

export class SqliteFlightStore implements FlightStore {
  constructor(
    private readonly repos: Repositories,
    private readonly events: FlightStoreEvents = {},
  ) {}

  private flight(id: string) {
    const f = this.repos.flights.byId(Number(id));
    if (!f) throw new Error(`flight store: no flight ${id}`);
    return f;
  }

  /** Throws LeaseLostError when the fence says this instance no longer holds the drone (call inside the write's transaction). */
  private fenced(f: { id: number; droneId: string }): void {
    if (this.events.fence && !this.events.fence(f.droneId))
      throw new LeaseLostError(`flight ${f.id}: this instance no longer holds drone ${f.droneId}'s lease; write refused`);
  }

  createFlight(rec: FlightRecord): void {
    const f = this.flight(rec.id);
    this.repos.transaction(() => {
      this.fenced(f);
      this.repos.flights.setRunnerState(f.id, rec.state);
    });
  }

  saveTransition(flightId: string, transition: Transition, state: FlightState): void {
    const f = this.flight(flightId);
    this.repos.transaction(() => {
      this.fenced(f);
      const reason = state.status === 'aborted' || state.status === 'failed' ? (state.reason ?? transition.cause) : null;
      this.repos.flights.transition(f.id, transition.to as FlightStatus, transition.cause, iso(transition.t), reason);
      if (state.timestamps.takeoffAt !== null) this.repos.flights.setAirborne(f.id, iso(state.timestamps.takeoffAt));
      this.repos.flights.setPaused(f.id, state.paused !== null);
      this.repos.flights.setRunnerState(f.id, state);
      const req = this.repos.requests.byId(f.requestId);
      if (req && (transition.to === 'aborted' || transition.to === 'failed') && req.status === 'in-flight') {
        this.repos.requests.setStatus(req.id, 'failed', { statusReason: reason ?? `flight ${transition.to}` });
      }
      if (transition.to === 'aborted' && state.abort) {
        this.repos.audit.append({
          actorId: null,
          action: 'flight.aborted',
          subjectType: 'flight',
          subjectId: f.id,
          reason: state.abort.reason ?? transition.cause,
          details: { by: state.abort.by },
        });
      }
    });
    this.events.transition?.(f.id, f.requestId, transition, state);
  }

  saveAlert(flightId: string, alert: Alert): void {
    const f = this.flight(flightId);
    this.repos.transaction(() => {
      this.fenced(f);
      this.repos.flights.addAlert({
        flightId: f.id,
        kind: alert.kind,
        code: alert.code,
        params: alert.data ?? {},
        severity: alert.active ? alert.severity : 'info',
        message: alert.message,
        at: iso(alert.t),
      });
    });
    this.events.alert?.(f.id, f.requestId, alert);
  }

  /**
   * A delivery that counted is recorded where the vehicle released the parcel (its telemetry at the
   * release), against the drop point of the mission this flight flew, never the request row (which
   * holds whatever the officer typed last). The distance is measured here between those two.
   */
  saveDelivery(flightId: string, delivery: DeliveryRecord): void {
    const f = this.flight(flightId);
    const release = delivery.release;
    if (delivery.delivered && release) {
      this.repos.transaction(() => {
        this.fenced(f);
        const mission = this.repos.missions.byId(f.missionId);
        // (the runner's planned point is the same vehicle plan's; it stands in only if the mission lost its plan)
        const drop = (mission ? flownDropPoint(mission) : null) ?? { lat: delivery.planned.lat, lon: delivery.planned.lon };
        // to the centimetre: GLOBAL_POSITION_INT gives lat/lon in degE7 (≈ 1.1 cm), finer is noise
        const distance = Math.round(distanceM([drop.lon, drop.lat], [release.lon, release.lat]) * 100) / 100;
        const fresh = this.repos.flights.recordDelivery({
          flightId: f.id,
          requestId: f.requestId,
          missionId: f.missionId,
          at: iso(delivery.deliveredAt ?? release.t),
          lat: release.lat,
          lon: release.lon,
          dropLat: drop.lat,
          dropLon: drop.lon,
          distanceM: distance,
          cause: release.text,
        });
        const req = this.repos.requests.byId(f.requestId);
        if (fresh && req && (req.status === 'in-flight' || req.status === 'failed')) {
          this.repos.requests.setStatus(req.id, 'delivered', { statusReason: null });
          this.repos.audit.append({
            actorId: null,
            action: 'request.delivered',
            subjectType: 'request',
            subjectId: req.id,
            reason: release.text,
            details: {
              flightId: f.id,
              missionId: f.missionId,
              requestVersion: mission?.requestVersion ?? null,
              release: { lat: release.lat, lon: release.lon },
              dropPoint: drop,
              distanceM: distance,
            },
          });
        }
      });
    }
    this.events.delivery?.(f.id, f.requestId, delivery);
  }

  saveState(flightId: string, state: FlightState): void {
    const f = this.flight(flightId);
    this.repos.transaction(() => {
      this.fenced(f);
      this.repos.flights.setRunnerState(f.id, state);
    });
    this.events.state?.(f.id, f.requestId, state);
  }

  /** One transaction for the whole batch, whatever flights it spans. */
  appendTrack(points: readonly TrackPoint[]): void {
    const byFlight = new Map<number, StoredTrackPoint[]>();
    for (const p of points) {
      const id = Number(p.flightId);
      let list = byFlight.get(id);
      if (!list) {
        list = [];
        byFlight.set(id, list);
      }
      list.push({ t: p.t, lat: p.lat, lon: p.lon, relAltM: p.relAltM, groundSpeedMs: p.groundSpeedMs, headingDeg: p.headingDeg, batteryPct: p.batteryPct });
    }
    this.repos.transaction(() => {
      for (const [id, pts] of byFlight) {
        const f = this.events.fence ? this.repos.flights.byId(id) : null;
        // a flight whose drone this instance no longer holds: its points are the new owner's to write
        if (f && !this.events.fence!(f.droneId)) continue;
        this.repos.track.append(id, pts);
      }
    });
  }

  loadUnfinishedFlights(): FlightRecord[] {
    const out: FlightRecord[] = [];
    for (const f of this.repos.flights.list({ unfinished: true })) {
      const mission = this.repos.missions.byId(f.missionId);
      const state = f.runnerState as FlightState | null;
      if (!mission?.plan.vehiclePlan || !state) continue;
      out.push({
        id: String(f.id),
        sysid: f.sysid,
        connection: f.connectionUrl,
        plan: mission.plan.vehiclePlan,
        deliveryPlan: mission.plan,
        state,
        createdAt: Date.parse(f.createdAt),
        updatedAt: Date.parse(f.createdAt),
      });
    }
    return out;
  }
}
