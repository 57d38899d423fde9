/**
 * The service's flights and what happens to them: the flights row (status, pause, the runner's state
 * for resuming), its transitions with their causes, its alerts, and the delivery once it counted.
 */
import { TERMINAL_STATUSES, type FlightStatus } from '../../domain/words.js';
import { json, num, numOrNull, str, strOrNull, type Row, type StoreConnection } from '../connection.js';
import type { AlertRecord, CompletedDelivery, ServiceFlight, TransitionRecord } from '../records.js';

function flightRow(r: Row): ServiceFlight {
  return {
    id: num(r.id),
    missionId: num(r.mission_id),
    requestId: num(r.request_id),
    droneId: str(r.drone_id),
    sysid: num(r.sysid),
    connectionUrl: str(r.connection_url),
    state: str(r.state) as FlightStatus,
    stateReason: strOrNull(r.state_reason),
    paused: num(r.paused) === 1,
    createdAt: str(r.created_at),
    airborneAt: strOrNull(r.airborne_at),
    endedAt: strOrNull(r.ended_at),
    runnerState: json<unknown>(r.runner_state, null),
  };
}

export class FlightsRepository {
  constructor(private readonly c: StoreConnection) {}

  create(f: { missionId: number; requestId: number; droneId: string; sysid: number; connectionUrl: string; state: FlightStatus }): ServiceFlight {
    const at = this.c.now();
    const info = this.c
      .q('INSERT INTO flights (mission_id, request_id, drone_id, sysid, connection_url, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(f.missionId, f.requestId, f.droneId, f.sysid, f.connectionUrl, f.state, at);
    return { ...f, id: Number(info.lastInsertRowid), stateReason: null, paused: false, createdAt: at, airborneAt: null, endedAt: null, runnerState: null };
  }
  byId(id: number): ServiceFlight | null {
    const r = this.c.q('SELECT * FROM flights WHERE id = ?').get(id) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  forMission(missionId: number): ServiceFlight | null {
    const r = this.c.q('SELECT * FROM flights WHERE mission_id = ?').get(missionId) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  /** The drone's latest finished flight that left the ground (its landing starts a turnaround). */
  lastAirborneEnded(droneId: string): ServiceFlight | null {
    const r = this.c
      .q('SELECT * FROM flights WHERE drone_id = ? AND ended_at IS NOT NULL AND airborne_at IS NOT NULL ORDER BY ended_at DESC, id DESC LIMIT 1')
      .get(droneId) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  forRequest(requestId: number): ServiceFlight | null {
    const r = this.c.q('SELECT * FROM flights WHERE request_id = ? ORDER BY id DESC LIMIT 1').get(requestId) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  list(filter: { unfinished?: boolean } = {}): ServiceFlight[] {
    const rows = this.c
      .q(`SELECT * FROM flights WHERE (@unfinished = 0 OR ended_at IS NULL) ORDER BY id`)
      .all({ unfinished: filter.unfinished ? 1 : 0 }) as Row[];
    return rows.map(flightRow);
  }
  /** Change state and store the transition with its cause, in one transaction. */
  transition(id: number, to: FlightStatus, cause: string, at = this.c.now(), reason?: string | null): TransitionRecord {
    return this.c.transaction(() => {
      const cur = this.byId(id);
      if (!cur) throw new Error(`no flight ${id}`);
      const ended = TERMINAL_STATUSES.includes(to) ? at : null;
      const airborne = cur.airborneAt ?? (to === 'en-route' ? at : null);
      this.c
        .q('UPDATE flights SET state = ?, state_reason = COALESCE(?, state_reason), ended_at = COALESCE(ended_at, ?), airborne_at = ? WHERE id = ?')
        .run(to, reason ?? null, ended, airborne, id);
      const info = this.c
        .q('INSERT INTO flight_transitions (flight_id, from_state, to_state, at, cause) VALUES (?, ?, ?, ?, ?)')
        .run(id, cur.state, to, at, cause);
      return { id: Number(info.lastInsertRowid), flightId: id, from: cur.state, to, at, cause };
    });
  }
  setAirborne(id: number, at: string): void {
    this.c.q('UPDATE flights SET airborne_at = COALESCE(airborne_at, ?) WHERE id = ?').run(at, id);
  }
  setPaused(id: number, paused: boolean): void {
    this.c.q('UPDATE flights SET paused = ? WHERE id = ?').run(paused ? 1 : 0, id);
  }
  setRunnerState(id: number, state: unknown): void {
    this.c.q('UPDATE flights SET runner_state = ? WHERE id = ?').run(JSON.stringify(state ?? null), id);
  }
  /** Re-point an unfinished flight at its drone's current address (the demo fleet may have moved). */
  setConnectionUrl(id: number, url: string): void {
    this.c.q('UPDATE flights SET connection_url = ? WHERE id = ? AND ended_at IS NULL').run(url, id);
  }

  // lost flights and their drones
  /** Flights declared lost whose drone nobody has confirmed recovered yet. */
  lostUnrecovered(): { flightId: number; droneId: string; at: string | null }[] {
    return (this.c.q("SELECT id, drone_id, ended_at FROM flights WHERE state = 'lost' AND recovered_at IS NULL ORDER BY id").all() as Row[]).map((r) => ({
      flightId: num(r.id),
      droneId: str(r.drone_id),
      at: strOrNull(r.ended_at),
    }));
  }
  /** Record the pilot's confirmation that the drone of every lost flight of `droneId` is found. Returns the flight ids. */
  markRecovered(droneId: string, at: string, note: string): number[] {
    return this.c.transaction(() => {
      const ids = this.lostUnrecovered()
        .filter((l) => l.droneId === droneId)
        .map((l) => l.flightId);
      for (const id of ids) this.c.q('UPDATE flights SET recovered_at = ?, recovered_note = ? WHERE id = ?').run(at, note, id);
      return ids;
    });
  }
  transitions(flightId: number): TransitionRecord[] {
    return (this.c.q('SELECT * FROM flight_transitions WHERE flight_id = ? ORDER BY id').all(flightId) as Row[]).map((r) => ({
      id: num(r.id),
      flightId: num(r.flight_id),
      from: strOrNull(r.from_state) as FlightStatus | null,
      to: str(r.to_state) as FlightStatus,
      at: str(r.at),
      cause: str(r.cause),
    }));
  }

  // alerts
  addAlert(a: Omit<AlertRecord, 'id'>): AlertRecord {
    const info = this.c
      .q('INSERT INTO flight_alerts (flight_id, kind, code, params, severity, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.flightId, a.kind, a.code, JSON.stringify(a.params), a.severity, a.message, a.at);
    return { ...a, id: Number(info.lastInsertRowid) };
  }
  alerts(flightId: number): AlertRecord[] {
    return (this.c.q('SELECT * FROM flight_alerts WHERE flight_id = ? ORDER BY id').all(flightId) as Row[]).map((r) => ({
      id: num(r.id),
      flightId: num(r.flight_id),
      kind: str(r.kind),
      code: strOrNull(r.code),
      params: json<AlertRecord['params']>(r.params, {}),
      severity: str(r.severity) as AlertRecord['severity'],
      message: str(r.message),
      at: str(r.at),
    }));
  }

  // the delivery (one per flight; the first one recorded stands)
  /** True when this call recorded it, false when the flight's delivery was already there. */
  recordDelivery(d: Omit<CompletedDelivery, 'confirmedAt'>): boolean {
    return (
      this.c
        .q(
          'INSERT INTO deliveries (flight_id, request_id, mission_id, at, lat, lon, drop_lat, drop_lon, distance_m, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (flight_id) DO NOTHING',
        )
        .run(d.flightId, d.requestId, d.missionId, d.at, d.lat, d.lon, d.dropLat, d.dropLon, d.distanceM, d.cause).changes === 1
    );
  }
  /** The flight's delivery, with the recipient's confirmation time from the hand-over code. */
  delivery(flightId: number): CompletedDelivery | null {
    const r = this.c
      .q('SELECT d.*, h.confirmed_at FROM deliveries d LEFT JOIN handover_codes h ON h.request_id = d.request_id WHERE d.flight_id = ?')
      .get(flightId) as Row | undefined;
    return r
      ? {
          flightId: num(r.flight_id),
          requestId: num(r.request_id),
          missionId: numOrNull(r.mission_id),
          at: str(r.at),
          lat: num(r.lat),
          lon: num(r.lon),
          dropLat: numOrNull(r.drop_lat),
          dropLon: numOrNull(r.drop_lon),
          distanceM: num(r.distance_m),
          cause: str(r.cause),
          confirmedAt: strOrNull(r.confirmed_at),
        }
      : null;
  }
}
