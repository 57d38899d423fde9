/**
 * Session plugin (prefix /api): log in (public, rate-limited per client address), and for any
 * logged-in user log out and "who am I" (the CSRF token again).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ServiceError } from '../../dispatch/errors.js';
import { dummyPasswordHash, verifyPassword } from '../../store/passwords.js';
import { ERROR_RESPONSES, LoginBodySchema, NoContentSchema, SessionResponseSchema } from '../api-types.js';
import { endSession, guarded, requireSession, requireUser, startSession, userView } from '../auth.js';
import type { FeatureOptions } from '../context.js';

export const sessionPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, settings } = deps;

  app.post(
    '/session',
    {
      config: { rateLimit: { max: settings.loginRateLimit.max, timeWindow: settings.loginRateLimit.windowMs } },
      schema: {
        tags: ['session'],
        summary: 'Log in: sets the http-only session cookie and returns the CSRF token',
        body: LoginBodySchema,
        response: { 200: SessionResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const user = repos.users.byName(req.body.username);
      const ok = await verifyPassword(req.body.password, user?.passwordHash ?? (await dummyPasswordHash()));
      if (!user || !ok) {
        repos.audit.append({ actorId: user?.id ?? null, action: 'login.failed', subjectType: 'user', subjectId: req.body.username, details: { ip: req.ip } });
        throw new ServiceError('unauthenticated', 'wrong user name or password');
      }
      if (user.disabled) {
        repos.audit.append({
          actorId: user.id,
          action: 'login.refused',
          subjectType: 'user',
          subjectId: user.id,
          reason: 'account disabled',
          details: { ip: req.ip },
        });
        // the right password for a disabled account: 403, so the page can say why (a wrong one stays a 401)
        throw new ServiceError('forbidden', 'this account is disabled; ask an admin');
      }
      const session = startSession(repos, reply, user, settings);
      repos.audit.append({ actorId: user.id, action: 'login', subjectType: 'user', subjectId: user.id, details: { ip: req.ip } });
      return { user: userView(user), csrfToken: session.csrfToken };
    },
  );

  await app.register(
    guarded('any', async (signedIn) => {
      signedIn.delete(
        '/session',
        { schema: { tags: ['session'], summary: 'Log out', response: { 204: NoContentSchema, ...ERROR_RESPONSES } } },
        async (req, reply) => {
          const user = requireUser(req);
          repos.audit.append({ actorId: user.id, action: 'logout', subjectType: 'user', subjectId: user.id });
          endSession(repos, req, reply, settings);
          return reply.code(204).send(null);
        },
      );

      signedIn.get(
        '/me',
        { schema: { tags: ['session'], summary: 'The logged-in user and the CSRF token', response: { 200: SessionResponseSchema, ...ERROR_RESPONSES } } },
        async (req) => ({ user: userView(requireUser(req)), csrfToken: requireSession(req).csrfToken }),
      );
    }),
  );
};
