/** Users plugin (prefix /api/users, admin): list the users and create one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { conflict } from '../../dispatch/errors.js';
import { hashPassword } from '../../store/passwords.js';
import { ERROR_RESPONSES, UserCreateBodySchema, UserListResponseSchema, UserViewSchema } from '../api-types.js';
import { guarded, requireUser, userView } from '../auth.js';
import type { FeatureOptions } from '../context.js';

export const usersPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = guarded(['admin'], async (app, { deps }) => {
  const { repos } = deps;

  app.get('', { schema: { tags: ['users'], summary: 'All users (admin)', response: { 200: UserListResponseSchema, ...ERROR_RESPONSES } } }, async () => ({
    users: repos.users.list().map(userView),
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
});
