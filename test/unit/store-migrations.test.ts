import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, schemaVersion, MigrationError } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'medidrop-store-'));
  dirs.push(d);
  return join(d, 'sub', 'medidrop.sqlite');
}

describe('schema migrations', () => {
  it('applies every migration in order on an empty database and records them', () => {
    const db = new BetterSqlite3(':memory:');
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of [
      'users',
      'sessions',
      'drop_requests',
      'idempotency_keys',
      'missions',
      'approvals',
      'flights',
      'flight_transitions',
      'track_points',
      'deliveries',
      'handover_codes',
      'zone_maps',
      'drones',
      'audit_log',
    ]) {
      expect(tables).toContain(t);
    }
    // running again changes nothing
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('applies only newer migrations, and rolls a failing one back whole', () => {
    const db = new BetterSqlite3(':memory:');
    const extra = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'add a column', sql: 'ALTER TABLE drones ADD COLUMN note TEXT' }];
    migrate(db);
    expect(migrate(db, extra)).toEqual([MIGRATIONS.length + 1]);
    const broken = [...extra, { version: extra.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE nonsense (' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(extra.length);
    const half = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get();
    expect(half).toBeUndefined();
    db.close();
  });

  it('refuses out-of-order migration lists and databases newer than the code', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', sql: '' }])).toThrow(MigrationError);
    migrate(db, [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'future', sql: 'CREATE TABLE future (x)' }]);
    expect(() => migrate(db)).toThrow(/newer than this medidrop/);
    db.close();
  });

  it('request versions: a database from before them gets version 1 everywhere, and its deliveries the flown drop point', () => {
    const db = new BetterSqlite3(':memory:');
    const v = MIGRATIONS.findIndex((m) => m.name.startsWith('request versions'));
    expect(v).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, v));
    const at = '2026-01-01T00:00:00.000Z';
    const plan = JSON.stringify({ vehiclePlan: { delivery: { lat: 34.7535, lon: 113.6055, seq: 4, method: 'payload-place' } } });
    db.exec(`
      INSERT INTO users (id, username, name, role, password_hash, created_at) VALUES (1, 'o', 'O', 'officer', 'x', '${at}');
      INSERT INTO drop_requests (id, officer_id, recipient, phone, lat, lon, medicine, weight_kg, urgency, urgency_rank, status, created_at, updated_at)
        VALUES (1, 1, 'R', '12345', 34.7, 113.7, 'm', 0.5, 'urgent', 1, 'delivered', '${at}', '${at}');
      INSERT INTO missions (id, request_id, status, depot, drone_id, feasible, distance_m, duration_s, energy_wh, margin_pct, cruise_altitude_m, failed_checks, plan_json, candidates_json, conditions_json, created_at)
        VALUES (1, 1, 'approved', 'D', 'md-1', 1, 1, 1, 1, 1, 1, 0, '${plan}', '[]', '{}', '${at}');
      INSERT INTO approvals (mission_id, decision, user_id, at) VALUES (1, 'approved', 1, '${at}');
      INSERT INTO flights (id, mission_id, request_id, drone_id, sysid, connection_url, state, created_at) VALUES (1, 1, 1, 'md-1', 1, 'tcp://x:1', 'completed', '${at}');
      INSERT INTO deliveries (flight_id, request_id, at, lat, lon, distance_m, cause) VALUES (1, 1, '${at}', 34.75351, 113.6055, 1.1, 'Gripper load released');
    `);
    migrate(db);
    expect(db.prepare('SELECT version FROM drop_requests WHERE id = 1').get()).toEqual({ version: 1 });
    expect(db.prepare('SELECT request_version FROM missions WHERE id = 1').get()).toEqual({ request_version: 1 });
    expect(db.prepare('SELECT request_version FROM approvals WHERE mission_id = 1').get()).toEqual({ request_version: 1 });
    // the flown plan's point, not the request row's (34.7, 113.7)
    expect(db.prepare('SELECT mission_id, drop_lat, drop_lon FROM deliveries WHERE flight_id = 1').get()).toEqual({
      mission_id: 1,
      drop_lat: 34.7535,
      drop_lon: 113.6055,
    });
    db.close();
  });

  it('opens a file database in WAL mode with foreign keys on', () => {
    const store = openStore(tempDb());
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => store.repos.users.createSession({ tokenHash: 'x', userId: 999, csrfToken: 'c', createdAt: 'a', expiresAt: 'b' })).toThrow(/FOREIGN KEY/);
    store.close();
  });
});

describe('migration 2: user names unique regardless of case', () => {
  it('renames the later twins "<name>-<id>", keeps the oldest, audits each rename, then refuses new twins', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    const add = db.prepare("INSERT INTO users (username, name, role, password_hash, created_at) VALUES (?, ?, 'officer', 'h', 'then')");
    for (const u of ['bob', 'Bob', 'alice', 'BOB']) add.run(u, u);
    migrate(db);
    const users = db.prepare('SELECT id, username FROM users ORDER BY id').all();
    expect(users).toEqual([
      { id: 1, username: 'bob' },
      { id: 2, username: 'Bob-2' },
      { id: 3, username: 'alice' },
      { id: 4, username: 'BOB-4' },
    ]);
    const audit = db.prepare("SELECT subject_id, reason, details FROM audit_log WHERE action = 'user.rename' ORDER BY subject_id").all() as Record<
      string,
      string
    >[];
    expect(audit.map((a) => [a.subject_id, JSON.parse(a.details!)])).toEqual([
      ['2', { from: 'Bob', to: 'Bob-2' }],
      ['4', { from: 'BOB', to: 'BOB-4' }],
    ]);
    expect(audit[0]!.reason).toBe('user names are unique regardless of case; the older account bob keeps the name');
    expect(() => add.run('ALICE', 'x')).toThrow(/UNIQUE constraint failed/);
  });
});
