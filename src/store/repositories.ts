/**
 * The one module that writes SQL. Every read and write of the medidrop database goes through the
 * repositories here; callers get typed records, never rows. Writes that belong together run in one
 * transaction; everything acknowledged to a caller has been committed (WAL, synchronous=FULL).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Reason } from '../planning/types.js';
import type { DeliveryPlan } from '../planner/types.js';
import { TERMINAL_STATUSES, URGENCY_ORDER, type FlightStatus, type MissionStatus, type RequestStatus, type Role, type Urgency } from '../domain/words.js';

export type Clock = () => Date;

// ─── records ────────────────────────────────────────────────────────────────────────────────────

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
}

export interface SessionRecord {
  tokenHash: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface ZoneMapRecord {
  version: number;
  name: string;
  geojson: string;
  createdAt: string;
  createdBy: number | null;
}

export interface DroneRecord {
  id: string;
  name: string;
  profileId: string;
  depot: string;
  connectionUrl: string;
  sysid: number;
  enabled: boolean;
  createdAt: string;
}

export interface DropRequestInput {
  officerId: number;
  recipient: string;
  phone: string;
  dropPointName: string | null;
  lat: number;
  lon: number;
  medicine: string;
  weightKg: number;
  urgency: Urgency;
  notes: string;
}

export interface DropRequestRecord extends DropRequestInput {
  id: number;
  status: RequestStatus;
  statusReason: string | null;
  reasons: Reason[];
  missionId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Candidate {
  depot: string;
  droneId: string;
  feasible: boolean;
  marginPct: number;
  reasons: Reason[];
}

export interface PlanningConditions {
  payloadKg: number;
  windSpeedMs: number;
  windFromDeg: number;
  temperatureC: number;
  siteAltitudeM: number;
}

export interface MissionInput {
  requestId: number;
  status: MissionStatus;
  zoneMapVersion: number | null;
  droneId: string;
  plan: DeliveryPlan;
  candidates: Candidate[];
  conditions: PlanningConditions;
}

export interface MissionRecord extends MissionInput {
  id: number;
  depot: string;
  createdAt: string;
}

export interface ApprovalRecord {
  missionId: number;
  decision: 'approved' | 'rejected';
  userId: number;
  checklist: string[];
  reason: string | null;
  at: string;
}

export interface FlightRecord {
  id: number;
  missionId: number;
  requestId: number;
  droneId: string;
  sysid: number;
  connectionUrl: string;
  state: FlightStatus;
  stateReason: string | null;
  paused: boolean;
  createdAt: string;
  airborneAt: string | null;
  endedAt: string | null;
  /** Whatever the flight runner needs to resume after a restart (JSON). */
  runnerState: unknown;
}

export interface TransitionRecord {
  id: number;
  flightId: number;
  from: FlightStatus | null;
  to: FlightStatus;
  at: string;
  cause: string;
}

export interface AlertRecord {
  id: number;
  flightId: number;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  at: string;
}

export interface TrackPoint {
  /** ms since epoch */
  t: number;
  lat: number;
  lon: number;
  relAltM: number;
  groundSpeedMs: number;
  headingDeg: number;
  batteryPct: number | null;
}

export interface DeliveryRecord {
  flightId: number;
  requestId: number;
  at: string;
  lat: number;
  lon: number;
  distanceM: number;
  cause: string;
  confirmedAt: string | null;
}

export interface AuditInput {
  actorId: number | null;
  action: string;
  subjectType?: string | null;
  subjectId?: string | number | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  at: string;
  actorId: number | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}


// ─── row mappers ────────────────────────────────────────────────────────────────────────────────

type Row = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);

