/** Session (log-in/out), who am I, public configuration, users (admin), audit log (admin). */
import type { FastifyInstance } from 'fastify';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../store/passwords.js';
import type { AuditEntryView, ConfigResponse, LoginBody, SessionResponse, UserCreateBody } from '../api-types.js';
import { PREFLIGHT_CHECKLIST } from '../api-types.js';
import { endSession, guard, startSession, userView } from '../auth.js';
import type { AppDeps } from '../context.js';
import { sendError } from '../errors.js';

export function accountRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { repos, settings } = deps;

  app.post<{ Body: LoginBody }>('/api/session', {
    config: { rateLimit: { max: settings.loginRateLimit.max, timeWindow: settings.loginRateLimit.windowMs } },
    schema: {
      tags: ['session'],
      summary: 'Log in: sets the http-only session cookie and returns the CSRF token',
      body: {
        type: 'object',
        required: ['username', 'password'],
        additionalProperties: false,
        properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
      },
    },
  }, async (req, reply) => {
    const user = repos.users.byName(req.body.username);
    const ok = await verifyPassword(req.body.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) {
      repos.audit.append({ actorId: user?.id ?? null, action: 'login.failed', subjectType: 'user', subjectId: req.body.username, details: { ip: req.ip } });
      return sendError(reply, 'unauthenticated', 'wrong user name or password');
    }
    const session = startSession(repos, reply, user, settings);
    repos.audit.append({ actorId: user.id, action: 'login', subjectType: 'user', subjectId: user.id, details: { ip: req.ip } });
    const body: SessionResponse = { user: userView(user), csrfToken: session.csrfToken };
    return body;
  });

  app.delete('/api/session', { onRequest: guard('any'), schema: { tags: ['session'], summary: 'Log out' } }, async (req, reply) => {
    repos.audit.append({ actorId: req.user!.id, action: 'logout', subjectType: 'user', subjectId: req.user!.id });
    endSession(repos, req, reply, settings);
    return reply.code(204).send();
  });

  app.get('/api/me', { onRequest: guard('any'), schema: { tags: ['session'], summary: 'The logged-in user and the CSRF token' } }, async (req) => {
    const body: SessionResponse = { user: userView(req.user!), csrfToken: req.session!.csrfToken };
    return body;
  });

  app.get('/api/config', { schema: { tags: ['config'], summary: 'Public UI configuration: default language, optional tile URL, checklist' } }, async () => {
    const body: ConfigResponse = {
      lang: settings.lang,
      languages: ['zh-CN', 'en'],
      tileUrl: settings.tileUrl,
      tileAttribution: settings.tileAttribution,
      leafletBase: '/vendor/leaflet',
      checklist: PREFLIGHT_CHECKLIST,
    };
    return body;
  });

  app.get('/api/users', { onRequest: guard(['admin']), schema: { tags: ['users'], summary: 'All users (admin)' } }, async () => ({
    users: repos.users.list().map(userView),
  }));

  app.post<{ Body: UserCreateBody }>('/api/users', {
    onRequest: guard(['admin']),
    schema: {
      tags: ['users'],
      summary: 'Create a user (admin)',
      body: {
        type: 'object',
        required: ['username', 'name', 'password', 'role'],
        additionalProperties: false,
        properties: {
          username: { type: 'string', pattern: '^[A-Za-z0-9._-]{3,32}$' },
          name: { type: 'string', minLength: 1, maxLength: 100 },
          password: { type: 'string', minLength: 8, maxLength: 256 },
          role: { type: 'string', enum: ['officer', 'pilot', 'admin'] },
        },
      },
    },
  }, async (req, reply) => {
    const b = req.body;
    if (repos.users.byName(b.username)) return sendError(reply, 'conflict', `user name '${b.username}' is taken`, 'username');
    const passwordHash = await hashPassword(b.password);
    const user = repos.transaction(() => {
      const u = repos.users.create({ username: b.username, name: b.name.trim(), role: b.role, passwordHash });
      repos.audit.append({ actorId: req.user!.id, action: 'user.create', subjectType: 'user', subjectId: u.id, details: { username: u.username, role: u.role } });
      return u;
    });
    return reply.code(201).send(userView(user));
  });

  app.get<{ Querystring: { limit?: string; before?: string } }>('/api/audit', {
    onRequest: guard(['admin']),
    schema: {
      tags: ['audit'],
      summary: 'The append-only audit log, newest first (admin)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' }, before: { type: 'string', pattern: '^[1-9][0-9]{0,12}$' } },
      },
    },
  }, async (req) => {
    const limit = Math.min(500, Number(req.query.limit ?? 100));
    const rows = repos.audit.list({ limit, ...(req.query.before ? { before: Number(req.query.before) } : {}) });
    const entries: AuditEntryView[] = rows.map((r) => {
      const actor = r.actorId !== null ? repos.users.byId(r.actorId) : null;
      return {
        id: r.id, at: r.at, actor: actor ? userView(actor) : null, action: r.action,
        subject: r.subjectType ? { type: r.subjectType, id: r.subjectId ?? '' } : null, reason: r.reason, details: r.details,
      };
    });
    return { entries };
  });
}
