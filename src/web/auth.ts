/**
 * Sessions and roles. The session cookie holds a random token; the database keeps only its sha256.
 * Each session has a CSRF token the pages send back in `x-csrf-token` on every state-changing
 * request (SameSite=Lax already stops cross-site POSTs in current browsers; the token covers the
 * rest). A feature plugin puts its routes in `guarded(roles, …)` groups: one `guard(roles)` hook per
 * group, run on request before body parsing, so 401/403 come before any 400. Handlers get the user
 * with `requireUser(req)`, typed non-null.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginOptions, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type {} from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ServiceError } from '../dispatch/errors.js';
import { sha256 } from '../store/passwords.js';
import type { Repositories } from '../store/repositories.js';
import type { SessionRecord, UserRecord } from '../store/records.js';
import type { Role, UserView } from './api-types.js';
import { sendError } from './errors.js';

export const SESSION_COOKIE = 'medidrop_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRecord | null;
    session: SessionRecord | null;
  }
}

export interface AuthOptions {
  sessionTtlMs: number;
  secureCookie: boolean;
}

export function userView(u: UserRecord): UserView {
  return { id: u.id, username: u.username, name: u.name, role: u.role };
}

export function installSessions(app: FastifyInstance, repos: Repositories): void {
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = repos.users.sessionByTokenHash(sha256(token));
    if (!session || session.expiresAt < repos.now()) return;
    const user = repos.users.byId(session.userId);
    // disabling a user deletes their sessions too; this also covers a session made in between
    if (!user || user.disabled) return;
    req.session = session;
    req.user = user;
  });
}

export function startSession(repos: Repositories, reply: FastifyReply, user: UserRecord, opts: AuthOptions): SessionRecord {
  const token = randomBytes(32).toString('base64url');
  const now = new Date(repos.now());
  const session: SessionRecord = {
    tokenHash: sha256(token),
    userId: user.id,
    csrfToken: randomBytes(24).toString('base64url'),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + opts.sessionTtlMs).toISOString(),
  };
  repos.users.createSession(session);
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: opts.secureCookie,
    maxAge: Math.floor(opts.sessionTtlMs / 1000),
  });
  return session;
}

export function endSession(repos: Repositories, req: FastifyRequest, reply: FastifyReply, opts: AuthOptions): void {
  if (req.session) repos.users.deleteSession(req.session.tokenHash);
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookie });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function csrfOk(req: FastifyRequest): boolean {
  const sent = req.headers[CSRF_HEADER];
  const expected = req.session?.csrfToken;
  if (typeof sent !== 'string' || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who may use a group of routes: any logged-in user, or the roles listed. */
export type Allowed = readonly Role[] | 'any';

const LOG_IN_FIRST = 'log in first (POST /api/session)';

/** Route hook: logged in (401), one of `roles` (403), and the CSRF token on state changes (403 csrf). */
export function guard(roles: Allowed): onRequestHookHandler {
  return (req, reply, done) => {
    if (!req.user) {
      sendError(reply, 'unauthenticated', LOG_IN_FIRST);
      return;
    }
    if (roles !== 'any' && !roles.includes(req.user.role)) {
      sendError(
        reply,
        'forbidden',
        `${/^[aeiou]/.test(req.user.role) ? 'an' : 'a'} ${req.user.role} may not ${req.method} ${req.routeOptions.url ?? req.url}; needs ${roles.join(' or ')}`,
      );
      return;
    }
    if (!SAFE_METHODS.has(req.method) && !csrfOk(req)) {
      sendError(reply, 'csrf', `missing or wrong ${CSRF_HEADER} header (get the token from GET /api/me)`);
      return;
    }
    done();
  };
}

/**
 * A route group for `roles`: registered as its own (encapsulated) plugin, it adds one `guard(roles)`
 * on-request hook that covers every route the group declares, and no other route.
 */
export function guarded<O extends FastifyPluginOptions>(roles: Allowed, routes: FastifyPluginAsyncTypebox<O>): FastifyPluginAsyncTypebox<O> {
  return async function guardedGroup(app, opts) {
    app.addHook('onRequest', guard(roles));
    await routes(app, opts);
  };
}

/**
 * The user of a guarded route, typed as present. The group's guard has answered 401 already when
 * there is none; should a route ever lose its guard, this answers 401 rather than serve no one.
 */
export function requireUser(req: Pick<FastifyRequest, 'user'>): UserRecord {
  if (!req.user) throw new ServiceError('unauthenticated', LOG_IN_FIRST);
  return req.user;
}

/** The session of a guarded route (its CSRF token), typed as present; 401 as requireUser. */
export function requireSession(req: Pick<FastifyRequest, 'session'>): SessionRecord {
  if (!req.session) throw new ServiceError('unauthenticated', LOG_IN_FIRST);
  return req.session;
}
