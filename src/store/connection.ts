/**
 * The one database connection every repository shares: prepared statements (cached per SQL text),
 * the clock that stamps records, and the transaction helper. Because all repositories run their SQL
 * on this one better-sqlite3 connection, work that spans several of them is atomic when it runs inside
 * `transaction()`; a nested call joins the outer transaction (better-sqlite3 turns it into a savepoint).
 */
import type { Database, Statement } from 'better-sqlite3';

export type Clock = () => Date;

export class StoreConnection {
  private readonly stmts = new Map<string, Statement>();

  constructor(
    readonly db: Database,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** The clock's time as the ISO string every timestamp column holds. */
  now(): string {
    return this.clock().toISOString();
  }

  /** Run `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A prepared statement, prepared once per SQL text. */
  q(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }
}

// ─── column readers (SQLite row values → typed fields) ─────────────────────────────────────────

export type Row = Record<string, unknown>;
export const str = (v: unknown): string => String(v);
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
