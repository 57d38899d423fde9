/**
 * Audit plugin (prefix /api/audit, admin): the append-only audit log, newest first, filtered by user,
 * request and time, as JSON pages or as one CSV file (src/web/audit-csv.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest } from '../../dispatch/errors.js';
import type { AuditFilter, AuditRecord } from '../../store/records.js';
import type { Repositories } from '../../store/repositories.js';
import { AuditListResponseSchema, AuditQuerySchema, ERROR_RESPONSES, type AuditEntryView, type AuditQuery } from '../api-types.js';
import { auditCsv } from '../audit-csv.js';
import { describeAudit } from '../audit-text.js';
import { catalogue } from '../catalogue.js';
import { guarded, userView } from '../auth.js';
import type { FeatureOptions } from '../context.js';

/** Most rows one CSV export holds (newest first). */
const CSV_MAX_ROWS = 100_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO 8601 date or date-time with a zone, as the UTC "…Z" string the log stores (string order is
 * time order then). A date-only `to` means the end of that UTC day.
 */
export function parseAuditTime(field: 'from' | 'to', value: string): string {
  const isDate = DATE.test(value);
  if (!isDate && !DATE_TIME.test(value)) {
    throw badRequest(field, `${field} must be an ISO 8601 date ("2026-12-03") or date-time with a zone ("2026-12-03T08:00:00Z", "…+08:00"), got '${value}'`);
  }
  const day = value.slice(0, 10);
  const dayMs = Date.parse(`${day}T00:00:00Z`);
  const ms = isDate ? dayMs : Date.parse(value);
  // Date.parse rolls 2026-02-30 over into March: the calendar day must come back unchanged
  if (!Number.isFinite(ms) || !Number.isFinite(dayMs) || new Date(dayMs).toISOString().slice(0, 10) !== day) {
    throw badRequest(field, `${field} is not a real date or time: '${value}'`);
  }
  return new Date(isDate && field === 'to' ? ms + 86_400_000 : field === 'to' ? ms + 1 : ms).toISOString();
}

/** The query's filters, each checked; a bad one → 400 naming it. */
export function auditFilter(repos: Repositories, q: AuditQuery, limit: number): AuditFilter {
  const f: AuditFilter = { limit };
  if (q.before) f.before = Number(q.before);
  if (q.user !== undefined) {
    const u = /^[1-9][0-9]{0,9}$/.test(q.user) ? repos.users.byId(Number(q.user)) : repos.users.byNameIgnoringCase(q.user.trim());
    if (!u) throw badRequest('user', `user: no user with the id or name '${q.user}'`);
    f.actorId = u.id;
  }
  if (q.request !== undefined) {
    if (!/^[1-9][0-9]{0,9}$/.test(q.request)) throw badRequest('request', `request must be a request number (1, 2, …), got '${q.request}'`);
    f.requestId = Number(q.request);
  }
  if (q.from !== undefined) f.from = parseAuditTime('from', q.from);
  if (q.to !== undefined) f.toExclusive = parseAuditTime('to', q.to);
  if (f.from && f.toExclusive && f.from >= f.toExclusive) throw badRequest('to', `to (${q.to}) is not after from (${q.from})`);
  return f;
}

function entryView(repos: Repositories, r: AuditRecord): AuditEntryView {
  const actor = r.actorId !== null ? repos.users.byId(r.actorId) : null;
  return {
    id: r.id,
    at: r.at,
    actor: actor ? userView(actor) : null,
    action: r.action,
    subject: r.subjectType ? { type: r.subjectType, id: r.subjectId ?? '' } : null,
    reason: r.reason,
    details: r.details,
    ...(({ parts, reason }) => ({ summary: parts, reasonText: reason }))(describeAudit(r)),
  };
}

/** "medidrop-audit[-user-3][-request-12][-from…][-to…]-<now>.csv": says what the file holds. */
function csvFileName(q: AuditQuery, now: string): string {
  const part = (k: string, v: string | undefined) => (v === undefined ? '' : `-${k}-${v.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  return `medidrop-audit${part('user', q.user)}${part('request', q.request)}${part('from', q.from)}${part('to', q.to)}-${now.replace(/[:.]/g, '')}.csv`;
}

export const auditPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = guarded(['admin'], async (app, { deps }) => {
  const { repos } = deps;

  app.get(
    '',
    {
      schema: {
        tags: ['audit'],
        summary: 'The append-only audit log, newest first, filtered by user, request and time; format=csv for a spreadsheet (admin)',
        querystring: AuditQuerySchema,
        response: {
          200: {
            description: 'JSON page of entries, or (format=csv) the CSV file',
            content: {
              'application/json': { schema: AuditListResponseSchema },
              'text/csv': {
                schema: Type.String({
                  description: 'UTF-8 with BOM; columns id, time, user, role, action, subject, reason, details (+ action_text, reason_text, summary with lang)',
                }),
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const csv = q.format === 'csv';
      const limit = csv ? (q.limit ? Number(q.limit) : CSV_MAX_ROWS) : Math.min(500, Number(q.limit ?? 100));
      const entries = repos.audit.list(auditFilter(repos, q, limit)).map((r) => entryView(repos, r));
      if (!csv) return reply.type('application/json').send({ entries });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csvFileName(q, repos.now())}"`)
        .header('cache-control', 'no-store')
        .send(auditCsv(entries, q.lang ? catalogue(q.lang) : null));
    },
  );
});