function userRow(r: Row): UserRecord {
  return { id: num(r.id), username: str(r.username), name: str(r.name), role: str(r.role) as Role, passwordHash: str(r.password_hash), createdAt: str(r.created_at) };
}
function droneRow(r: Row): DroneRecord {
  return {
    id: str(r.id), name: str(r.name), profileId: str(r.profile_id), depot: str(r.depot), connectionUrl: str(r.connection_url),
    sysid: num(r.sysid), enabled: num(r.enabled) === 1, createdAt: str(r.created_at),
  };
}
function requestRow(r: Row): DropRequestRecord {
  return {
    id: num(r.id), officerId: num(r.officer_id), recipient: str(r.recipient), phone: str(r.phone), dropPointName: strOrNull(r.drop_point_name),
    lat: num(r.lat), lon: num(r.lon), medicine: str(r.medicine), weightKg: num(r.weight_kg), urgency: str(r.urgency) as Urgency,
    notes: str(r.notes), status: str(r.status) as RequestStatus, statusReason: strOrNull(r.status_reason), reasons: json<Reason[]>(r.reasons, []),
    missionId: numOrNull(r.mission_id), createdAt: str(r.created_at), updatedAt: str(r.updated_at),
  };
}
function missionRow(r: Row): MissionRecord {
  return {
    id: num(r.id), requestId: num(r.request_id), status: str(r.status) as MissionStatus, zoneMapVersion: numOrNull(r.zone_map_version),
    depot: str(r.depot), droneId: str(r.drone_id), plan: json<DeliveryPlan>(r.plan_json, null as unknown as DeliveryPlan),
    candidates: json<Candidate[]>(r.candidates_json, []), conditions: json<PlanningConditions>(r.conditions_json, null as unknown as PlanningConditions),
    createdAt: str(r.created_at),
  };
}
function flightRow(r: Row): FlightRecord {
  return {
    id: num(r.id), missionId: num(r.mission_id), requestId: num(r.request_id), droneId: str(r.drone_id), sysid: num(r.sysid),
    connectionUrl: str(r.connection_url), state: str(r.state) as FlightStatus, stateReason: strOrNull(r.state_reason), paused: num(r.paused) === 1,
    createdAt: str(r.created_at), airborneAt: strOrNull(r.airborne_at), endedAt: strOrNull(r.ended_at), runnerState: json<unknown>(r.runner_state, null),
  };
}

// ─── the store ──────────────────────────────────────────────────────────────────────────────────

export class Repositories {
  private readonly stmts = new Map<string, Statement>();

  constructor(readonly db: Database, private readonly clock: Clock = () => new Date()) {}

  now(): string {
    return this.clock().toISOString();
  }

