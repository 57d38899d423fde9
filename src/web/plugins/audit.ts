/** Audit plugin (prefix /api/audit, admin): the append-only audit log, newest first. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditListResponseSchema, AuditQuerySchema, ERROR_RESPONSES } from '../api-types.js';
import { guarded, userView } from '../auth.js';
import type { FeatureOptions } from '../context.js';

export const auditPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = guarded(['admin'], async (app, { deps }) => {
  const { repos } = deps;

  app.get(
    '',
    {
      schema: {
        tags: ['audit'],
        summary: 'The append-only audit log, newest first (admin)',
        querystring: AuditQuerySchema,
        response: { 200: AuditListResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const limit = Math.min(500, Number(req.query.limit ?? 100));
      const rows = repos.audit.list({ limit, ...(req.query.before ? { before: Number(req.query.before) } : {}) });
      return {
        entries: rows.map((r) => {
          const actor = r.actorId !== null ? repos.users.byId(r.actorId) : null;
          return {
            id: r.id,
            at: r.at,
            actor: actor ? userView(actor) : null,
            action: r.action,
            subject: r.subjectType ? { type: r.subjectType, id: r.subjectId ?? '' } : null,
            reason: r.reason,
            details: r.details,
          };
        }),
      };
    },
  );
});
