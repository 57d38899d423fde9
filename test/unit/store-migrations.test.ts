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