  /** Run `fn` in one transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private q(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // settings
  getSetting(key: string): string | null {
    const r = this.q('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined;
    return r ? str(r.value) : null;
  }
  setSetting(key: string, value: string): void {
    this.q('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // users
  createUser(u: { username: string; name: string; role: Role; passwordHash: string }): UserRecord {
    const at = this.now();
    const info = this.q('INSERT INTO users (username, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(u.username, u.name, u.role, u.passwordHash, at);
    return { id: Number(info.lastInsertRowid), ...u, createdAt: at };
  }
  userById(id: number): UserRecord | null {
    const r = this.q('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r ? userRow(r) : null;
  }
  userByName(username: string): UserRecord | null {
    const r = this.q('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return r ? userRow(r) : null;
  }
  listUsers(): UserRecord[] {
    return (this.q('SELECT * FROM users ORDER BY id').all() as Row[]).map(userRow);
  }

  // sessions
  createSession(s: SessionRecord): void {
    this.q('INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(s.tokenHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt);
  }
  sessionByTokenHash(tokenHash: string): SessionRecord | null {
    const r = this.q('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return r ? { tokenHash: str(r.token_hash), userId: num(r.user_id), csrfToken: str(r.csrf_token), createdAt: str(r.created_at), expiresAt: str(r.expires_at) } : null;
  }
  deleteSession(tokenHash: string): void {
    this.q('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }
  deleteExpiredSessions(): number {
    return this.q('DELETE FROM sessions WHERE expires_at < ?').run(this.now()).changes;
  }

  // zone maps
  addZoneMap(m: { name: string; geojson: string; createdBy: number | null }): ZoneMapRecord {
    const at = this.now();
    const info = this.q('INSERT INTO zone_maps (name, geojson, created_at, created_by) VALUES (?, ?, ?, ?)').run(m.name, m.geojson, at, m.createdBy);
    return { version: Number(info.lastInsertRowid), ...m, createdAt: at };
  }
  zoneMapByVersion(version: number): ZoneMapRecord | null {
    const r = this.q('SELECT * FROM zone_maps WHERE version = ?').get(version) as Row | undefined;
    return r ? { version: num(r.version), name: str(r.name), geojson: str(r.geojson), createdAt: str(r.created_at), createdBy: numOrNull(r.created_by) } : null;
  }
  latestZoneMap(): ZoneMapRecord | null {
    const r = this.q('SELECT * FROM zone_maps ORDER BY version DESC LIMIT 1').get() as Row | undefined;
    return r ? { version: num(r.version), name: str(r.name), geojson: str(r.geojson), createdAt: str(r.created_at), createdBy: numOrNull(r.created_by) } : null;
  }

  // drones
  createDrone(d: Omit<DroneRecord, 'createdAt'>): DroneRecord {
    const at = this.now();
    this.q('INSERT INTO drones (id, name, profile_id, depot, connection_url, sysid, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      d.id, d.name, d.profileId, d.depot, d.connectionUrl, d.sysid, d.enabled ? 1 : 0, at,
    );
    return { ...d, createdAt: at };
  }
  updateDrone(id: string, patch: Partial<Omit<DroneRecord, 'id' | 'createdAt'>>): DroneRecord | null {
    const cur = this.droneById(id);
    if (!cur) return null;
    const d = { ...cur, ...patch };
    this.q('UPDATE drones SET name = ?, profile_id = ?, depot = ?, connection_url = ?, sysid = ?, enabled = ? WHERE id = ?').run(
      d.name, d.profileId, d.depot, d.connectionUrl, d.sysid, d.enabled ? 1 : 0, id,
    );
    return d;
  }
  droneById(id: string): DroneRecord | null {
    const r = this.q('SELECT * FROM drones WHERE id = ?').get(id) as Row | undefined;
    return r ? droneRow(r) : null;
  }
  listDrones(): DroneRecord[] {
    return (this.q('SELECT * FROM drones ORDER BY id').all() as Row[]).map(droneRow);
  }

  // drop requests
  createRequest(input: DropRequestInput, status: RequestStatus): DropRequestRecord {
    const at = this.now();
    const info = this.q(
      `INSERT INTO drop_requests (officer_id, recipient, phone, drop_point_name, lat, lon, medicine, weight_kg, urgency, urgency_rank, notes, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(input.officerId, input.recipient, input.phone, input.dropPointName, input.lat, input.lon, input.medicine, input.weightKg, input.urgency, URGENCY_ORDER[input.urgency], input.notes, status, at, at);
    return { ...input, id: Number(info.lastInsertRowid), status, statusReason: null, reasons: [], missionId: null, createdAt: at, updatedAt: at };
  }
  updateRequestFields(id: number, input: Omit<DropRequestInput, 'officerId'>): void {
    this.q(
      `UPDATE drop_requests SET recipient = ?, phone = ?, drop_point_name = ?, lat = ?, lon = ?, medicine = ?, weight_kg = ?, urgency = ?, urgency_rank = ?, notes = ?, updated_at = ? WHERE id = ?`,
    ).run(input.recipient, input.phone, input.dropPointName, input.lat, input.lon, input.medicine, input.weightKg, input.urgency, URGENCY_ORDER[input.urgency], input.notes, this.now(), id);
  }
  setRequestStatus(id: number, status: RequestStatus, extra: { statusReason?: string | null; reasons?: Reason[]; missionId?: number | null } = {}): void {
    const cur = this.requestById(id);
    if (!cur) throw new Error(`no drop request ${id}`);
    this.q('UPDATE drop_requests SET status = ?, status_reason = ?, reasons = ?, mission_id = ?, updated_at = ? WHERE id = ?').run(
      status,
      extra.statusReason !== undefined ? extra.statusReason : cur.statusReason,
      JSON.stringify(extra.reasons ?? cur.reasons),
      extra.missionId !== undefined ? extra.missionId : cur.missionId,
      this.now(),
      id,
    );
  }
  requestById(id: number): DropRequestRecord | null {
    const r = this.q('SELECT * FROM drop_requests WHERE id = ?').get(id) as Row | undefined;
    return r ? requestRow(r) : null;
  }
  listRequests(filter: { officerId?: number; status?: RequestStatus } = {}): DropRequestRecord[] {
    const rows = this.q(
      `SELECT * FROM drop_requests WHERE (@officerId IS NULL OR officer_id = @officerId) AND (@status IS NULL OR status = @status) ORDER BY created_at DESC, id DESC`,
    ).all({ officerId: filter.officerId ?? null, status: filter.status ?? null }) as Row[];
    return rows.map(requestRow);
  }
  /** Requests a zone-map or fleet change must plan again: not yet approved, not closed. */
  requestsToReplan(): DropRequestRecord[] {
    return (this.q(`SELECT * FROM drop_requests WHERE status IN ('awaiting-approval', 'unservable') ORDER BY urgency_rank, created_at, id`).all() as Row[]).map(requestRow);
  }

