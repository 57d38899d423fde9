/**
 * The seam between the repositories and a database engine: what src/store needs from one, and its
 * SQLite implementation on better-sqlite3 (the default). The PostgreSQL implementation is
 * src/store/pg-engine.ts.
 *
 * The seam is synchronous on purpose. Every repository call and every `transaction(fn)` runs to its
 * end without yielding to the event loop, so no other request's work can interleave with a
 * transaction in this process; the reasoning behind the store's guarantees (an approval checks the
 * request version it writes, an idempotent create checks the key it stores, …) rests on that. An
 * async query layer (Kysely, node-postgres's pooled client) would put an await between every read and
 * the write that depends on it in ~390 call sites. PostgreSQL is reached synchronously through
 * pg-native, node-postgres's libpq binding, instead (see pg-engine.ts).
 *
 * What both engines give the repositories:
 *   - `prepare(sql)` → a statement whose run/get/all take `?` parameters positionally or `@name`
 *     parameters from one object, and return better-sqlite3's shapes: run → { changes,
 *     lastInsertRowid }, get → the first row or undefined, all → rows; integers come back as numbers;
 *   - `transaction(fn)`: one transaction; a nested call is a savepoint inside the outer one;
 *   - `exec(sql)`: several statements without parameters (migrations).
 */
import type { Database } from 'better-sqlite3';

export type Row = Record<string, unknown>;
export type SqlValue = string | number | bigint | null | Buffer;
/** Positional values, or one object of named values for `@name` parameters. */
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: SqlParams): RunResult;
  get(...params: SqlParams): Row | undefined;
  all(...params: SqlParams): Row[];
}

export type EngineKind = 'sqlite' | 'postgres';

export interface SqlEngine {
  readonly kind: EngineKind;
  /** Where the data is, fit for messages (a PostgreSQL URL with its password masked). */
  readonly location: string;
  prepare(sql: string): SqlStatement;
  exec(sql: string): void;
  transaction<T>(fn: () => T): T;
  /** Whether `close()` has not been called yet. */
  readonly open: boolean;
  close(): void;
}

export function isSqlEngine(x: unknown): x is SqlEngine {
  return typeof x === 'object' && x !== null && 'kind' in x && typeof (x as SqlEngine).prepare === 'function' && typeof (x as SqlEngine).exec === 'function';
}

/** better-sqlite3 as an SqlEngine: its statements and transactions already have the seam's shapes. */
export class SqliteEngine implements SqlEngine {
  readonly kind = 'sqlite' as const;

  constructor(
    readonly db: Database,
    readonly location: string = db.name,
  ) {}

  prepare(sql: string): SqlStatement {
    return this.db.prepare(sql) as unknown as SqlStatement;
  }
  exec(sql: string): void {
    this.db.exec(sql);
  }
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  get open(): boolean {
    return this.db.open;
  }
  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** An engine for `db`: itself when it is one, else better-sqlite3's Database wrapped. */
export function asEngine(db: SqlEngine | Database): SqlEngine {
  return isSqlEngine(db) ? db : new SqliteEngine(db);
}
