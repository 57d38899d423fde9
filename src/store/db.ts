/**
 * Opening the medidrop database, SQLite or PostgreSQL by the location's form:
 *   - a file path (or ':memory:' for tests): better-sqlite3, WAL journal, synchronous=FULL (a commit
 *     that was acknowledged survives a crash of the process and of the machine), foreign keys on;
 *   - a postgres:// or postgresql:// URL: PostgreSQL through pg-native (src/store/pg-engine.ts).
 * Migrations are applied either way (each engine's own list, src/store/migrations.ts). A database
 * that cannot be opened is a StoreOpenError naming it (a PostgreSQL URL with its password masked).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrations.js';
import type { Clock } from './connection.js';
import { SqliteEngine, type SqlEngine } from './engine.js';
import { isPostgresUrl, PgEngine, StoreOpenError } from './pg-engine.js';
import { Repositories } from './repositories.js';

export { isPostgresUrl, maskUrl, StoreOpenError } from './pg-engine.js';

/** An open store on either engine. */
export interface Store {
  engine: SqlEngine;
  repos: Repositories;
  close(): void;
}

/** An open SQLite store, with better-sqlite3's handle. */
export interface OpenedStore extends Store {
  db: Database;
}

/** Open the database at `location`: a postgres:// URL, else a SQLite file. */
export function openDatabase(location: string, opts: { clock?: Clock } = {}): Store {
  return isPostgresUrl(location) ? openPostgresStore(location, opts) : openStore(location, opts);
}

/** Open (creating if needed) the SQLite database file `path`. */
export function openStore(path: string, opts: { clock?: Clock } = {}): OpenedStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(path);
  } catch (err) {
    throw new StoreOpenError(`cannot open database '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    // "file is not a database" alone does not say which file.
    throw new StoreOpenError(`cannot open database '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const engine = new SqliteEngine(db, path);
  const repos = new Repositories(engine, opts.clock);
  return { db, engine, repos, close: () => engine.close() };
}

/** Connect to the PostgreSQL database at `url` and bring its schema up to date. */
export function openPostgresStore(url: string, opts: { clock?: Clock } = {}): Store {
  const engine = PgEngine.connect(url);
  try {
    migrate(engine);
  } catch (err) {
    engine.close();
    throw new StoreOpenError(`cannot open database '${engine.location}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const repos = new Repositories(engine, opts.clock);
  return { engine, repos, close: () => engine.close() };
}