  // idempotency
  idempotentRequest(officerId: number, key: string): { bodyHash: string; requestId: number } | null {
    const r = this.q('SELECT body_hash, request_id FROM idempotency_keys WHERE officer_id = ? AND key = ?').get(officerId, key) as Row | undefined;
    return r ? { bodyHash: str(r.body_hash), requestId: num(r.request_id) } : null;
  }
  rememberIdempotencyKey(officerId: number, key: string, bodyHash: string, requestId: number): void {
    this.q('INSERT INTO idempotency_keys (officer_id, key, body_hash, request_id, created_at) VALUES (?, ?, ?, ?, ?)').run(officerId, key, bodyHash, requestId, this.now());
  }

  // hand-over codes
  setHandoverCodeHash(requestId: number, codeHash: string): void {
    this.q('INSERT INTO handover_codes (request_id, code_hash) VALUES (?, ?) ON CONFLICT(request_id) DO UPDATE SET code_hash = excluded.code_hash').run(requestId, codeHash);
  }
  handoverCode(requestId: number): { codeHash: string; confirmedAt: string | null } | null {
    const r = this.q('SELECT code_hash, confirmed_at FROM handover_codes WHERE request_id = ?').get(requestId) as Row | undefined;
    return r ? { codeHash: str(r.code_hash), confirmedAt: strOrNull(r.confirmed_at) } : null;
  }
  requestIdsWithoutHandoverCode(): number[] {
    return (this.q('SELECT r.id FROM drop_requests r LEFT JOIN handover_codes h ON h.request_id = r.id WHERE h.request_id IS NULL ORDER BY r.id').all() as Row[]).map((r) => num(r.id));
  }
  confirmHandover(requestId: number, at: string): void {
    this.q('UPDATE handover_codes SET confirmed_at = ? WHERE request_id = ? AND confirmed_at IS NULL').run(at, requestId);
  }

