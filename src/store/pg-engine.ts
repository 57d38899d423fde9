/**
 * PostgreSQL as an SqlEngine (src/store/engine.ts), selected by MEDIDROP_DB=postgres://… .
 *
 * Synchronous through pg-native, node-postgres's libpq binding (connectSync, prepareSync,
 * executeSync): the repositories and every guarantee built on them assume that a transaction runs to
 * its end without other work of this process interleaving (engine.ts says why the store is not
 * async). pg-native is an optional dependency: without libpq the package still installs, SQLite
 * works, and asking for PostgreSQL says what is missing.
 *
 * What this engine does so that the repositories' SQL and results are the same as on SQLite:
 *   - placeholders: `?` → $1, $2 … in order; `@name` → one $n per name (values from one object);
 *   - `INSERT INTO t …` without RETURNING, where t has a one-column integer key, gets `RETURNING key`
 *     and run() reports it as lastInsertRowid (SQLite's rowid); changes is libpq's cmdTuples;
 *   - integers (int2/4/8, numeric) and floats come back as JS numbers, everything else as the text
 *     PostgreSQL sends (the schema has no booleans or dates: src/store/pg-migrations.ts);
 *   - values go out as text: NaN as NULL (SQLite stores a NaN as NULL), ±Infinity as PostgreSQL's
 *     spelling; a boolean or object is refused as better-sqlite3 refuses it.
 * SQL only SQLite understands (INSERT OR …, GLOB, json_extract, strftime) is refused with the
 * statement named, rather than translated: the repositories write portable SQL.
 *
 * Guarantees:
 *   - Nothing acknowledged is lost: every write commits before the repository returns, with
 *     synchronous_commit = on for this session (a commit waits for its WAL flush).
 *   - One writer at a time, as on SQLite: every top-level transaction starts by taking one
 *     transaction-scoped advisory lock (pg_advisory_xact_lock(TX_LOCK)) at READ COMMITTED, so the
 *     transactions of all instances sharing the database run one after another, and each statement
 *     after the lock sees everything committed before it. A write outside transaction() runs in its
 *     own locked transaction too. Every read-then-write of the repositories and the services above
 *     them (idempotent create, approve, edit, flight transitions, drone and user updates, migrations)
 *     is therefore as correct across instances as SQLite's single writer made it in one process,
 *     including transactions added later; reads outside transactions run freely. A transaction
 *     waits at most LOCK_TIMEOUT_MS for the lock, and the server ends a session left idle inside a
 *     transaction (a paused process) after IDLE_IN_TRANSACTION_MS, releasing the lock.
 *   - The audit log is append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
 */
import { createRequire } from 'node:module';
import type { Row, RunResult, SqlEngine, SqlParams, SqlStatement, SqlValue } from './engine.js';

/** The advisory lock every transaction takes: "medi" in ASCII, any key no other code of ours uses. */
export const TX_LOCK = 0x6d656469;

/** How long a transaction waits for another's before failing, ms (as SQLite's busy_timeout). */
export const LOCK_TIMEOUT_MS = 5000;
/** A session idle inside a transaction this long is ended by the server, ms. */
export const IDLE_IN_TRANSACTION_MS = 15_000;

export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** A postgres:// or postgresql:// URL (anything else is a SQLite file path). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The URL with its password replaced by *** (for messages and logs). */
export function maskUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

// ─── SQL translation (pure) ──────────────────────────────────────────────────────────────────────

export interface TranslatedSql {
  text: string;
  /** For `@name` SQL: the name of each $n, in order; null for `?` SQL. */
  names: string[] | null;
  count: number;
}

