/**
 * The PostgreSQL engine's pure parts (no server needed): every SQLite migration has its PostgreSQL
 * counterpart, the placeholder translation, the refusal of SQLite-only SQL, how values are sent, and
 * the masking of a URL's password. The engine against a real server: test/integration/store-postgres.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { PG_MIGRATIONS } from '../../src/store/pg-migrations.js';
import { insertTable, isPostgresUrl, maskUrl, refuseSqliteOnly, toPgValue, translatePlaceholders } from '../../src/store/pg-engine.js';

describe('PostgreSQL migrations', () => {
  it('has one counterpart for every SQLite migration: same version, same name, in the same order', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    for (const m of PG_MIGRATIONS) {
      expect(m.sql.trim(), `PG migration ${m.version}`).not.toBe('');
      // nothing only SQLite understands
      expect(m.sql, `PG migration ${m.version}`).not.toMatch(/\bINTEGER PRIMARY KEY\b|\bWITHOUT ROWID\b|\bjson_extract\(|\bstrftime\(|\bGLOB\b|RAISE\(ABORT/);
    }
  });
});

describe('PostgreSQL SQL translation', () => {
  it('numbers ? placeholders in order, outside quoted text and comments', () => {
    expect(translatePlaceholders('SELECT * FROM t WHERE a = ? AND b = \'?\' AND "c?" = ? -- why?\nAND d = ?')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b = \'?\' AND "c?" = $2 -- why?\nAND d = $3',
      names: null,
      count: 3,
    });
    expect(translatePlaceholders("SELECT 'it''s ?' , ?").text).toBe("SELECT 'it''s ?' , $1");
  });

  it('gives each @name one $n however often it is used', () => {
    expect(translatePlaceholders("SELECT * FROM a WHERE (CAST(@before AS INTEGER) IS NULL OR id < @before) AND x = @actor AND y = '@no' LIMIT @limit")).toEqual(
      {
        text: "SELECT * FROM a WHERE (CAST($1 AS INTEGER) IS NULL OR id < $1) AND x = $2 AND y = '@no' LIMIT $3",
        names: ['before', 'actor', 'limit'],
        count: 3,
      },
    );
    expect(() => translatePlaceholders('SELECT ? , @x')).toThrow(/mixes/);
  });

  it('refuses SQL only SQLite understands, naming it, but not words inside quoted text', () => {
    expect(() => refuseSqliteOnly('INSERT OR IGNORE INTO t (a) VALUES (?)')).toThrow(/SQLite-only SQL on PostgreSQL \(INSERT OR/);
    expect(() => refuseSqliteOnly('INSERT OR REPLACE INTO t (a) VALUES (?)')).toThrow(/INSERT OR/);
    expect(() => refuseSqliteOnly("SELECT json_extract(x, '$.a') FROM t")).toThrow(/json_extract/);
    expect(() => refuseSqliteOnly("SELECT * FROM t WHERE a GLOB 'x*'")).toThrow(/GLOB/);
    expect(() => refuseSqliteOnly("SELECT strftime('%s', 'now')")).toThrow(/strftime/);
    expect(() => refuseSqliteOnly("INSERT INTO audit_log (reason) VALUES ('insert or glob json_extract(')")).not.toThrow();
  });

  it('finds the table of an INSERT that needs RETURNING for its new id', () => {
    expect(insertTable('INSERT INTO users (username) VALUES (?)')).toBe('users');
    expect(insertTable('  insert into "audit_log" (a) values (?)')).toBe('audit_log');
    expect(insertTable('UPDATE missions SET status = ? RETURNING id')).toBeNull();
    expect(insertTable('INSERT INTO t (a) VALUES (?) RETURNING a')).toBeNull();
    expect(insertTable('SELECT 1')).toBeNull();
  });

  it('sends values as SQLite stores them: NaN as NULL, integers and floats exactly, no booleans', () => {
    expect(toPgValue(null)).toBeNull();
    expect(toPgValue(undefined)).toBeNull();
    expect(toPgValue(Number.NaN)).toBeNull();
    expect(toPgValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(toPgValue(1_764_791_234_567)).toBe('1764791234567');
    expect(toPgValue(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(toPgValue(12n)).toBe('12');
    expect(toPgValue('text')).toBe('text');
    expect(() => toPgValue(true)).toThrow(/can only bind/);
    expect(() => toPgValue({})).toThrow(/can only bind/);
  });
});

describe('MEDIDROP_DB', () => {
  it('tells a PostgreSQL URL from a file, masks its password, and keeps the URL as given', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('./data/medidrop.sqlite')).toBe(false);
    expect(isPostgresUrl('postgres.sqlite')).toBe(false);
    expect(maskUrl('postgres://medidrop:s3cr%40t@db.example:5432/medidrop')).toBe('postgres://medidrop:***@db.example:5432/medidrop');
    expect(maskUrl('postgresql://h/db?user=u&password=s3cret&sslmode=require')).toBe('postgresql://h/db?user=u&password=***&sslmode=require');
    expect(maskUrl('postgres://medidrop@h/db')).toBe('postgres://medidrop@h/db');
    const url = 'postgres://medidrop:pw@127.0.0.1:5432/medidrop';
    expect(loadConfig({ env: { MEDIDROP_DB: url } }).db).toBe(url);
    expect(loadConfig({ env: { MEDIDROP_DB: 'rel/medidrop.sqlite' } }).db).toMatch(/^\/.*rel\/medidrop\.sqlite$/);
  });
});