  // missions
  createMission(m: MissionInput): MissionRecord {
    const at = this.now();
    const p = m.plan;
    const info = this.q(
      `INSERT INTO missions (request_id, status, zone_map_version, depot, drone_id, feasible, distance_m, duration_s, energy_wh, margin_pct, cruise_altitude_m, failed_checks, plan_json, candidates_json, conditions_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.requestId, m.status, m.zoneMapVersion, p.depot.name, m.droneId, p.feasible ? 1 : 0, finite(p.distanceM), finite(p.durationS), finite(p.energyWh),
      finite(p.marginPct), finite(p.cruiseAltitudeM), p.checks.filter((c) => !c.ok).length, JSON.stringify(p), JSON.stringify(m.candidates),
      JSON.stringify(m.conditions), at,
    );
    return { ...m, id: Number(info.lastInsertRowid), depot: p.depot.name, createdAt: at };
  }
  setMissionStatus(id: number, status: MissionStatus): void {
    this.q('UPDATE missions SET status = ? WHERE id = ?').run(status, id);
  }
  missionById(id: number): MissionRecord | null {
    const r = this.q('SELECT * FROM missions WHERE id = ?').get(id) as Row | undefined;
    return r ? missionRow(r) : null;
  }
  /** Missions with a status, ordered by the request's urgency, then the request's age. */
  listMissions(status?: MissionStatus): MissionRecord[] {
    const rows = this.q(
      `SELECT m.* FROM missions m JOIN drop_requests r ON r.id = m.request_id
       WHERE (@status IS NULL OR m.status = @status) ORDER BY r.urgency_rank, r.created_at, r.id, m.id`,
    ).all({ status: status ?? null }) as Row[];
    return rows.map(missionRow);
  }

  // approvals
  recordApproval(a: ApprovalRecord): void {
    this.q('INSERT INTO approvals (mission_id, decision, user_id, checklist, reason, at) VALUES (?, ?, ?, ?, ?, ?)').run(
      a.missionId, a.decision, a.userId, JSON.stringify(a.checklist), a.reason, a.at,
    );
  }
  approvalFor(missionId: number): ApprovalRecord | null {
    const r = this.q('SELECT * FROM approvals WHERE mission_id = ?').get(missionId) as Row | undefined;
    return r
      ? { missionId: num(r.mission_id), decision: str(r.decision) as 'approved' | 'rejected', userId: num(r.user_id), checklist: json<string[]>(r.checklist, []), reason: strOrNull(r.reason), at: str(r.at) }
      : null;
  }

  // flights
  createFlight(f: { missionId: number; requestId: number; droneId: string; sysid: number; connectionUrl: string; state: FlightStatus }): FlightRecord {
    const at = this.now();
    const info = this.q('INSERT INTO flights (mission_id, request_id, drone_id, sysid, connection_url, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      f.missionId, f.requestId, f.droneId, f.sysid, f.connectionUrl, f.state, at,
    );
    return { ...f, id: Number(info.lastInsertRowid), stateReason: null, paused: false, createdAt: at, airborneAt: null, endedAt: null, runnerState: null };
  }
  flightById(id: number): FlightRecord | null {
    const r = this.q('SELECT * FROM flights WHERE id = ?').get(id) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  flightForMission(missionId: number): FlightRecord | null {
    const r = this.q('SELECT * FROM flights WHERE mission_id = ?').get(missionId) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  flightForRequest(requestId: number): FlightRecord | null {
    const r = this.q('SELECT * FROM flights WHERE request_id = ? ORDER BY id DESC LIMIT 1').get(requestId) as Row | undefined;
    return r ? flightRow(r) : null;
  }
  listFlights(filter: { unfinished?: boolean } = {}): FlightRecord[] {
    const rows = this.q(`SELECT * FROM flights WHERE (@unfinished = 0 OR ended_at IS NULL) ORDER BY id`).all({ unfinished: filter.unfinished ? 1 : 0 }) as Row[];
    return rows.map(flightRow);
  }
  /** Change state and store the transition with its cause, in one transaction. */
  transitionFlight(id: number, to: FlightStatus, cause: string, at = this.now(), reason?: string | null): TransitionRecord {
    return this.tx(() => {
      const cur = this.flightById(id);
      if (!cur) throw new Error(`no flight ${id}`);
      const ended = TERMINAL_STATUSES.includes(to) ? at : null;
      const airborne = cur.airborneAt ?? (to === 'en-route' ? at : null);
      this.q('UPDATE flights SET state = ?, state_reason = COALESCE(?, state_reason), ended_at = COALESCE(ended_at, ?), airborne_at = ? WHERE id = ?').run(
        to, reason ?? null, ended, airborne, id,
      );
      const info = this.q('INSERT INTO flight_transitions (flight_id, from_state, to_state, at, cause) VALUES (?, ?, ?, ?, ?)').run(id, cur.state, to, at, cause);
      return { id: Number(info.lastInsertRowid), flightId: id, from: cur.state, to, at, cause };
    });
  }
  setFlightAirborne(id: number, at: string): void {
    this.q('UPDATE flights SET airborne_at = COALESCE(airborne_at, ?) WHERE id = ?').run(at, id);
  }
  setFlightPaused(id: number, paused: boolean): void {
    this.q('UPDATE flights SET paused = ? WHERE id = ?').run(paused ? 1 : 0, id);
  }
  setFlightRunnerState(id: number, state: unknown): void {
    this.q('UPDATE flights SET runner_state = ? WHERE id = ?').run(JSON.stringify(state ?? null), id);
  }
  transitions(flightId: number): TransitionRecord[] {
    return (this.q('SELECT * FROM flight_transitions WHERE flight_id = ? ORDER BY id').all(flightId) as Row[]).map((r) => ({
      id: num(r.id), flightId: num(r.flight_id), from: strOrNull(r.from_state) as FlightStatus | null, to: str(r.to_state) as FlightStatus, at: str(r.at), cause: str(r.cause),
    }));
  }
  addAlert(a: Omit<AlertRecord, 'id'>): AlertRecord {
    const info = this.q('INSERT INTO flight_alerts (flight_id, kind, severity, message, at) VALUES (?, ?, ?, ?, ?)').run(a.flightId, a.kind, a.severity, a.message, a.at);
    return { ...a, id: Number(info.lastInsertRowid) };
  }
  alerts(flightId: number): AlertRecord[] {
    return (this.q('SELECT * FROM flight_alerts WHERE flight_id = ? ORDER BY id').all(flightId) as Row[]).map((r) => ({
      id: num(r.id), flightId: num(r.flight_id), kind: str(r.kind), severity: str(r.severity) as AlertRecord['severity'], message: str(r.message), at: str(r.at),
    }));
  }

  // telemetry track
  /** One transaction per batch; a repeated timestamp replaces the earlier point. */
  appendTrack(flightId: number, points: readonly TrackPoint[]): void {
    if (points.length === 0) return;
    const ins = this.q(
      'INSERT OR REPLACE INTO track_points (flight_id, t, lat, lon, rel_alt_m, ground_speed_ms, heading_deg, battery_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.tx(() => {
      for (const p of points) ins.run(flightId, Math.round(p.t), p.lat, p.lon, p.relAltM, p.groundSpeedMs, p.headingDeg, p.batteryPct);
    });
  }
  track(flightId: number): TrackPoint[] {
    return (this.q('SELECT * FROM track_points WHERE flight_id = ? ORDER BY t').all(flightId) as Row[]).map((r) => ({
      t: num(r.t), lat: num(r.lat), lon: num(r.lon), relAltM: num(r.rel_alt_m), groundSpeedMs: num(r.ground_speed_ms), headingDeg: num(r.heading_deg), batteryPct: numOrNull(r.battery_pct),
    }));
  }

  // deliveries
  recordDelivery(d: Omit<DeliveryRecord, 'confirmedAt'>): boolean {
    return this.q('INSERT OR IGNORE INTO deliveries (flight_id, request_id, at, lat, lon, distance_m, cause) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      d.flightId, d.requestId, d.at, d.lat, d.lon, d.distanceM, d.cause,
    ).changes === 1;
  }
  deliveryForFlight(flightId: number): DeliveryRecord | null {
    const r = this.q(
      'SELECT d.*, h.confirmed_at FROM deliveries d LEFT JOIN handover_codes h ON h.request_id = d.request_id WHERE d.flight_id = ?',
    ).get(flightId) as Row | undefined;
    return r
      ? { flightId: num(r.flight_id), requestId: num(r.request_id), at: str(r.at), lat: num(r.lat), lon: num(r.lon), distanceM: num(r.distance_m), cause: str(r.cause), confirmedAt: strOrNull(r.confirmed_at) }
      : null;
  }

  // audit
  audit(a: AuditInput): AuditRecord {
    const at = this.now();
    const details = a.details ?? {};
    const subjectId = a.subjectId === undefined || a.subjectId === null ? null : String(a.subjectId);
    const info = this.q('INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      at, a.actorId, a.action, a.subjectType ?? null, subjectId, a.reason ?? null, JSON.stringify(details),
    );
    return { id: Number(info.lastInsertRowid), at, actorId: a.actorId, action: a.action, subjectType: a.subjectType ?? null, subjectId, reason: a.reason ?? null, details };
  }
  listAudit(opts: { limit: number; before?: number }): AuditRecord[] {
    const rows = this.q('SELECT * FROM audit_log WHERE (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit').all({ before: opts.before ?? null, limit: opts.limit }) as Row[];
    return rows.map((r) => ({
      id: num(r.id), at: str(r.at), actorId: numOrNull(r.actor_id), action: str(r.action), subjectType: strOrNull(r.subject_type), subjectId: strOrNull(r.subject_id),
      reason: strOrNull(r.reason), details: json<Record<string, unknown>>(r.details, {}),
    }));
  }
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
