/**
 * `medidrop add-user`: how a deployment (compose.yaml, a county's own server) gets its first admin
 * without the demo's passwords — the admin API's rules, an audit entry, nothing changed on refusal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { verifyPassword } from '../../src/store/passwords.js';
import { killCliChildren, runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'medidrop-add-user-'));
const db = join(dir, 'medidrop.sqlite');

afterAll(() => {
  killCliChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('medidrop add-user', () => {
  it('creates the first admin with the password from MEDIDROP_NEW_PASSWORD; the log-in works with it; audited', async () => {
    const r = await runCli(['add-user', '--db', db, '--username', 'chief.wang', '--role', 'admin', '--name', '王主任'], {
      env: { MEDIDROP_NEW_PASSWORD: 'a long enough secret' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created admin 'chief\.wang'/);
    expect(r.stdout).not.toContain('a long enough secret');
    const store = openStore(db);
    try {
      const u = store.repos.users.byName('chief.wang')!;
      expect(u).toMatchObject({ role: 'admin', name: '王主任' });
      expect(await verifyPassword('a long enough secret', u.passwordHash)).toBe(true);
      expect(await verifyPassword('another secret!!', u.passwordHash)).toBe(false);
      const audit = store.repos.audit.list({ limit: 10 });
      expect(audit.some((a) => a.action === 'user.create' && a.subjectId === String(u.id))).toBe(true);
    } finally {
      store.close();
    }
  });

  it('refuses, saying why and changing nothing: a name taken (whatever its case), a bad role or name, a short or missing password', async () => {
    const count = () => {
      const s = openStore(db);
      try {
        return [s.repos.users.list().length, s.repos.audit.list({ limit: 1000 }).length];
      } finally {
        s.close();
      }
    };
    const before = count();
    const env = { MEDIDROP_NEW_PASSWORD: 'a long enough secret' };
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--username', 'Chief.Wang', '--role', 'pilot'], env, /user name 'Chief\.Wang' is taken .*by 'chief\.wang': case does not count/],
      [['--username', 'zhao', '--role', 'boss'], env, /--role: one of officer, pilot, admin \(got "boss"\)/],
      [['--username', 'a b', '--role', 'pilot'], env, /--username: 3–32 letters/],
      [['--username', 'zhao', '--role', 'pilot'], { MEDIDROP_NEW_PASSWORD: 'short' }, /password: at least 8 characters/],
      // no MEDIDROP_NEW_PASSWORD and nothing on standard input
      [['--username', 'zhao', '--role', 'pilot'], {}, /password: at least 8 characters/],
    ];
    for (const [args, e, message] of cases) {
      const r = await runCli(['add-user', '--db', db, ...args], { env: { MEDIDROP_NEW_PASSWORD: undefined, ...e } });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(count()).toEqual(before);
  });
});
