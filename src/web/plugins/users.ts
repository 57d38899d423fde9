/**
 * Users plugin (prefix /api/users, admin): list the users, create one, change one (display name,
 * role, disabled), and set a new password. Disabling a user or resetting their password ends their
 * sessions. The service keeps at least one enabled admin, and an admin cannot lock themself out.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { conflict, notFound } from '../../dispatch/errors.js';
import { hashPassword } from '../../store/passwords.js';
import type { UserRecord } from '../../store/records.js';
import type { Repositories } from '../../store/repositories.js';
import {
  ERROR_RESPONSES,
  IdParamsSchema,
  UserAdminViewSchema,
  UserCreateBodySchema,
  UserListResponseSchema,
  UserPasswordBodySchema,
  UserPatchBodySchema,
  UserViewSchema,
  type UserAdminView,
  type UserPatchBody,
} from '../api-types.js';
import { guarded, requireUser, userView } from '../auth.js';
import type { FeatureOptions } from '../context.js';

const adminView = (u: UserRecord): UserAdminView => ({ ...userView(u), disabled: u.disabled });

/**
 * Refuse what would leave the service without a way in: an admin demoting or disabling themself,
 * or the last enabled admin losing the role or being disabled. 409 with the reason.
 */
function checkAdminsRemain(repos: Repositories, actor: UserRecord, target: UserRecord, b: UserPatchBody): void {
  const demoted = b.role !== undefined && b.role !== 'admin' && target.role === 'admin';
  const disabled = b.disabled === true && !target.disabled;
  if (!demoted && !disabled) return;
  const what = demoted ? 'role' : 'disabled';
  if (target.id === actor.id) {
    throw conflict(`you cannot ${demoted ? 'take the admin role from' : 'disable'} yourself: ask another admin`, what);
  }
  if (target.role === 'admin' && !target.disabled && repos.users.countActive('admin') <= 1) {
    throw conflict(`${target.username} is the last enabled admin: make another admin first`, what);
  }
}

export const usersPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = guarded(['admin'], async (app, { deps }) => {
  const { repos } = deps;

  app.get('', { schema: { tags: ['users'], summary: 'All users (admin)', response: { 200: UserListResponseSchema, ...ERROR_RESPONSES } } }, async () => ({
    users: repos.users.list().map(adminView),
  }));

  app.post(
    '',
    { schema: { tags: ['users'], summary: 'Create a user (admin)', body: UserCreateBodySchema, response: { 201: UserViewSchema, ...ERROR_RESPONSES } } },
    async (req, reply) => {
      const admin = requireUser(req);
      const b = req.body;
      const taken = () => {
        const other = repos.users.byName(b.username);
        // names differing only in case are one name: log-in ignores case
        if (other)
          throw conflict(
            `user name '${b.username}' is taken${other.username !== b.username ? ` (by '${other.username}': case does not count)` : ''}`,
            'username',
          );
      };
      taken();
      const passwordHash = await hashPassword(b.password);
      const user = repos.transaction(() => {
        taken(); // again: another request may have created it while the password was being hashed
        const u = repos.users.create({ username: b.username, name: b.name.trim(), role: b.role, passwordHash });
        repos.audit.append({ actorId: admin.id, action: 'user.create', subjectType: 'user', subjectId: u.id, details: { username: u.username, role: u.role } });
        return u;
      });
      return reply.code(201).send(userView(user));
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags: ['users'],
        summary: "Change a user's display name, role or disabled flag (admin); disabling ends their sessions",
        params: IdParamsSchema,
        body: UserPatchBodySchema,
        response: { 200: UserAdminViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const admin = requireUser(req);
      const id = Number(req.params.id);
      const b = req.body;
      const updated = repos.transaction(() => {
        const cur = repos.users.byId(id);
        if (!cur) throw notFound(`user ${id}`);
        checkAdminsRemain(repos, admin, cur, b);
        const patch = {
          ...(b.name !== undefined ? { name: b.name.trim() } : {}),
          ...(b.role ? { role: b.role } : {}),
          ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
        };
        const u = repos.users.update(id, patch);
        if (!u) throw notFound(`user ${id}`);
        const sessionsEnded = b.disabled === true ? repos.users.deleteSessionsOf(id) : 0;
        const changed = Object.fromEntries(
          (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => cur[k] !== u[k]).map((k) => [k, { from: cur[k], to: u[k] }]),
        );
        const action = b.disabled === true && !cur.disabled ? 'user.disable' : b.disabled === false && cur.disabled ? 'user.enable' : 'user.update';
        repos.audit.append({
          actorId: admin.id,
          action,
          subjectType: 'user',
          subjectId: id,
          details: { username: u.username, changed, ...(sessionsEnded ? { sessionsEnded } : {}) },
        });
        return u;
      });
      return adminView(updated);
    },
  );

  app.post(
    '/:id/password',
    {
      schema: {
        tags: ['users'],
        summary: "Set a user's password (admin); every session of that user ends",
        params: IdParamsSchema,
        body: UserPasswordBodySchema,
        response: { 200: UserAdminViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const admin = requireUser(req);
      const id = Number(req.params.id);
      if (!repos.users.byId(id)) throw notFound(`user ${id}`);
      const passwordHash = await hashPassword(req.body.password);
      const updated = repos.transaction(() => {
        const u = repos.users.update(id, { passwordHash });
        if (!u) throw notFound(`user ${id}`);
        const sessionsEnded = repos.users.deleteSessionsOf(id);
        // never the password or its hash
        repos.audit.append({
          actorId: admin.id,
          action: 'user.password-reset',
          subjectType: 'user',
          subjectId: id,
          details: { username: u.username, sessionsEnded },
        });
        return u;
      });
      return adminView(updated);
    },
  );
});
