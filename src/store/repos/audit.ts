/**
 * The audit log: who did what to which subject, and why. Append-only: this repository only inserts
 * and reads, and the database itself refuses UPDATE and DELETE on audit_log (triggers in
 * src/store/migrations.ts).
 */
import { json, num, numOrNull, str, strOrNull, type Row, type StoreConnection } from '../connection.js';
import type { AuditFilter, AuditInput, AuditRecord } from '../records.js';

export class AuditRepository {
  constructor(private readonly c: StoreConnection) {}

  append(a: AuditInput): AuditRecord {
    const at = this.c.now();
    const details = a.details ?? {};
    const subjectId = a.subjectId === undefined || a.subjectId === null ? null : String(a.subjectId);
    const info = this.c
      .q('INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(at, a.actorId, a.action, a.subjectType ?? null, subjectId, a.reason ?? null, JSON.stringify(details));
    return {
      id: Number(info.lastInsertRowid),
      at,
      actorId: a.actorId,
      action: a.action,
      subjectType: a.subjectType ?? null,
      subjectId,
      reason: a.reason ?? null,
      details,
    };
  }
  /**
   * Newest first; `before` pages back from an entry id. A request's entries are those whose subject
   * is the request, one of its missions (missions.request_id) or one of its flights (flights.request_id).
   */
  list(opts: AuditFilter): AuditRecord[] {
    // (an optional filter's parameter is CAST where it is tested for NULL: PostgreSQL must know its type there)
    const rows = this.c
      .q(
        `SELECT * FROM audit_log
         WHERE (CAST(@before AS INTEGER) IS NULL OR id < @before)
           AND (CAST(@actor AS INTEGER) IS NULL OR actor_id = @actor)
           AND (CAST(@from AS TEXT) IS NULL OR at >= @from)
           AND (CAST(@to AS TEXT) IS NULL OR at < @to)
           AND (CAST(@request AS INTEGER) IS NULL
                OR (subject_type = 'request' AND subject_id = @requestText)
                OR (subject_type = 'mission' AND subject_id IN (SELECT CAST(id AS TEXT) FROM missions WHERE request_id = @request))
                OR (subject_type = 'flight' AND subject_id IN (SELECT CAST(id AS TEXT) FROM flights WHERE request_id = @request)))
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({
        before: opts.before ?? null,
        actor: opts.actorId ?? null,
        from: opts.from ?? null,
        to: opts.toExclusive ?? null,
        request: opts.requestId ?? null,
        // subject ids are stored as text; a bound JS number would be cast as '12.0'
        requestText: opts.requestId === undefined ? null : String(opts.requestId),
        limit: opts.limit,
      }) as Row[];
    return rows.map((r) => ({
      id: num(r.id),
      at: str(r.at),
      actorId: numOrNull(r.actor_id),
      action: str(r.action),
      subjectType: strOrNull(r.subject_type),
      subjectId: strOrNull(r.subject_id),
      reason: strOrNull(r.reason),
      details: json<Record<string, unknown>>(r.details, {}),
    }));
  }
}
