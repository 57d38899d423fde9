/**
 * The audit log: who did what to which subject, and why. Append-only: this repository only inserts
 * and reads, and the database itself refuses UPDATE and DELETE on audit_log (triggers in
 * src/store/migrations.ts).
 */
import { json, num, numOrNull, str, strOrNull, type Row, type StoreConnection } from '../connection.js';
import type { AuditInput, AuditRecord } from '../records.js';

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
  /** Newest first; `before` pages back from an entry id. */
  list(opts: { limit: number; before?: number }): AuditRecord[] {
    const rows = this.c
      .q('SELECT * FROM audit_log WHERE (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit')
      .all({ before: opts.before ?? null, limit: opts.limit }) as Row[];
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