const SQLITE_ONLY: [RegExp, string][] = [
  [/\bINSERT\s+OR\s+\w+/i, 'INSERT OR … (write INSERT … ON CONFLICT … instead)'],
  [/\bREPLACE\s+INTO\b/i, 'REPLACE INTO (write INSERT … ON CONFLICT … DO UPDATE instead)'],
  [/\bGLOB\b/i, 'GLOB'],
  [/\bjson_extract\s*\(/i, 'json_extract()'],
  [/\bstrftime\s*\(/i, 'strftime()'],
  [/\bsqlite_master\b/i, 'sqlite_master'],
];

/** `?` and `@name` placeholders → $n, outside quoted text and comments. */
export function translatePlaceholders(sql: string): TranslatedSql {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? sql.length : j;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '?') {
      positional++;
      out += `$${positional}`;
      i++;
    } else if (ch === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      let k = names.indexOf(m[0]);
      if (k < 0) {
        names.push(m[0]);
        k = names.length - 1;
      }
      out += `$${k + 1}`;
      i += 1 + m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error(`SQL mixes ? and @name parameters: ${sql}`);
  return { text: out, names: names.length > 0 ? names : null, count: positional || names.length };
}

/** Throws when `sql` uses something only SQLite understands. */
export function refuseSqliteOnly(sql: string): void {
  const stripped = sql.replace(/'(?:[^']|'')*'/g, "''");
  for (const [re, what] of SQLITE_ONLY) if (re.test(stripped)) throw new Error(`SQLite-only SQL on PostgreSQL (${what}): ${sql.trim()}`);
}

/** The table an `INSERT INTO t` without RETURNING writes, else null. */
export function insertTable(sql: string): string | null {
  if (/\bRETURNING\b/i.test(sql.replace(/'(?:[^']|'')*'/g, "''"))) return null;
  const m = /^\s*INSERT\s+INTO\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(sql);
  return m ? m[1]!.toLowerCase() : null;
}

/** A JS value as the text PostgreSQL parses for the parameter's type (null for SQL NULL). */
export function toPgValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return null;
    if (v === Number.POSITIVE_INFINITY) return 'Infinity';
    if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  throw new TypeError(`PostgreSQL store: can only bind numbers, strings, bigints, buffers and null (got ${typeof v})`);
}

// ─── result types ────────────────────────────────────────────────────────────────────────────────

const NUMERIC_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700]);
const asNumber = (v: string) => Number(v);
const asText = (v: string) => v;
/** pg-native's `types` option: numbers as numbers (int8 included: ids and epoch ms fit in 2^53), the rest as text. */
const PG_TYPES = { getTypeParser: (oid: number) => (NUMERIC_OIDS.has(oid) ? asNumber : asText) };

// ─── pg-native ───────────────────────────────────────────────────────────────────────────────────

interface NativeClient {
  connectSync(url: string): void;
  querySync(text: string, values?: (string | null)[]): Row[];
  prepareSync(name: string, text: string, nParams: number): void;
  executeSync(name: string, values: (string | null)[]): Row[];
  end(cb?: () => void): void;
  pq: { cmdTuples(): string; finish(): void };
}
type NativeClientClass = new (config: { types: typeof PG_TYPES }) => NativeClient;

function loadPgNative(url: string): NativeClientClass {
  try {
    return createRequire(import.meta.url)('pg-native') as NativeClientClass;
  } catch (err) {
    throw new StoreOpenError(
      `cannot open database '${maskUrl(url)}': PostgreSQL needs the optional package pg-native (node-postgres's libpq binding), which is not installed or did not build (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); install libpq-dev and run npm install, or use a SQLite file`,
    );
  }
}

/** Whether pg-native can be loaded here (tests skip PostgreSQL without it). */
export function pgNativeAvailable(): boolean {
  try {
    createRequire(import.meta.url)('pg-native');
    return true;
  } catch {
    return false;
  }
}

/**
 * Close a pg-native client's connection. libpq's binding (node_modules/libpq/src/connection.cc,
 * Connection::Finish) uv_close()s a poll handle that lives inside the wrapped object; if the garbage
 * collector frees that object before the event loop has run the close, the loop touches freed memory
 * and the process dies. So the client is kept referenced until two turns of the loop have passed.
 */
const closing = new Set<unknown>();
export function finishClient(client: { pq: { finish(): void } }): void {
  try {
    client.pq.finish();
  } catch {
    // never connected
  }
  closing.add(client);
  setImmediate(() => setImmediate(() => closing.delete(client)));
}

// ─── the engine ──────────────────────────────────────────────────────────────────────────────────

class PgStatement implements SqlStatement {
  private readonly name: string;
  private readonly names: string[] | null;
  private readonly count: number;
  private readonly returnsKey: string | null;
  private readonly readOnly: boolean;

  constructor(
    private readonly engine: PgEngine,
    sql: string,
  ) {
    refuseSqliteOnly(sql);
    const table = insertTable(sql);
    const key = table ? engine.integerKey(table) : null;
    const t = translatePlaceholders(sql);
    this.names = t.names;
    this.count = t.count;
    this.returnsKey = key;
    this.readOnly = /^\s*SELECT\b/i.test(sql);
    this.name = engine.prepareNamed(key ? `${t.text.trimEnd().replace(/;$/, '')} RETURNING "${key}"` : t.text, t.count);
  }

  private values(params: SqlParams): (string | null)[] {
    if (this.names) {
      const o = (params[0] ?? {}) as Record<string, SqlValue>;
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TypeError('PostgreSQL store: @name parameters need one object of values');
      return this.names.map((n) => {
        if (!(n in o)) throw new RangeError(`Missing named parameter "${n}"`);
        return toPgValue(o[n]);
      });
    }
    if (params.length !== this.count) throw new RangeError(`Too ${params.length > this.count ? 'many' : 'few'} parameter values were provided`);
    return (params as SqlValue[]).map(toPgValue);
  }

