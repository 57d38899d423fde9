/**
 * `medidrop add-user`: create an account in the database, the way a deployment gets its first admin
 * (compose.yaml, a county's own server) without the demo's well-known passwords. The rules are the
 * admin API's (POST /api/users: UserCreateBodySchema): the same user-name pattern, names unique
 * regardless of case, at least 8 characters of password, an audit entry. The password never comes
 * from a flag (flags show in `ps` and shell history): from MEDIDROP_NEW_PASSWORD, else the first line
 * of standard input.
 */
import { isPostgresUrl, maskUrl, openDatabase, StoreOpenError } from '../store/db.js';
import { loadConfig, ConfigError } from '../app/config.js';
import { hashPassword } from '../store/passwords.js';
import { ROLES } from '../domain/words.js';
import { findControlCharacter } from '../domain/text.js';
import type { Role } from '../domain/words.js';
import { UserCreateBodySchema } from '../web/api-types.js';
import { parseCommandArgs, UsageError } from './common.js';

const HELP = `usage: medidrop add-user --username NAME --role officer|pilot|admin [--name "Display name"] [--db FILE|URL]

  --username NAME   log-in name: 3–32 letters, digits, '.', '_', '-' (unique regardless of case)
  --role R          officer, pilot or admin
  --name TEXT       display name (default: the user name)
  --db FILE|URL     the service's database (MEDIDROP_DB; default ./data/medidrop.sqlite)

The password (at least 8 characters) is read from MEDIDROP_NEW_PASSWORD, else from the first line of
standard input. Exit 0 when created, 2 on bad input or when the name is taken (nothing is changed).
`;

const props = UserCreateBodySchema.properties as unknown as { username: { pattern: string }; password: { minLength: number } };
const USERNAME = new RegExp(props.username.pattern);
const MIN_PASSWORD = props.password.minLength;

async function firstLineOfStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export async function run(args: string[], io: { password?: () => Promise<string> } = {}): Promise<number> {
  const { values } = parseCommandArgs(args, {
    username: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const username = values.username ?? '';
  if (!USERNAME.test(username)) throw new UsageError(`--username: 3–32 letters, digits, '.', '_' or '-' (got ${JSON.stringify(username)})`);
  if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role: one of ${ROLES.join(', ')} (got ${JSON.stringify(values.role ?? '')})`);
  const role = values.role as Role;
  const name = (values.name ?? username).trim();
  if (name.length < 1 || name.length > 100 || findControlCharacter(name) !== null) throw new UsageError('--name: 1–100 characters, no control characters');
  const password = process.env.MEDIDROP_NEW_PASSWORD ?? (await (io.password ?? firstLineOfStdin)());
  if (password.length < MIN_PASSWORD)
    throw new UsageError(`password: at least ${MIN_PASSWORD} characters (MEDIDROP_NEW_PASSWORD or the first line of standard input)`);

  let db: string;
  try {
    db = loadConfig({ overrides: { db: values.db } }).db;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  let store: ReturnType<typeof openDatabase>;
  try {
    store = openDatabase(db);
  } catch (err) {
    if (err instanceof StoreOpenError) throw new UsageError(err.message);
    throw err;
  }
  try {
    const where = isPostgresUrl(db) ? maskUrl(db) : db;
    const taken = store.repos.users.byName(username);
    if (taken)
      throw new UsageError(
        `user name '${username}' is taken in ${where}${taken.username !== username ? ` (by '${taken.username}': case does not count)` : ''}`,
      );
    const passwordHash = await hashPassword(password);
    const u = store.repos.transaction(() => {
      const created = store.repos.users.create({ username, name, role, passwordHash });
      store.repos.audit.append({
        actorId: null,
        action: 'user.create',
        subjectType: 'user',
        subjectId: created.id,
        reason: 'medidrop add-user',
        details: { username, role },
      });
      return created;
    });
    process.stdout.write(`created ${u.role} '${u.username}' (id ${u.id}) in ${where}\n`);
    return 0;
  } finally {
    store.close();
  }
}
