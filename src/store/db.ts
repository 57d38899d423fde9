/**
 * Opening the medidrop database: better-sqlite3, WAL journal, synchronous=FULL (a commit that was
 * acknowledged survives a crash of the process and of the machine), foreign keys on, migrations
 * applied. ':memory:' is accepted for tests.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrations.js';
import type { Clock } from './connection.js';
import { Repositories } from './repositories.js';

export interface OpenedStore {
  db: Database;
  repos: Repositories;
  close(): void;
}

export function openStore(path: string, opts: { clock?: Clock } = {}): OpenedStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(path);
  } catch (err) {
    throw new Error(`cannot open database '${path}': ${err instanceof Error ? err.message : String(err)}`);
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
    throw new Error(`cannot open database '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const repos = new Repositories(db, opts.clock);
  return {
    db,
    repos,
    close: () => {
      if (db.open) db.close();
    },
  };
}
