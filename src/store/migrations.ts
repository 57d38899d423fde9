/**
 * Schema migrations, versioned and applied in order, each in its own transaction together with the
 * bump of `schema_migrations`. A database newer than this code is refused rather than guessed at.
 * MIGRATIONS is SQLite's list; PostgreSQL's is the parallel list in src/store/pg-migrations.ts, with
 * the same versions and the same schema meaning (a test fails when one has no counterpart).
 */
import type { Database } from 'better-sqlite3';
import { asEngine, type SqlEngine } from './engine.js';
import type { Migration } from './migration.js';
import { PG_MIGRATIONS } from './pg-migrations.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('officer', 'pilot', 'admin')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE zone_maps (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  geojson TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by INTEGER REFERENCES users(id)
);

CREATE TABLE drones (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  depot TEXT NOT NULL,
  connection_url TEXT NOT NULL,
  sysid INTEGER NOT NULL CHECK (sysid BETWEEN 1 AND 255),
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE drop_requests (
  id INTEGER PRIMARY KEY,
  officer_id INTEGER NOT NULL REFERENCES users(id),
  recipient TEXT NOT NULL,
  phone TEXT NOT NULL,
  drop_point_name TEXT,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  medicine TEXT NOT NULL,
  weight_kg REAL NOT NULL,
  urgency TEXT NOT NULL CHECK (urgency IN ('critical', 'urgent', 'routine')),
  urgency_rank INTEGER NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  status_reason TEXT,
  reasons TEXT NOT NULL DEFAULT '[]',
  mission_id INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX drop_requests_officer ON drop_requests(officer_id);
CREATE INDEX drop_requests_queue ON drop_requests(status, urgency_rank, created_at);

CREATE TABLE idempotency_keys (
  officer_id INTEGER NOT NULL REFERENCES users(id),
  key TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  request_id INTEGER NOT NULL REFERENCES drop_requests(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (officer_id, key)
);

CREATE TABLE handover_codes (
  request_id INTEGER PRIMARY KEY REFERENCES drop_requests(id),
  code_hash TEXT NOT NULL,
  confirmed_at TEXT
);

CREATE TABLE missions (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES drop_requests(id),
  status TEXT NOT NULL CHECK (status IN ('awaiting-approval', 'approved', 'rejected', 'superseded', 'infeasible')),
  zone_map_version INTEGER,
  depot TEXT NOT NULL,
  drone_id TEXT NOT NULL,
  feasible INTEGER NOT NULL,
  distance_m REAL NOT NULL,
  duration_s REAL NOT NULL,
  energy_wh REAL NOT NULL,
  margin_pct REAL NOT NULL,
  cruise_altitude_m REAL NOT NULL,
  failed_checks INTEGER NOT NULL,
  plan_json TEXT NOT NULL,
  candidates_json TEXT NOT NULL,
  conditions_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX missions_request ON missions(request_id);
CREATE INDEX missions_status ON missions(status);

CREATE TABLE approvals (
  mission_id INTEGER PRIMARY KEY REFERENCES missions(id),
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  user_id INTEGER NOT NULL REFERENCES users(id),
  checklist TEXT NOT NULL DEFAULT '[]',
  reason TEXT,
  at TEXT NOT NULL
);

CREATE TABLE flights (
  id INTEGER PRIMARY KEY,
  mission_id INTEGER NOT NULL UNIQUE REFERENCES missions(id),
  request_id INTEGER NOT NULL REFERENCES drop_requests(id),
  drone_id TEXT NOT NULL,
  sysid INTEGER NOT NULL,
  connection_url TEXT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  airborne_at TEXT,
  ended_at TEXT,
  runner_state TEXT
);
CREATE INDEX flights_open ON flights(ended_at);

CREATE TABLE flight_transitions (
  id INTEGER PRIMARY KEY,
  flight_id INTEGER NOT NULL REFERENCES flights(id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  at TEXT NOT NULL,
  cause TEXT NOT NULL
);
CREATE INDEX flight_transitions_flight ON flight_transitions(flight_id, id);

CREATE TABLE flight_alerts (
  id INTEGER PRIMARY KEY,
  flight_id INTEGER NOT NULL REFERENCES flights(id),
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX flight_alerts_flight ON flight_alerts(flight_id, id);

CREATE TABLE track_points (
  flight_id INTEGER NOT NULL REFERENCES flights(id),
  t INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  rel_alt_m REAL NOT NULL,
  ground_speed_ms REAL NOT NULL,
  heading_deg REAL NOT NULL,
  battery_pct REAL,
  PRIMARY KEY (flight_id, t)
) WITHOUT ROWID;

CREATE TABLE deliveries (
  flight_id INTEGER PRIMARY KEY REFERENCES flights(id),
  request_id INTEGER NOT NULL REFERENCES drop_requests(id),
  at TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  distance_m REAL NOT NULL,
  cause TEXT NOT NULL
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor_id INTEGER REFERENCES users(id),
  action TEXT NOT NULL,
  subject_type TEXT,
  subject_id TEXT,
  reason TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  },
  {
    version: 2,
    name: 'request versions: a mission and its approval name the request version; a delivery keeps the drop point it flew to',
    // Every edit of a drop request makes a new version. A mission records the version it was planned
    // for and an approval the version it approved, so that a plan made for an older version can never
    // be approved (src/dispatch/flights.ts). A delivery keeps the mission that flew and that mission's
    // drop point, so that it never takes the drop point from a request row edited since.
    sql: `
ALTER TABLE drop_requests ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE missions ADD COLUMN request_version INTEGER;
UPDATE missions SET request_version = (SELECT r.version FROM drop_requests r WHERE r.id = missions.request_id);
ALTER TABLE approvals ADD COLUMN request_version INTEGER;
UPDATE approvals SET request_version = (SELECT m.request_version FROM missions m WHERE m.id = approvals.mission_id);
ALTER TABLE deliveries ADD COLUMN mission_id INTEGER REFERENCES missions(id);
ALTER TABLE deliveries ADD COLUMN drop_lat REAL;
ALTER TABLE deliveries ADD COLUMN drop_lon REAL;
UPDATE deliveries SET mission_id = (SELECT f.mission_id FROM flights f WHERE f.id = deliveries.flight_id);
UPDATE deliveries SET
  drop_lat = (SELECT json_extract(m.plan_json, '$.vehiclePlan.delivery.lat') FROM missions m WHERE m.id = deliveries.mission_id),
  drop_lon = (SELECT json_extract(m.plan_json, '$.vehiclePlan.delivery.lon') FROM missions m WHERE m.id = deliveries.mission_id);
`,
  },
  {
    version: 3,
    name: 'user names unique regardless of case',
    // Log-in ignores the case of the user name, so "Bob" and "bob" cannot both exist. A database
    // that already has such twins keeps the oldest account's name; each later twin is renamed
    // "<name>-<id>" (e.g. "bob-7"), and the rename is written to the audit log (action
    // 'user.rename', details { from, to }) so an admin can tell the person. Refusing to start
    // instead would leave the service down with no API to rename a user.
    sql: `
INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, reason, details)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'user.rename', 'user', CAST(u.id AS TEXT),
  'user names are unique regardless of case; the older account ' ||
    (SELECT o.username FROM users o WHERE lower(o.username) = lower(u.username) AND o.id < u.id ORDER BY o.id LIMIT 1) ||
    ' keeps the name',
  json_object('from', u.username, 'to', u.username || '-' || u.id)
FROM users u
WHERE EXISTS (SELECT 1 FROM users o WHERE lower(o.username) = lower(u.username) AND o.id < u.id);

UPDATE users SET username = username || '-' || id
WHERE EXISTS (SELECT 1 FROM users o WHERE lower(o.username) = lower(users.username) AND o.id < users.id);

CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
`,
  },
  {
    version: 4,
    name: 'drone turnaround time',
    // The battery swap or charge after a flight (README "Fleet states"), per drone: 10 minutes unless an admin says otherwise.
    sql: `ALTER TABLE drones ADD COLUMN turnaround_s INTEGER NOT NULL DEFAULT 600;`,
  },
  {
    version: 5,
    name: 'lost flights: where a drone declared lost was recovered',
    // A flight declared lost keeps its drone out of planning until a pilot confirms the drone was
    // found (POST /api/drones/:id/recovered); the confirmation is stored on the lost flight.
    sql: `
ALTER TABLE flights ADD COLUMN recovered_at TEXT;
ALTER TABLE flights ADD COLUMN recovered_note TEXT;
`,
  },
  {
    version: 6,
    name: 'users can be disabled; audit log searchable by actor and time',
    sql: `
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_subject ON audit_log(subject_type, subject_id);
`,
  },
  {
    version: 7,
    name: 'the coordinate system a drop point was given in',
    // lat/lon are always stored WGS-84; this keeps which system the officer typed them in
    // (GCJ-02 from AMap/Tencent, BD-09 from Baidu), so the pages can say the input was converted.
    sql: `ALTER TABLE drop_requests ADD COLUMN drop_point_crs TEXT NOT NULL DEFAULT 'wgs84' CHECK (drop_point_crs IN ('wgs84', 'gcj02', 'bd09'));`,
  },
  {
    version: 8,
    name: 'flight alerts keep their code and numbers',
    // The pages say an alert in the reader's language from its code and numbers (battery %, metres);
    // the English message stays for logs and API consumers. Alerts stored before have no code (the
    // pages fall back to the kind).
    sql: `
ALTER TABLE flight_alerts ADD COLUMN code TEXT;
ALTER TABLE flight_alerts ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
`,
  },
  {
    version: 9,
    name: 'drone leases and routed vehicle commands (several instances, one fleet)',
    // One row per drone: the instance that owns its link, the fencing token (raised on every
    // acquisition, never reset) and when the lease runs out (ms since the epoch). Commands asked at
    // an instance that does not own the drone wait in vehicle_commands until the owner answers them
    // (src/dispatch/drone-leases.ts, src/dispatch/owner-routing.ts; README "Several instances").
    // Times are ms since the epoch in BIGINT (SQLite: integer affinity; PostgreSQL: INTEGER is 32-bit).
    // `report`: what the owner last heard from the vehicle (JSON), renewed with the lease, for the
    // fleet page and the planner of the instances that do not own the drone.
    sql: `
CREATE TABLE drone_leases (
  drone_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  token BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  report TEXT
);
CREATE TABLE vehicle_commands (
  id INTEGER PRIMARY KEY,
  drone_id TEXT NOT NULL,
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  asked_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'taken', 'answered')),
  taken_by TEXT,
  answer TEXT,
  answered_at BIGINT
);
CREATE INDEX vehicle_commands_pending ON vehicle_commands(state, drone_id);
`,
  },
];

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;

function currentVersion(e: SqlEngine): number {
  const row = e.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Current schema version (0 for an empty database). */
export function schemaVersion(db: Database | SqlEngine): number {
  const e = asEngine(db);
  e.transaction(() => e.exec(SCHEMA_TABLE));
  return currentVersion(e);
}

/** The engine's own migration list (SQLite's MIGRATIONS, PostgreSQL's PG_MIGRATIONS). */
export function migrationsFor(db: Database | SqlEngine): Migration[] {
  return asEngine(db).kind === 'postgres' ? PG_MIGRATIONS : MIGRATIONS;
}

/**
 * Apply every migration newer than the database, in order, each in one transaction. Returns the
 * versions applied. Migrations must be numbered 1, 2, 3 … with no gaps. Each transaction reads the
 * version again before it applies its migration: two instances starting together on one PostgreSQL
 * database apply each migration once (PostgreSQL's transactions are serialised, pg-engine.ts).
 */
export function migrate(db: Database | SqlEngine, migrations: Migration[] = migrationsFor(db), now = () => new Date().toISOString()): number[] {
  const e = asEngine(db);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migration '${m.name}' has version ${m.version}, expected ${i + 1}`);
  });
  const current = schemaVersion(e);
  const latest = migrations.length;
  if (current > latest) {
    throw new MigrationError(`database schema version ${current} is newer than this medidrop (knows up to ${latest}); refusing to open it`);
  }
  const applied: number[] = [];
  const record = e.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.slice(current)) {
    const done = e.transaction(() => {
      if (currentVersion(e) >= m.version) return false;
      e.exec(m.sql);
      record.run(m.version, m.name, now());
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
