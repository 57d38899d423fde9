/**
 * The one database connection every repository shares: prepared statements (cached per SQL text),
 * the clock that stamps records, and the transaction helper. Because all repositories run their SQL
 * on this one connection (an SqlEngine: SQLite or PostgreSQL, src/store/engine.ts), work that spans
 * several of them is atomic when it runs inside `transaction()`; a nested call joins the outer
 * transaction as a savepoint. Synchronous on purpose: engine.ts says why.
 */
import type { SqlEngine, SqlStatement } from './engine.js';

export type Clock = () => Date;

export class StoreConnection {
  private readonly stmts = new Map<string, SqlStatement>();

  constructor(
    readonly db: SqlEngine,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** The clock's time as the ISO string every timestamp column holds. */
  now(): string {
    return this.clock().toISOString();
  }

  /** Run `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /** A prepared statement, prepared once per SQL text. */
  q(sql: string): SqlStatement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }
}

// ─── column readers (row values → typed fields; both engines give numbers and strings) ─────────

export type { Row } from './engine.js';
export const str = (v: unknown): string => String(v);
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