  private execute(params: SqlParams): { rows: Row[]; changes: number } {
    const values = this.values(params);
    const run = () => this.engine.executeNamed(this.name, values);
    return this.readOnly || this.engine.inTransaction ? run() : this.engine.transaction(run);
  }

  run(...params: SqlParams): RunResult {
    const { rows, changes } = this.execute(params);
    const id = this.returnsKey && rows.length > 0 ? rows[rows.length - 1]![this.returnsKey] : 0;
    return { changes, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }
  get(...params: SqlParams): Row | undefined {
    return this.execute(params).rows[0];
  }
  all(...params: SqlParams): Row[] {
    return this.execute(params).rows;
  }
}

export class PgEngine implements SqlEngine {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly client: NativeClient;
  private depth = 0;
  private statements = 0;
  private keys: Map<string, string> | null = null;
  private closed = false;

  private constructor(url: string, Client: NativeClientClass) {
    this.location = maskUrl(url);
    this.client = new Client({ types: PG_TYPES });
    try {
      this.client.connectSync(url);
      // A commit returns once its WAL is flushed (the server's default, made sure of here); UTC and
      // UTF-8 whatever the server's defaults are; no NOTICEs (libpq prints them on stderr: "relation
      // schema_migrations already exists, skipping" at every start).
      // Waiting for another instance's transaction gives up after LOCK_TIMEOUT_MS (SQLite's
      // busy_timeout in db.ts), and a session that stops in the middle of a transaction (its process
      // paused or hung: this engine never waits inside one) is ended by the server after
      // IDLE_IN_TRANSACTION_MS, so that it cannot hold every other instance's transactions.
      this.client.querySync(
        `SET synchronous_commit = on; SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'; SET client_min_messages = warning; ` +
          `SET lock_timeout = ${LOCK_TIMEOUT_MS}; SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`,
      );
    } catch (err) {
      this.closeQuietly();
      throw new StoreOpenError(`cannot open database '${this.location}': ${oneLine(err)}`);
    }
  }

  /** Connect to `url` (postgres:// or postgresql://); StoreOpenError names the URL, password masked. */
  static connect(url: string): PgEngine {
    return new PgEngine(url, loadPgNative(url));
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }
  get open(): boolean {
    return !this.closed;
  }

  prepare(sql: string): SqlStatement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): void {
    this.client.querySync(sql);
    this.keys = null; // DDL may have added tables
  }

  /** Prepare `text` on the server under a fresh name; returns the name. */
  prepareNamed(text: string, count: number): string {
    const name = `medidrop_${++this.statements}`;
    this.client.prepareSync(name, text, count);
    return name;
  }

  executeNamed(name: string, values: (string | null)[]): { rows: Row[]; changes: number } {
    const rows = this.client.executeSync(name, values);
    const changes = Number.parseInt(this.client.pq.cmdTuples(), 10);
    return { rows, changes: Number.isFinite(changes) ? changes : 0 };
  }

  /** The one-column integer primary key of `table` (what SQLite's rowid is there), or null. */
  integerKey(table: string): string | null {
    if (!this.keys) {
      const rows = this.client.querySync(
        `SELECT c.relname AS t, a.attname AS k FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
         WHERE i.indisprimary AND i.indnatts = 1 AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)`,
      );
      this.keys = new Map(rows.map((r) => [String(r.t), String(r.k)]));
    }
    return this.keys.get(table) ?? null;
  }

  /**
   * One transaction; nested calls are savepoints (as better-sqlite3's transaction()). The top level
   * takes TX_LOCK first (see the module header); a function returning a promise is refused (its
   * awaits would run outside the transaction), as better-sqlite3 refuses it.
   */
  transaction<T>(fn: () => T): T {
    const top = this.depth === 0;
    const sp = `medidrop_sp_${this.depth}`;
    if (top) {
      // (one round trip for both)
      try {
        this.client.querySync(`BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${TX_LOCK})`);
      } catch (err) {
        this.rollbackQuietly();
        throw err;
      }
    } else this.client.querySync(`SAVEPOINT ${sp}`);
    this.depth++;
    let result: T;
    try {
      result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('Transaction function cannot return a promise');
    } catch (err) {
      this.depth--;
      if (top) this.rollbackQuietly();
      else {
        try {
          this.client.querySync(`ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`);
        } catch {
          // the outer transaction is failing too; its rollback ends this
        }
      }
      throw err;
    }
    this.depth--;
    if (top) this.client.querySync('COMMIT');
    else this.client.querySync(`RELEASE SAVEPOINT ${sp}`);
    return result;
  }

  private rollbackQuietly(): void {
    try {
      this.client.querySync('ROLLBACK');
    } catch {
      // the connection is gone: the server has rolled back
    }
  }

  private closeQuietly(): void {
    finishClient(this.client);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeQuietly();
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().replace(/\s*\n\s*/g, '; ');
}
